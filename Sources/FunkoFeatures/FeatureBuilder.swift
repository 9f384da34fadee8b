import Dispatch
import FunkoCore

/// Feature columns. The first 18 are the documented features (docs/model.md), in that order; the
/// rest were added because they measurably help (docs/model.md). All windows cover sales strictly
/// before the window end.
public enum Feature: Int, CaseIterable, Sendable {
    case daysSinceRelease, releaseMonth, saleMonth, saleDayOfWeek, isWeekendSale
    case isChase, isExclusive, isVaulted, funkoNumber
    case seriesEncoded, characterEncoded, marketplaceEncoded, conditionScore
    case avgPrice7d, avgPrice30d, avgPrice90d, priceVolatility30d, baseEstimatedValue
    // Beyond the 18:
    case lastPrice, daysSinceLastSale, avgPriceLast5, salesCount30d, salesCount90d
    case avgCondition30d, avgCondition90d, lastConditionScore, daysSinceVaulted
    // Relative to the last sale, so that one tree split means the same move for a $15 Pop and a
    // $1,500 one (docs/model.md, "Relative features"):
    case ewmPrice, logAvg7dToLast, logAvg30dToLast, logAvg90dToLast, logAvgLast5ToLast, logEwmToLast
    case logBaseToLast, logLastToPrevious, relativeVolatility30d, momentum7dTo30d, momentum30dTo90d

    public static let specCount = 18

    /// Features that are missing by design when a Pop has no (recent) earlier sales.
    public var needsHistory: Bool {
        switch self {
        case .avgPrice7d, .avgPrice30d, .avgPrice90d, .priceVolatility30d, .lastPrice, .daysSinceLastSale,
            .avgPriceLast5, .avgCondition30d, .avgCondition90d, .lastConditionScore, .ewmPrice, .logAvg7dToLast,
            .logAvg30dToLast, .logAvg90dToLast, .logAvgLast5ToLast, .logEwmToLast, .logBaseToLast,
            .logLastToPrevious, .relativeVolatility30d, .momentum7dTo30d, .momentum30dTo90d:
            true
        default: false
        }
    }

    /// Weight of the newest sale in `ewm_price` (per sale, not per day: quiet Pops keep their level).
    public static let ewmWeight = 0.3

    public var name: String {
        switch self {
        case .daysSinceRelease: "days_since_release"
        case .releaseMonth: "release_month"
        case .saleMonth: "sale_month"
        case .saleDayOfWeek: "sale_day_of_week"
        case .isWeekendSale: "is_weekend_sale"
        case .isChase: "is_chase"
        case .isExclusive: "is_exclusive"
        case .isVaulted: "is_vaulted"
        case .funkoNumber: "funko_number"
        case .seriesEncoded: "series_encoded"
        case .characterEncoded: "character_encoded"
        case .marketplaceEncoded: "marketplace_encoded"
        case .conditionScore: "condition_score"
        case .avgPrice7d: "avg_price_7d"
        case .avgPrice30d: "avg_price_30d"
        case .avgPrice90d: "avg_price_90d"
        case .priceVolatility30d: "price_volatility_30d"
        case .baseEstimatedValue: "base_estimated_value"
        case .lastPrice: "last_price"
        case .daysSinceLastSale: "days_since_last_sale"
        case .avgPriceLast5: "avg_price_last_5"
        case .salesCount30d: "sales_count_30d"
        case .salesCount90d: "sales_count_90d"
        case .avgCondition30d: "avg_condition_30d"
        case .avgCondition90d: "avg_condition_90d"
        case .lastConditionScore: "last_condition_score"
        case .daysSinceVaulted: "days_since_vaulted"
        case .ewmPrice: "ewm_price"
        case .logAvg7dToLast: "log_avg_7d_to_last"
        case .logAvg30dToLast: "log_avg_30d_to_last"
        case .logAvg90dToLast: "log_avg_90d_to_last"
        case .logAvgLast5ToLast: "log_avg_last_5_to_last"
        case .logEwmToLast: "log_ewm_to_last"
        case .logBaseToLast: "log_base_to_last"
        case .logLastToPrevious: "log_last_to_previous"
        case .relativeVolatility30d: "relative_volatility_30d"
        case .momentum7dTo30d: "momentum_7d_to_30d"
        case .momentum30dTo90d: "momentum_30d_to_90d"
        }
    }

    public static let names = Feature.allCases.map(\.name)
    public static let count = Feature.allCases.count
}

