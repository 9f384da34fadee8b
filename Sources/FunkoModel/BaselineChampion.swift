import FunkoCore
import FunkoFeatures

/// What answers for a version: XGBoost trees, or a naive baseline that serves when no trained
/// candidate beats it (docs/model.md, "When the model does not beat the last sale"). Written as
/// `"model"` or `"baseline:<name>"` in metadata.json and champion.json.
public enum Predictor: Hashable, Sendable, Codable, CustomStringConvertible {
    case model
    case baseline(Baseline)

    public static let accepted = ["model"] + Baseline.allCases.map { "baseline:\($0.rawValue)" }

    public init?(rawValue: String) {
        if rawValue == "model" {
            self = .model
        } else if rawValue.hasPrefix("baseline:"), let b = Baseline(rawValue: String(rawValue.dropFirst(9))) {
            self = .baseline(b)
        } else {
            return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .model: "model"
        case .baseline(let b): "baseline:\(b.rawValue)"
        }
    }

    public var description: String { rawValue }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let p = Predictor(rawValue: s) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "predictor \"\(s)\" is not one of \(Self.accepted.joined(separator: ", "))")
        }
        self = p
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// A naive baseline answering like a model. Its point price is `Baseline.predict` on the feature
/// rows the trees would get (the code the evaluation scores), handed over in the metadata's
/// target space so that `ModelMetadata.estimate` adds the range calibrated on the baseline's own
/// residuals, and the confidence from that range. It runs in the function in every inference
/// mode: an endpoint has no trees for it.
public final class BaselinePredictor: InferenceBackend {
    public let metadata: ModelMetadata
    public let baseline: Baseline
    public var mode: String { "baseline" }

    public init(metadata: ModelMetadata) throws {
        guard case .baseline(let b) = metadata.predictor else {
            throw FunkoError(.internalError, "version \(metadata.version) is a trained model, not a baseline")
        }
        self.metadata = metadata
        baseline = b
    }

    /// The baseline's prices, floored at a cent: a row with no history and no catalog estimate
    /// has no price whose logarithm is a number.
    public func prices(_ rows: FeatureMatrix) -> [Double] {
        (0..<rows.rows).map { max(baseline.predict(rows, row: $0), 0.01) }
    }

    public func predictTargets(_ rows: FeatureMatrix, deadline: Int64?) throws -> [Double] {
        prices(rows).enumerated().map { i, p in
            metadata.targetTransform.target(price: p, reference: metadata.referencePrice.value(rows, row: i))
        }
    }
}

/// A baseline made into a version: metadata.json and evaluation.json, no trees.
public struct BaselineVersion {
    public var metadata: ModelMetadata
    public var evaluation: EvaluationReport
    public var baseline: Baseline

    /// The baseline with the lowest MAE on the candidate's validation window (chosen before the
    /// test window is looked at, like the model's early stopping), as a servable version: its 80%
    /// range calibrated split-conformally on its own validation residuals, in log-ratio space and
    /// per support band like the model's; its metrics and evaluation on the test window; the
    /// candidate's windows and vocabularies, so it is scored and served on the same rows.
    public static func best(for candidate: ModelMetadata, data: TrainingData) throws -> BaselineVersion {
        try data.checkSize()
        let split = data.split
        let valid = data.features.subset(split.validation)
        let validPrices = data.prices(split.validation)
        func validationMAE(_ b: Baseline) -> Double {
            MetricMath.metrics(
                actual: validPrices, predicted: (0..<valid.rows).map { b.predict(valid, row: $0) }
            ).mae
        }
        let baseline = Baseline.allCases.map { ($0, validationMAE($0)) }.min { $0.1 < $1.1 }?.0 ?? .lastSale

        var metadata = candidate
        metadata.version = "\(candidate.version)-baseline"
        metadata.predictorKind = .baseline(baseline)
        metadata.xgboostVersion = "none"
        metadata.targetTransform = .logRatio
        metadata.parameters = ["baseline": baseline.rawValue, "chosen_by": "validation MAE"]
        metadata.bestIteration = 0
        let uncalibrated = try BaselinePredictor(metadata: metadata)
        let validTargets = try uncalibrated.predictTargets(valid, deadline: nil)
        metadata.interval = IntervalModel.calibrate(
            residuals: split.validation.enumerated().map { k, i in
                TargetTransform.logRatio.target(price: data.table.price[i], reference: data.references[i])
                    - validTargets[k]
            },
            sales90d: split.validation.map { Int(data.features[$0, .salesCount90d]) },
            coverage: data.config.nominalCoverage)

        let predictor = try BaselinePredictor(metadata: metadata)
        func report(_ idx: [Int]) throws -> EvaluationReport {
            let rows = data.features.subset(idx)
            return Evaluator.evaluate(
                targets: try predictor.predictTargets(rows, deadline: nil), metadata: metadata, features: rows,
                actual: data.prices(idx), pops: data.pops(idx))
        }
        let test = try report(split.test)
        metadata.metrics = test.model
        metadata.validationMetrics = try report(split.validation).model
        metadata.baselineMetrics = test.baselines
        // The drift references hold this predictor's prices; the feature histograms are the candidate's.
        metadata.trainingSummary.predictions = Distribution(
            values: predictor.prices(data.features.subset(split.train)).map(Float.init))
        metadata.trainingSummary.serving = try Trainer.servingReference(data: data) { predictor.prices($0) }
        var evaluation = test
        evaluation.version = metadata.version
        evaluation.window = metadata.windows["test"]
        return BaselineVersion(metadata: metadata, evaluation: evaluation, baseline: baseline)
    }

    /// "the last_sale baseline (MAE $30.31, 80% range coverage 79.10% on the 2780 held-out sales)"
    public var summary: String {
        let coverage = metadata.metrics.intervalCoverage.map {
            ", \(Int((metadata.interval.nominalCoverage * 100).rounded()))% range coverage \(formatCents($0 * 100))%"
        }
        return
            "the \(baseline.rawValue) baseline (MAE $\(formatCents(metadata.metrics.mae))\(coverage ?? "") on the \(evaluation.rows) held-out sales)"
    }
}
