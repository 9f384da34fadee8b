import FunkoCore
import FunkoFeatures

/// What the model predicts. Trees fit the log of the price relative to a point-in-time reference
/// price far better than the raw price (docs/model.md has the measurements).
public enum TargetTransform: String, Codable, CaseIterable, Sendable {
    case raw  // y = price
    case log  // y = ln(price)
    case logRatio = "log_ratio"  // y = ln(price / reference)

    public func target(price: Double, reference: Double) -> Double {
        switch self {
        case .raw: price
        case .log: naturalLog(price)
        case .logRatio: naturalLog(price / reference)
        }
    }

    public func price(prediction: Double, reference: Double) -> Double {
        switch self {
        case .raw: prediction
        case .log: exponential(prediction)
        case .logRatio: reference * exponential(prediction)
        }
    }
}

/// The price a log-ratio model's prediction is relative to, from a feature row: the first of a
/// chain of columns that has a positive value. Chosen by measurement (docs/model.md).
public enum ReferencePrice: String, Codable, CaseIterable, Sendable {
    /// The last sale, else the 90-day mean, else the catalog estimate.
    case lastSale = "last_sale"
    /// The mean of the last five sales, else the 90-day mean, else the catalog estimate.
    case meanLast5 = "mean_last_5"
    /// The exponentially weighted price (`ewm_price`), else the catalog estimate.
    case ewm

    var chain: [Feature] {
        switch self {
        case .lastSale: [.lastPrice, .avgPrice90d, .baseEstimatedValue]
        case .meanLast5: [.avgPriceLast5, .avgPrice90d, .baseEstimatedValue]
        case .ewm: [.ewmPrice, .baseEstimatedValue]
        }
    }

    @inline(__always) public func value(_ m: FeatureMatrix, row: Int) -> Double {
        for f in chain {
            let v = m[row, f]
            if !v.isNaN, v > 0 { return Double(v) }
        }
        return 1
    }

    /// Models trained before the choice was a setting recorded it as a sentence.
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        if let known = ReferencePrice(rawValue: text) {
            self = known
        } else if text.hasPrefix("mean of the last 5 sales") {
            self = .meanLast5
        } else {
            throw FunkoError.badRequest(
                "reference_price \(text) is not one of \(ReferencePrice.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
    }
}

/// Interval half-widths come from held-out residuals (in target space), per band of recent sales
/// support: Pops with few recent sales get wider intervals.
public struct IntervalBand: Codable, Equatable, Sendable {
    public var minSales90d: Int
    public var low: Double
    public var high: Double
    public var calibrationRows: Int
    enum CodingKeys: String, CodingKey {
        case minSales90d = "min_sales_90d"
        case low, high
        case calibrationRows = "calibration_rows"
    }
}

public struct IntervalModel: Codable, Equatable, Sendable {
    public var method: String
    public var nominalCoverage: Double
    /// Ascending by `minSales90d`; the last band whose minimum a row reaches applies.
    public var bands: [IntervalBand]
    enum CodingKeys: String, CodingKey {
        case method
        case nominalCoverage = "nominal_coverage"
        case bands
    }

    public static let supportEdges = [0, 1, 5, 20]

    public func band(sales90d: Int) -> IntervalBand {
        bands.last { sales90d >= $0.minSales90d } ?? bands[0]
    }

    /// Split-conformal bounds from held-out residuals (in target space), one pair per support
    /// band; a band with under 200 rows has too few for a stable quantile and gets the pooled
    /// bounds. The model and a served baseline are calibrated alike.
    public static func calibrate(residuals: [Double], sales90d: [Int], coverage: Double) -> IntervalModel {
        var byBand = [[Double]](repeating: [], count: supportEdges.count)
        for (r, n) in zip(residuals, sales90d) { byBand[supportEdges.lastIndex { n >= $0 } ?? 0].append(r) }
        let overall = MetricMath.conformalBounds(residuals: residuals, coverage: coverage)
        let bands = supportEdges.enumerated().map { b, edge -> IntervalBand in
            let r = byBand[b]
            let q = r.count >= 200 ? MetricMath.conformalBounds(residuals: r, coverage: coverage) : overall
            return IntervalBand(minSales90d: edge, low: q.low, high: q.high, calibrationRows: r.count)
        }
        return IntervalModel(method: "split_conformal_by_support", nominalCoverage: coverage, bands: bands)
    }
}

/// A histogram of one feature (or of the predictions) on the training rows, for drift checks:
/// decile edges, the share of rows in each bin, and the missing rate.
public struct Distribution: Codable, Equatable, Sendable {
    public var edges: [Double]
    public var proportions: [Double]
    public var missingRate: Double
    enum CodingKeys: String, CodingKey {
        case edges, proportions
        case missingRate = "missing_rate"
    }

    public init(values: [Float]) {
        let present = values.filter { !$0.isNaN }.map(Double.init).sorted()
        missingRate = values.isEmpty ? 0 : Double(values.count - present.count) / Double(values.count)
        var e: [Double] = []
        for k in 1..<10 {
            let q = MetricMath.quantile(sorted: present, Double(k) / 10)
            if !q.isNaN, e.last.map({ q > $0 }) ?? true { e.append(q) }
        }
        edges = e
        var counts = [Double](repeating: 0, count: e.count + 1)
        for v in present { counts[Distribution.bin(v, edges: e)] += 1 }
        proportions = counts.map { present.isEmpty ? 0 : $0 / Double(present.count) }
    }