/// The columns a model may use, for measuring what each group adds (docs/model.md). Training
/// blanks the others: an all-missing column never gets a split, so the trees ignore it wherever
/// it is filled later.
public enum FeatureSet: String, CaseIterable, Sendable {
    /// The 18 documented features.
    case spec
    /// The documented features and the extras in dollars: the design before the relative features.
    case dollars
    case all

    public var count: Int {
        switch self {
        case .spec: Feature.specCount
        case .dollars: Feature.ewmPrice.rawValue
        case .all: Feature.count
        }
    }
}

/// Rows of features, row-major `Float` with NaN for missing (XGBoost's native missing value).
public struct FeatureMatrix: Sendable {
    public let rows: Int
    public let columns: Int
    public var values: [Float]

    public init(rows: Int, columns: Int = Feature.count) {
        self.rows = rows
        self.columns = columns
        values = [Float](repeating: .nan, count: rows * columns)
    }

    /// For the feature kernel, which writes every cell: skips a pass over (and the page faults
    /// of) gigabytes at 10M rows, leaving first touch to the worker threads.
    init(uninitializedRows rows: Int) {
        self.rows = rows
        columns = Feature.count
        values = [Float](unsafeUninitializedCapacity: rows * Feature.count) { _, n in n = rows * Feature.count }
    }

    @inline(__always) public subscript(row: Int, feature: Feature) -> Float {
        values[row * columns + feature.rawValue]
    }

    /// The first `count` columns: what a model trained before later features were appended reads.
    public func leading(_ count: Int) -> FeatureMatrix {
        guard count < columns else { return self }
        var m = FeatureMatrix(rows: rows, columns: count)
        for r in 0..<rows { for c in 0..<count { m.values[r * count + c] = values[r * columns + c] } }
        return m
    }

    /// The rows at `indices`, in that order.
    public func subset(_ indices: [Int]) -> FeatureMatrix {
        var m = FeatureMatrix(rows: indices.count, columns: columns)
        m.values.withUnsafeMutableBufferPointer { dst in
            values.withUnsafeBufferPointer { src in
                for (k, i) in indices.enumerated() {
                    for c in 0..<columns { dst[k * columns + c] = src[i * columns + c] }
                }
            }
        }
        return m
    }
}

/// A question to build a row for: Pop `pop` at time `time`, with price windows ending at
/// `windowEnd` (a sale's own time in training; "now" at serving, with `time` = now + future days).
public struct FeatureQuery: Sendable {
    public var pop: Int32
    public var time: EpochSeconds
    public var windowEnd: EpochSeconds
    public var condition: UInt8  // Condition.score
    public var marketplace: UInt8  // Marketplace code

    public init(pop: Int32, time: EpochSeconds, windowEnd: EpochSeconds, condition: Condition, marketplace: Marketplace)
    {
        self.pop = pop
        self.time = time
        self.windowEnd = windowEnd
        self.condition = UInt8(condition.score)
        self.marketplace = Marketplace.code(marketplace)
    }
}

