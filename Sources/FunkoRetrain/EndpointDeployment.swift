import AWSClients
import FunkoCore
import FunkoModel

/// Puts a model version on the SageMaker endpoint: CreateModel (the built-in XGBoost 1.7-1
/// image over the version's model.tar.gz in S3), CreateEndpointConfig, then UpdateEndpoint, or
/// CreateEndpoint the first time. Used by promotion, rollback and `funko deploy`.
public struct EndpointDeployment {
    public let sagemaker: SageMakerClient
    public var endpointName: String
    public var roleARN: String
    public var image: String
    public var instanceType = "ml.t2.medium"
    public var instanceCount = 1

    public init(sagemaker: SageMakerClient, endpointName: String, roleARN: String, image: String) {
        self.sagemaker = sagemaker; self.endpointName = endpointName; self.roleARN = roleARN; self.image = image
    }

    public struct Result: Codable, Equatable, Sendable {
        public var endpoint: String
        public var model: String
        public var endpointConfig: String
        public var created: Bool
        enum CodingKeys: String, CodingKey { case endpoint, model, endpointConfig = "endpoint_config", created }
    }

    /// Names start with the endpoint's (IAM policies scope on that prefix) and carry the version
    /// and a timestamp, so redeploying or rolling back to a version never collides.
    public func deploy(version: String, modelDataURL: String, now: EpochSeconds) throws -> Result {
        let stamp = Time.iso8601(now).filter(\.isNumber).prefix(14)
        let name = String("\(endpointName)-\(version)-\(stamp)".suffix(63))
        try sagemaker.createModel(name: name, image: image, modelDataURL: modelDataURL, roleARN: roleARN)
        try sagemaker.createEndpointConfig(name: name, modelName: name, instanceType: instanceType, instanceCount: instanceCount)
        let exists = try sagemaker.describeEndpoint(endpointName) != nil
        if exists {
            try sagemaker.updateEndpoint(name: endpointName, configName: name)
        } else {
            try sagemaker.createEndpoint(name: endpointName, configName: name)
        }
        return Result(endpoint: endpointName, model: name, endpointConfig: name, created: !exists)
    }
}
