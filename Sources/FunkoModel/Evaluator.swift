import FunkoCore
import FunkoFeatures

/// `evaluation.json` and `funko evaluate --json`: the model next to the naive baselines on the
/// same held-out rows, plus errors by segment.
public struct EvaluationReport: Codable, Equatable, Sendable {
    public var version: String?
    public var window: DataWindow?
    public var rows: Int
    public var model: Metrics
    public var baselines: [String: Metrics]
    public var segments: [Segment]

    public struct Segment: Codable, Equatable, Sendable {
        public var segment: String
        public var rows: Int
        public var model: Metrics
        public var lastSale: Metrics
        enum CodingKeys: String, CodingKey {
            case segment, rows, model
            case lastSale = "last_sale"
        }
    }

    /// The best baseline by MAE.
    public var bestBaseline: (name: String, metrics: Metrics)? {
        baselines.min { $0.value.mae < $1.value.mae }.map { ($0.key, $0.value) }
    }
}

public enum Baseline: String, CaseIterable, Sendable {
    case lastSale = "last_sale"
    case mean30d = "mean_30d"
    case baseEstimatedValue = "base_estimated_value"

    /// The baseline's guess for a row. A row without the needed history falls back to the next
    /// simpler guess (30-day mean → last sale → catalog estimate), so every row gets a number.
    public func predict(_ m: FeatureMatrix, row: Int) -> Double {
        let chain: [Feature]
        switch self {
        case .lastSale: chain = [.lastPrice, .baseEstimatedValue]
        case .mean30d: chain = [.avgPrice30d, .lastPrice, .baseEstimatedValue]
        case .baseEstimatedValue: chain = [.baseEstimatedValue]
        }
        for f in chain where !m[row, f].isNaN { return Double(m[row, f]) }
        return 0
    }
}

public enum Evaluator {
    public static func evaluate(
        model: TreeEnsemble, metadata: ModelMetadata, features: FeatureMatrix, actual: [Double],
        pops: [FunkoPop]
    ) throws -> EvaluationReport {
        evaluate(
            targets: try model.predict(features).map(Double.init), metadata: metadata,
            features: features,
            actual: actual, pops: pops)
    }

    /// The same from target-space predictions, whatever made them (trees, an endpoint, a baseline).
    public static func evaluate(
        targets raw: [Double], metadata: ModelMetadata, features: FeatureMatrix, actual: [Double], pops: [FunkoPop]
    ) -> EvaluationReport {
        var price = [Double]()
        var low = [Double]()
        var high = [Double]()
        for i in 0..<features.rows {
            let e = metadata.estimate(features: features, row: i, prediction: raw[i])
            price.append(e.price)
            low.append(e.low)
            high.append(e.high)
        }
        let modelMetrics = MetricMath.metrics(actual: actual, predicted: price, low: low, high: high)
        var baselines: [String: Metrics] = [:]
        var baselinePredictions: [Baseline: [Double]] = [:]
        for b in Baseline.allCases {
            let p = (0..<features.rows).map { b.predict(features, row: $0) }
            baselinePredictions[b] = p
            baselines[b.rawValue] = MetricMath.metrics(actual: actual, predicted: p)
        }
        let buckets: [(String, ClosedRange<Double>)] = [
            ("price < $15", 0...14.995), ("price $15-30", 14.995...29.995), ("price $30-75", 29.995...74.995),
            ("price $75-250", 74.995...249.995), ("price >= $250", 249.995...Double.greatestFiniteMagnitude),
        ]
        var segments: [EvaluationReport.Segment] = []
        func segment(_ name: String, _ include: (Int) -> Bool) {
            let idx = actual.indices.filter(include)
            guard !idx.isEmpty else { return }
            let a = idx.map { actual[$0] }
            segments.append(
                .init(
                    segment: name, rows: idx.count,
                    model: MetricMath.metrics(
                        actual: a, predicted: idx.map { price[$0] },
                        low: idx.map { low[$0] }, high: idx.map { high[$0] }),
                    lastSale: MetricMath.metrics(actual: a, predicted: idx.map { baselinePredictions[.lastSale]![$0] }))
            )
        }
        segment("chase") { pops[$0].isChase }
        segment("not chase") { !pops[$0].isChase }
        segment("exclusive") { pops[$0].isExclusive }
        segment("not exclusive") { !pops[$0].isExclusive }
        segment("vaulted") { features[$0, .isVaulted] == 1 }
        segment("not vaulted") { features[$0, .isVaulted] != 1 }
        for (name, range) in buckets { segment(name) { range.contains(actual[$0]) } }
        // Where the last sale is hard to beat: fresh evidence, quiet markets, trends.
        let days = { (i: Int) in features[i, .daysSinceLastSale] }
        segment("no earlier sale") { days($0).isNaN }
        segment("last sale < 1 day ago") { days($0) < 1 }
        segment("last sale 1-7 days ago") { (1..<7).contains(days($0)) }
        segment("last sale 7-30 days ago") { (7..<30).contains(days($0)) }
        segment("last sale >= 30 days ago") { days($0) >= 30 }
        let trend = { (i: Int) in features[i, .momentum30dTo90d] }
        segment("falling: 30-day mean 5%+ below 90-day") { trend($0) < -0.05 }
        segment("flat: 30-day mean within 5% of 90-day") { abs(trend($0)) <= 0.05 }
        segment("rising: 30-day mean 5%+ above 90-day") { trend($0) > 0.05 }
        return EvaluationReport(
            version: metadata.version, window: nil, rows: features.rows, model: modelMetrics,
            baselines: baselines, segments: segments)
    }
}

extension InferenceBackend {
    /// This model's point-in-time feature rows for the sales of `table` (sorted by Pop and time)
    /// sold in `from ..< until`, each from earlier sales only, with the sales' indices in `table`.
    public func rows(forSalesOf table: SalesTable, from: EpochSeconds, until: EpochSeconds) -> (
        features: FeatureMatrix, indices: [Int]
    ) {
        let indices = table.soldAt.indices.filter { table.soldAt[$0] >= from && table.soldAt[$0] < until }
        let rows = FeatureBuilder.trainingRows(table, encoders: metadata.vocabularies)
        return (rows.subset(indices), indices)
    }

    /// The held-out evaluation, recomputed from the sales: this model and the naive baselines on
    /// `table`'s sales in `window` (a model's own test window, or a candidate's, for the champion).
    public func evaluate(on table: SalesTable, window: DataWindow) throws -> EvaluationReport {
        guard let from = Time.parseISO8601(window.from), let until = Time.parseISO8601(window.until) else {
            throw FunkoError.badRequest("window \(window.from) .. \(window.until) is not a pair of ISO 8601 times")
        }
        let (features, indices) = rows(forSalesOf: table, from: from, until: until)
        guard !indices.isEmpty else {
            throw FunkoError.badRequest(
                "no sales in the window \(window.from) .. \(window.until): was the database replaced?")
        }
        var report = Evaluator.evaluate(
            targets: try predictTargets(features, deadline: nil), metadata: metadata, features: features,
            actual: indices.map { table.price[$0] }, pops: indices.map { table.pops[Int(table.pop[$0])] })
        report.window = window
        return report
    }
}
