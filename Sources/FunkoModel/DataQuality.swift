import FunkoCore
import FunkoFeatures

/// The data-quality gate before training: a model is only trained on data that
/// passes. The report is saved as `quality.json` next to the dataset or model.
public struct QualityReport: Codable, Equatable, Sendable {
    public struct Check: Codable, Equatable, Sendable {
        public var name: String
        public var passed: Bool
        public var value: Double
        public var limit: Double
        public var message: String
    }
    public var passed: Bool
    public var rows: Int
    public var checks: [Check]

    /// One line naming every failed check, for errors and decisions.
    public var failureSummary: String {
        checks.filter { !$0.passed }.map(\.message).joined(separator: "; ")
    }
}

public struct QualityLimits: Sendable {
    public var minRows = 1000
    /// Identical rows (same Pop, time, price, condition, marketplace) under different source ids.
    /// A feed replayed under new ids doubles a share of the rows; a real feed stamped with dates
    /// only has a few legitimate ones (2.56% of the StockX development set), so the limit is 5%.
    public var maxDuplicateShare = 0.05
    /// Newest 7 days against the mean week of the 8 weeks before.
    public var maxWeeklyVolumeRatio = 5.0
    public var minWeeklyVolumeRatio = 0.1
    /// Columns that must be present on every row; the price windows may be missing where a Pop
    /// had no recent sales, but not everywhere.
    public var maxWindowMissingShare = 0.95
    public init() {}
}

public enum DataQuality {
    /// `now` bounds sale dates: a sale dated in the future is a broken feed, not a forecast.
    public static func check(
        _ table: SalesTable, features: FeatureMatrix, limits: QualityLimits = QualityLimits(),
        now: EpochSeconds? = nil
    ) -> QualityReport {
        var checks: [QualityReport.Check] = []
        func add(_ name: String, _ value: Double, _ limit: Double, _ ok: Bool, _ message: String) {
            checks.append(.init(name: name, passed: ok, value: value, limit: limit, message: message))
        }
        let n = table.count
        add(
            "rows", Double(n), Double(limits.minRows), n >= limits.minRows,
            "\(n) sales; at least \(limits.minRows) are needed to train")

        // Schema: one row per sale with every feature of the model, codes inside their vocabularies.
        var badCodes = 0
        for i in 0..<n
        where Int(table.pop[i]) >= table.pops.count || table.pop[i] < 0 || !(1...5).contains(table.condition[i])
            || Int(table.marketplace[i]) >= Marketplace.allCases.count
        { badCodes += 1 }
        let schemaOK = features.columns == Feature.allCases.count && features.rows == n && badCodes == 0
        add(
            "schema", Double(badCodes), 0, schemaOK,
            "\(features.columns) feature columns for \(Feature.allCases.count) model features, \(features.rows) rows for \(n) sales, \(badCodes) sales with an unknown Pop, condition or marketplace"
        )

        let badPrices = table.price.filter { !($0 > 0) || !$0.isFinite }.count
        add(
            "price_range", Double(badPrices), 0, badPrices == 0,
            "\(badPrices) sales with a zero, negative or non-finite price")

        let badEstimates = table.pops.filter { $0.baseEstimatedValue < 0 || $0.baseEstimatedValue.isInfinite }.count
        add(
            "base_estimated_value_range", Double(badEstimates), 0, badEstimates == 0,
            "\(badEstimates) catalog entries with a negative or infinite base_estimated_value")

        let tooNew = now.map { limit in table.soldAt.filter { $0 > limit + secondsPerDay }.count } ?? 0
        let tooOld = table.soldAt.filter { $0 < Self.earliestSale }.count
        add(
            "sold_at_range", Double(tooNew + tooOld), 0, tooNew + tooOld == 0,
            "\(tooNew) sales dated in the future and \(tooOld) before 1995")

        var duplicates = 0
        for i in 1..<max(n, 1)
        where table.pop[i] == table.pop[i - 1] && table.soldAt[i] == table.soldAt[i - 1]
            && table.price[i] == table.price[i - 1] && table.condition[i] == table.condition[i - 1]
            && table.marketplace[i] == table.marketplace[i - 1]
        {
            duplicates += 1
        }
        let dupShare = n > 0 ? Double(duplicates) / Double(n) : 0
        add(
            "duplicates", dupShare, limits.maxDuplicateShare, dupShare <= limits.maxDuplicateShare,
            "\(duplicates) duplicated sales (\(percent(dupShare)) of rows; limit \(percent(limits.maxDuplicateShare)))")

        for f in Feature.allCases where f != .daysSinceVaulted {
            var missing = 0
            for r in 0..<features.rows where features[r, f].isNaN { missing += 1 }
            let share = features.rows > 0 ? Double(missing) / Double(features.rows) : 0
            let limit = f.needsHistory ? limits.maxWindowMissingShare : 0
            add(
                "missing_\(f.name)", share, limit, share <= limit,
                "\(f.name) is missing on \(percent(share)) of rows (limit \(percent(limit)))")
        }

        if let last = table.soldAt.max() {
            let week = 7 * secondsPerDay
            var recent = 0
            var before = 0
            for t in table.soldAt {
                if t > last - week { recent += 1 } else if t > last - 9 * week { before += 1 }
            }
            let baseline = Double(before) / 8
            if baseline > 0 {
                let ratio = Double(recent) / baseline
                add(
                    "weekly_volume", ratio, limits.maxWeeklyVolumeRatio,
                    ratio <= limits.maxWeeklyVolumeRatio && ratio >= limits.minWeeklyVolumeRatio,
                    "the newest week has \(recent) sales, \(format2(ratio))× the mean of the 8 weeks before (allowed \(format2(limits.minWeeklyVolumeRatio))×-\(format2(limits.maxWeeklyVolumeRatio))×)"
                )
            }
        }
        return QualityReport(passed: checks.allSatisfy(\.passed), rows: n, checks: checks)
    }

    /// Funko Pop! vinyl figures appeared in 2010; 1995 leaves room for older Funko products.
    static let earliestSale: EpochSeconds = 788_918_400

    static func percent(_ v: Double) -> String { "\(format2(v * 100))%" }
    static func format2(_ v: Double) -> String { formatCents(v) }
}
