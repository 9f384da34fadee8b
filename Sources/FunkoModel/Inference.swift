import FunkoCore
import FunkoFeatures

/// Something that turns feature rows into target-space predictions for a given model:
/// XGBoost's trees in process here, a SageMaker endpoint in the cloud. Post-processing (prices,
/// intervals, confidence) is shared through `ModelMetadata.estimate`.
public protocol InferenceBackend: AnyObject {
    var metadata: ModelMetadata { get }
    var mode: String { get }
    /// `deadline` (epoch milliseconds) bounds remote calls; in-process inference ignores it.
    func predictTargets(_ rows: FeatureMatrix, deadline: Int64?) throws -> [Double]
}

extension LoadedModel: InferenceBackend {
    public var mode: String { "embedded" }
    public func predictTargets(_ rows: FeatureMatrix, deadline: Int64?) throws -> [Double] {
        try trees.predict(rows).map(Double.init)
    }
}