    public static func bin(_ v: Double, edges: [Double]) -> Int {
        var lo = 0
        var hi = edges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if v <= edges[mid] { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

public struct DataWindow: Codable, Equatable, Sendable {
    public var from: String
    public var until: String
    public var rows: Int
}

/// `metadata.json`: everything needed to turn features into an answer, besides the trees.
public struct ModelMetadata: Codable, Equatable, Sendable {
    public var version: String
    public var trainedAt: String
    public var xgboostVersion: String
    public var featureNames: [String]
    public var specFeatureCount: Int
    public var vocabularies: Encoders
    public var targetTransform: TargetTransform
    public var referencePrice: ReferencePrice
    public var interval: IntervalModel
    public var metrics: Metrics
    public var validationMetrics: Metrics
    public var baselineMetrics: [String: Metrics]
    public var parameters: [String: String]
    public var bestIteration: Int
    public var windows: [String: DataWindow]
    public var trainingSummary: TrainingSummary
    /// Trees, or a naive baseline served as a version; metadata.json written before baselines
    /// could serve has none and reads as a model (`predictor`).
    public var predictorKind: Predictor? = .model

    enum CodingKeys: String, CodingKey {
        case version
        case trainedAt = "trained_at"
        case xgboostVersion = "xgboost_version"
        case featureNames = "feature_names"
        case specFeatureCount = "spec_feature_count"
        case vocabularies
        case targetTransform = "target_transform"
        case referencePrice = "reference_price"
        case interval, metrics
        case validationMetrics = "validation_metrics"
        case baselineMetrics = "baseline_metrics"
        case parameters
        case bestIteration = "best_iteration"
        case windows
        case trainingSummary = "training_summary"
        case predictorKind = "predictor"
    }

    public var predictor: Predictor { predictorKind ?? .model }
}

public struct TrainingSummary: Codable, Equatable, Sendable {
    public var rows: Int
    public var pops: Int
    public var features: [String: Distribution]
    public var predictions: Distribution
    public var priceMean: Double
    /// What serving sees: every released Pop asked about at the newest training time. Serving
    /// rows differ from sale rows by construction (a sale row exists because the Pop just sold),
    /// so drift at serving time is measured against this, and drift of stored sales against
    /// the training rows.
    public var serving: DriftReference?
    enum CodingKeys: String, CodingKey {
        case rows, pops, features, predictions
        case priceMean = "price_mean"
        case serving
    }

    /// The training rows as a drift reference.
    public var sales: DriftReference {
        DriftReference(rows: rows, at: nil, features: features, predictions: predictions)
    }
}

/// Histograms of feature rows and predicted prices that later rows are compared with (PSI).
public struct DriftReference: Codable, Equatable, Sendable {
    public var rows: Int
    public var at: String?
    public var features: [String: Distribution]
    public var predictions: Distribution
}

/// Prices, intervals and confidence from model outputs. One implementation for embedded and
/// (later) SageMaker inference: both hand over raw target-space predictions.
public struct PriceEstimate: Equatable, Sendable {
    public var price: Double
    public var low: Double
    public var high: Double
    public var confidence: Double
}

extension ModelMetadata {
    /// The model's inputs from full feature rows. Features are only ever appended, so a model
    /// trained before some existed reads the leading columns it knows (checked at load).
    public func inputs(_ rows: FeatureMatrix) -> FeatureMatrix { rows.leading(featureNames.count) }

    /// A model whose feature names are not the leading features of this build cannot be served.
    public func checkFeatures() throws {
        guard featureNames.count <= Feature.count, Array(Feature.names.prefix(featureNames.count)) == featureNames
        else {
            throw FunkoError.unavailable(
                "model \(version) was trained on features this build does not compute (\(featureNames.count) features: \(featureNames.filter { !Feature.names.contains($0) }.prefix(5).joined(separator: ", "))): retrain it or roll back"
            )
        }
    }

    public func estimate(features m: FeatureMatrix, row: Int, prediction: Double) -> PriceEstimate {
        let ref = referencePrice.value(m, row: row)
        let sales = Int(m[row, .salesCount90d].isNaN ? 0 : m[row, .salesCount90d])
        let band = interval.band(sales90d: sales)
        let price = targetTransform.price(prediction: prediction, reference: ref)
        var low = targetTransform.price(prediction: prediction + band.low, reference: ref)
        var high = targetTransform.price(prediction: prediction + band.high, reference: ref)
        low = min(max(low, 0.01), price)
        high = max(high, price)
        return PriceEstimate(
            price: price, low: low, high: high,
            confidence: Self.confidence(price: price, low: low, high: high, sales90d: sales))
    }

    /// confidence = (1 / (1 + relative interval width)) × (0.5 + 0.5 × n / (n + 3)), with n the
    /// Pop's sales in the last 90 days: a narrow interval backed by many recent sales scores near
    /// 1; a wide one for a Pop nobody has bought lately scores low. Documented in docs/model.md.
    public static func confidence(price: Double, low: Double, high: Double, sales90d: Int) -> Double {
        let width = price > 0 ? (high - low) / price : 10
        let support = 0.5 + 0.5 * Double(sales90d) / Double(sales90d + 3)
        return min(1, max(0, 1 / (1 + width) * support))
    }
}