/// The one feature implementation. Training rows and serving rows both go through `kernel`, so
/// they cannot drift apart. Cost is linear in sales + queries: rows are grouped by Pop and sorted
/// by time once, and each price window is a pair of pointers with running sums.
public enum FeatureBuilder {
    /// One row per sale of `table` (which must be sorted by Pop and time), in table order: the
    /// features of the sale at its own time, from earlier sales only.
    public static func trainingRows(_ table: SalesTable, encoders: Encoders, progress: Progress? = nil) -> FeatureMatrix
    {
        var out = FeatureMatrix(uninitializedRows: table.count)
        let ranges = table.popRanges()
        let context = PopContext.all(table.pops, encoders: encoders)
        let marketCodes = encoders.marketCodes
        table.soldAt.withUnsafeBufferPointer { t in
            table.price.withUnsafeBufferPointer { x in
                table.condition.withUnsafeBufferPointer { c in
                    table.marketplace.withUnsafeBufferPointer { m in
                        out.values.withUnsafeMutableBufferPointer { dst in
                            let sales = SalesColumns(time: t, price: x, condition: c)
                            let queries = QueryColumns(time: t, windowEnd: t, condition: c, marketplace: m)
                            let dstBase = dst.baseAddress!
                            forEachChunk(ranges, progress: progress) { p, r in
                                kernel(
                                    pop: context[p], marketCodes: marketCodes, sales: sales, salesRange: r,
                                    queries: queries,
                                    queryRange: r, out: dstBase)
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Rows for arbitrary questions, in `queries` order. `table` holds the Pops' sales (sorted by
    /// Pop and time); only sales before each query's window end are used.
    public static func rows(for queries: [FeatureQuery], sales table: SalesTable, encoders: Encoders) -> FeatureMatrix {
        var out = FeatureMatrix(rows: queries.count)
        let ranges = table.popRanges()
        let context = PopContext.all(table.pops, encoders: encoders)
        let marketCodes = encoders.marketCodes
        // Group queries by Pop, ordered by window end, remembering where each row goes.
        let order = queries.indices.sorted {
            (queries[$0].pop, queries[$0].windowEnd, $0) < (queries[$1].pop, queries[$1].windowEnd, $1)
        }
        let qt = order.map { queries[$0].time }
        let qe = order.map { queries[$0].windowEnd }
        let qc = order.map { queries[$0].condition }
        let qm = order.map { queries[$0].marketplace }
        var sortedRows = FeatureMatrix(rows: queries.count)
        table.soldAt.withUnsafeBufferPointer { t in
            table.price.withUnsafeBufferPointer { x in
                table.condition.withUnsafeBufferPointer { c in
                    qt.withUnsafeBufferPointer { qtp in
                        qe.withUnsafeBufferPointer { qep in
                            qc.withUnsafeBufferPointer { qcp in
                                qm.withUnsafeBufferPointer { qmp in
                                    sortedRows.values.withUnsafeMutableBufferPointer { dst in
                                        let sales = SalesColumns(time: t, price: x, condition: c)
                                        let q = QueryColumns(
                                            time: qtp, windowEnd: qep, condition: qcp, marketplace: qmp)
                                        var i = 0
                                        while i < order.count {
                                            let p = Int(queries[order[i]].pop)
                                            var j = i + 1
                                            while j < order.count, Int(queries[order[j]].pop) == p { j += 1 }
                                            kernel(
                                                pop: context[p], marketCodes: marketCodes, sales: sales,
                                                salesRange: ranges[p], queries: q,
                                                queryRange: i..<j, out: dst.baseAddress!)
                                            i = j
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let cols = out.columns
        for (k, i) in order.enumerated() {
            for f in 0..<cols { out.values[i * cols + f] = sortedRows.values[k * cols + f] }
        }
        return out
    }

    /// Runs `body` for every Pop on all cores, in chunks of similar row counts.
    private static func forEachChunk(_ ranges: [Range<Int>], progress: Progress?, _ body: (Int, Range<Int>) -> Void) {
        let total = ranges.reduce(0) { $0 + $1.count }
        let chunkCount = max(1, min(ranges.count, 64))
        let target = max(1, total / chunkCount)
        var bounds: [Range<Int>] = []  // ranges of Pop indices
        var start = 0
        var acc = 0
        for p in ranges.indices {
            acc += ranges[p].count
            if acc >= target {
                bounds.append(start..<(p + 1))
                start = p + 1
                acc = 0
            }
        }
        if start < ranges.count { bounds.append(start..<ranges.count) }
        let chunks = bounds
        let done = Counter()
        withoutActuallyEscaping(body) { body in
            // Each chunk writes the rows of its own Pops only, so the calls never share memory.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks.count) { k in
                var rows = 0
                for p in chunks[k] {
                    body(p, ranges[p])
                    rows += ranges[p].count
                }
                let sofar = done.add(rows)
                if let progress { progress.update(sofar) }
            }
        }
    }
}

private final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = Mutex()
    func add(_ n: Int) -> Int {
        lock.locked {
            value += n
            return value
        }
    }
}

extension Encoders {
    /// Marketplace code per `Marketplace.code`, for the kernel.
    var marketCodes: SIMD8<Float> {
        var v = SIMD8<Float>(repeating: Float(Vocabulary.unknownCode))
        for (i, m) in Marketplace.allCases.enumerated() { v[i] = Float(marketplace.code(m.rawValue)) }
        return v
    }
}

/// Per-Pop constants, computed once.
struct PopContext {
    var releaseDate: EpochSeconds
    var releaseMonth: Float
    var isChase: Float
    var isExclusive: Float
    var isVaulted: Bool
    var vaultedDate: EpochSeconds?
    var funkoNumber: Float
    var series: Float
    var character: Float
    var base: Float

    static func all(_ pops: [FunkoPop], encoders: Encoders) -> [PopContext] {
        pops.map { p in
            PopContext(
                releaseDate: p.releaseDate, releaseMonth: Float(Time.month(p.releaseDate)),
                isChase: p.isChase ? 1 : 0, isExclusive: p.isExclusive ? 1 : 0,
                isVaulted: p.isVaulted, vaultedDate: p.vaultedDate, funkoNumber: Float(p.funkoNumber),
                series: Float(encoders.series.code(p.series)),
                character: Float(encoders.character.code(p.character)),
                base: Float(p.baseEstimatedValue))
        }
    }
}

struct SalesColumns {
    var time: UnsafeBufferPointer<EpochSeconds>
    var price: UnsafeBufferPointer<Double>
    var condition: UnsafeBufferPointer<UInt8>
}

struct QueryColumns {
    var time: UnsafeBufferPointer<EpochSeconds>
    var windowEnd: UnsafeBufferPointer<EpochSeconds>
    var condition: UnsafeBufferPointer<UInt8>
    var marketplace: UnsafeBufferPointer<UInt8>
}

/// A sliding window over one Pop's sales: running count, sum and sum of squares of prices
/// (shifted by a per-Pop constant so the variance does not lose precision) and condition scores.
private struct Window {
    var left = 0
    var n = 0
    var sum = 0.0
    var sumSq = 0.0
    var cond = 0.0

    @inline(__always) mutating func add(_ x: Double, _ c: Double) {
        n += 1
        sum += x
        sumSq += x * x
        cond += c
    }
    @inline(__always) mutating func remove(_ x: Double, _ c: Double) {
        n -= 1
        sum -= x
        sumSq -= x * x
        cond -= c
    }

    /// Drops sales older than `from` (they were all added before, since `left` < added).
    @inline(__always) mutating func evict(before from: EpochSeconds, sales: SalesColumns, shift: Double) {
        while n > 0, sales.time[left] < from {
            remove(sales.price[left] - shift, Double(sales.condition[left]))
            left += 1
        }
    }
}

private let nan = Float.nan

/// Features for `queryRange` (sorted by window end) of one Pop from its sales in `salesRange`
/// (sorted by time). Row k of the output is `out + k * Feature.count` for k in `queryRange`.
@inline(__always)
private func kernel(
    pop: PopContext, marketCodes: SIMD8<Float>, sales: SalesColumns, salesRange: Range<Int>, queries: QueryColumns,
    queryRange: Range<Int>, out: UnsafeMutablePointer<Float>
) {
    let shift = salesRange.isEmpty ? 0 : sales.price[salesRange.lowerBound]
    var w7 = Window(left: salesRange.lowerBound)
    var w30 = Window(left: salesRange.lowerBound)
    var w90 = Window(left: salesRange.lowerBound)
    var added = salesRange.lowerBound
    var ewm = Double.nan
    let cols = Feature.count
    for q in queryRange {
        let end = queries.windowEnd[q]
        let t = queries.time[q]
        while added < salesRange.upperBound, sales.time[added] < end {
            let price = sales.price[added]
            ewm = ewm.isNaN ? price : Feature.ewmWeight * price + (1 - Feature.ewmWeight) * ewm
            let x = price - shift
            let c = Double(sales.condition[added])
            w7.add(x, c)
            w30.add(x, c)
            w90.add(x, c)
            added += 1
        }
        w7.evict(before: end - 7 * secondsPerDay, sales: sales, shift: shift)
        w30.evict(before: end - 30 * secondsPerDay, sales: sales, shift: shift)
        w90.evict(before: end - 90 * secondsPerDay, sales: sales, shift: shift)

        let row = out + q * cols
        let day = Time.dayNumber(t)
        let weekday = Int((day + 3) % 7 + 7) % 7
        row[Feature.daysSinceRelease.rawValue] = Float(Time.dayNumber(t) - Time.dayNumber(pop.releaseDate))
        row[Feature.releaseMonth.rawValue] = pop.releaseMonth
        row[Feature.saleMonth.rawValue] = Float(CivilDate(dayNumber: day).month)
        row[Feature.saleDayOfWeek.rawValue] = Float(weekday)
        row[Feature.isWeekendSale.rawValue] = weekday >= 5 ? 1 : 0
        row[Feature.isChase.rawValue] = pop.isChase
        row[Feature.isExclusive.rawValue] = pop.isExclusive
        let vaulted = pop.isVaulted && (pop.vaultedDate.map { $0 <= t } ?? true)
        row[Feature.isVaulted.rawValue] = vaulted ? 1 : 0
        row[Feature.funkoNumber.rawValue] = pop.funkoNumber
        row[Feature.seriesEncoded.rawValue] = pop.series
        row[Feature.characterEncoded.rawValue] = pop.character
        let mk = Int(queries.marketplace[q])
        row[Feature.marketplaceEncoded.rawValue] = marketCodes[mk]
        row[Feature.conditionScore.rawValue] = Float(queries.condition[q])
        row[Feature.baseEstimatedValue.rawValue] = pop.base

        row[Feature.avgPrice7d.rawValue] = w7.n > 0 ? Float(w7.sum / Double(w7.n) + shift) : nan
        if w30.n > 0 {
            let mean = w30.sum / Double(w30.n)
            row[Feature.avgPrice30d.rawValue] = Float(mean + shift)
            row[Feature.avgCondition30d.rawValue] = Float(w30.cond / Double(w30.n))
            // Sample standard deviation; undefined (missing) for a single sale.
            row[Feature.priceVolatility30d.rawValue] =
                w30.n > 1
                ? Float(max(0, (w30.sumSq - w30.sum * mean) / Double(w30.n - 1)).squareRoot()) : nan
        } else {
            row[Feature.avgPrice30d.rawValue] = nan
            row[Feature.avgCondition30d.rawValue] = nan
            row[Feature.priceVolatility30d.rawValue] = nan
        }
        row[Feature.avgPrice90d.rawValue] = w90.n > 0 ? Float(w90.sum / Double(w90.n) + shift) : nan
        row[Feature.avgCondition90d.rawValue] = w90.n > 0 ? Float(w90.cond / Double(w90.n)) : nan
        row[Feature.salesCount30d.rawValue] = Float(w30.n)
        row[Feature.salesCount90d.rawValue] = Float(w90.n)
        if added > salesRange.lowerBound {
            let last = added - 1
            row[Feature.lastPrice.rawValue] = Float(sales.price[last])
            row[Feature.lastConditionScore.rawValue] = Float(sales.condition[last])
            row[Feature.daysSinceLastSale.rawValue] = Float(Double(t - sales.time[last]) / Double(secondsPerDay))
            let first = max(salesRange.lowerBound, added - 5)
            var s = 0.0
            for i in first..<added { s += sales.price[i] }
            row[Feature.avgPriceLast5.rawValue] = Float(s / Double(added - first))
        } else {
            row[Feature.lastPrice.rawValue] = nan
            row[Feature.lastConditionScore.rawValue] = nan
            row[Feature.daysSinceLastSale.rawValue] = nan
            row[Feature.avgPriceLast5.rawValue] = nan
        }
        if vaulted, let v = pop.vaultedDate {
            row[Feature.daysSinceVaulted.rawValue] = Float(Time.dayNumber(t) - Time.dayNumber(v))
        } else {
            row[Feature.daysSinceVaulted.rawValue] = nan
        }
        relativeFeatures(
            row: row, ewm: ewm, previous: added - salesRange.lowerBound >= 2 ? sales.price[added - 2] : .nan)
    }
}

/// The price features as log ratios to the last sale (NaN where either side is missing), from
/// the dollar columns already in `row`.
@inline(__always)
private func relativeFeatures(row: UnsafeMutablePointer<Float>, ewm: Double, previous: Double) {
    @inline(__always) func log(_ a: Float, _ b: Float) -> Float {
        a > 0 && b > 0 ? Float(naturalLog(Double(a) / Double(b))) : nan
    }
    let last = row[Feature.lastPrice.rawValue]
    row[Feature.ewmPrice.rawValue] = Float(ewm)
    row[Feature.logAvg7dToLast.rawValue] = log(row[Feature.avgPrice7d.rawValue], last)
    row[Feature.logAvg30dToLast.rawValue] = log(row[Feature.avgPrice30d.rawValue], last)
    row[Feature.logAvg90dToLast.rawValue] = log(row[Feature.avgPrice90d.rawValue], last)
    row[Feature.logAvgLast5ToLast.rawValue] = log(row[Feature.avgPriceLast5.rawValue], last)
    row[Feature.logEwmToLast.rawValue] = log(Float(ewm), last)
    row[Feature.logBaseToLast.rawValue] = last.isNaN ? nan : log(row[Feature.baseEstimatedValue.rawValue], last)
    row[Feature.logLastToPrevious.rawValue] = log(last, Float(previous))
    let avg30 = row[Feature.avgPrice30d.rawValue]
    row[Feature.relativeVolatility30d.rawValue] = avg30 > 0 ? row[Feature.priceVolatility30d.rawValue] / avg30 : nan
    row[Feature.momentum7dTo30d.rawValue] = log(row[Feature.avgPrice7d.rawValue], avg30)
    row[Feature.momentum30dTo90d.rawValue] = log(avg30, row[Feature.avgPrice90d.rawValue])
}
