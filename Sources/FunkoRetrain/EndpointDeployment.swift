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
    /// `funko deploy` creates a missing endpoint; retraining only moves one that Terraform (or
    /// a first deploy) created, so an apply never finds an endpoint it did not make.
    public var createIfMissing = false

    public init(sagemaker: SageMakerClient, endpointName: String, roleARN: String, image: String) {
        self.sagemaker = sagemaker
        self.endpointName = endpointName
        self.roleARN = roleARN
        self.image = image
    }

    public struct Result: Codable, Equatable, Sendable {
        public var endpoint: String
        public var model: String
        public var endpointConfig: String
        public var created: Bool
        enum CodingKeys: String, CodingKey {
            case endpoint, model
            case endpointConfig = "endpoint_config"
            case created
        }
    }

    /// Names start with the endpoint's (IAM policies scope on that prefix) and carry the version
    /// and a timestamp, so redeploying or rolling back to a version never collides. SageMaker
    /// allows 63 characters: a long endpoint name is shortened, never the version or stamp.
    public func deploy(version: String, modelDataURL: String, now: EpochSeconds) throws -> Result {
        let tail = "\(version)-\(Time.iso8601(now).filter(\.isNumber).prefix(14))"
        let name = "\(endpointName.prefix(max(1, 62 - tail.count)))-\(tail)"
        let exists = try sagemaker.describeEndpoint(endpointName) != nil
        guard exists || createIfMissing else {
            throw FunkoError.unavailable(
                "SageMaker endpoint \(endpointName) does not exist: create it with terraform apply (sagemaker_model_key) or `funko deploy`, then promote"
            )
        }
        try sagemaker.createModel(name: name, image: image, modelDataURL: modelDataURL, roleARN: roleARN)
        try sagemaker.createEndpointConfig(
            name: name, modelName: name, instanceType: instanceType, instanceCount: instanceCount)
        if exists {
            try sagemaker.updateEndpoint(name: endpointName, configName: name)
        } else {
            try sagemaker.createEndpoint(name: endpointName, configName: name)
        }
        return Result(endpoint: endpointName, model: name, endpointConfig: name, created: !exists)
    }
}
