import FunkoCore
import FunkoHTTP

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// SageMaker Runtime: `InvokeEndpoint` with many CSV rows per call.
public final class SageMakerRuntimeClient {
    public let client: AWSClient

    public init(config: AWSConfig, http: HTTPClient = HTTPClient(), timeout: Double = 10) {
        client = AWSClient(config: config, service: .sagemakerRuntime, timeout: timeout, http: http)
    }

    /// Sends `csv` (one row per line, no header) and returns one prediction per row. The XGBoost
    /// container answers CSV or newline-separated values, or JSON with `predictions`.
    public func invokeEndpoint(_ name: String, csv: String, rows: Int, deadline: Int64? = nil) throws -> [Double] {
        let r = try client.send(
            .init(
                operation: "InvokeEndpoint", method: "POST", path: "/endpoints/\(AWSURI.encode(name))/invocations",
                headers: [("Content-Type", "text/csv"), ("Accept", "text/csv")], body: Array(csv.utf8)),
            deadline: deadline)
        let values = try Self.parsePredictions(r.text)
        guard values.count == rows else {
            throw FunkoError.unavailable(
                "SageMaker endpoint \(name) answered \(values.count) predictions for \(rows) rows")
        }
        return values
    }

    static func parsePredictions(_ text: String) throws -> [Double] {
        let trimmed = text.trimmed
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            let json = try JSON.decode(JSONValue.self, from: trimmed)
            let items: [JSONValue]
            switch json {
            case .array(let a): items = a
            case .object(let o): if case .array(let a)? = o["predictions"] { items = a } else { items = [] }
            default: items = []
            }
            return try items.map { item in
                switch item {
                case .number(let n): return n
                case .object(let o): if case .number(let n)? = o["score"] { return n }
                default: break
                }
                throw FunkoError.unavailable("SageMaker answered an unexpected prediction: \(trimmed.prefix(120))")
            }
        }
        return try trimmed.split(whereSeparator: { $0 == "," || $0.isNewline }).map {
            guard let v = Double(String($0).trimmed) else {
                throw FunkoError.unavailable("SageMaker answered a value that is not a number: \($0.prefix(40))")
            }
            return v
        }
    }
}

/// SageMaker's control plane (JSON 1.1 protocol): training jobs, models, endpoint configs, endpoints.
public final class SageMakerClient {
    public let client: AWSClient

    public init(config: AWSConfig, http: HTTPClient = HTTPClient()) {
        client = AWSClient(config: config, service: .sagemaker, http: http)
    }

    @discardableResult
    func call(_ action: String, _ body: [String: JSONValue]) throws -> [String: JSONValue] {
        let r = try client.send(
            .init(
                operation: action, method: "POST", path: "/",
                headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "SageMaker.\(action)")],
                body: Array(try JSON.encode(body).utf8)))
        return (try? JSON.decode([String: JSONValue].self, from: r.body)) ?? [:]
    }

    public struct Channel: Sendable {
        public var name: String
        public var s3URI: String
        public var contentType: String
        public init(name: String, s3URI: String, contentType: String = "text/csv") {
            self.name = name
            self.s3URI = s3URI
            self.contentType = contentType
        }
    }

    public struct TrainingJobSpec: Sendable {
        public var name: String
        public var image: String
        public var roleARN: String
        public var instanceType: String
        public var instanceCount: Int = 1
        public var volumeGB: Int = 10
        public var maxRuntimeSeconds: Int = 3600
        public var hyperparameters: [String: String]
        public var channels: [Channel]
        public var outputS3URI: String
        public init(
            name: String, image: String, roleARN: String, instanceType: String, hyperparameters: [String: String],
            channels: [Channel], outputS3URI: String
        ) {
            self.name = name
            self.image = image
            self.roleARN = roleARN
            self.instanceType = instanceType
            self.hyperparameters = hyperparameters
            self.channels = channels
            self.outputS3URI = outputS3URI
        }
    }

    public func createTrainingJob(_ spec: TrainingJobSpec) throws {
        try call(
            "CreateTrainingJob",
            [
                "TrainingJobName": .string(spec.name),
                "AlgorithmSpecification": .object([
                    "TrainingImage": .string(spec.image), "TrainingInputMode": .string("File"),
                ]),
                "RoleArn": .string(spec.roleARN),
                "HyperParameters": .object(spec.hyperparameters.mapValues(JSONValue.string)),
                "InputDataConfig": .array(
                    spec.channels.map { c in
                        .object([
                            "ChannelName": .string(c.name), "ContentType": .string(c.contentType),
                            "DataSource": .object([
                                "S3DataSource": .object([
                                    "S3DataType": .string("S3Prefix"), "S3Uri": .string(c.s3URI),
                                    "S3DataDistributionType": .string("FullyReplicated"),
                                ])
                            ]),
                        ])
                    }),
                "OutputDataConfig": .object(["S3OutputPath": .string(spec.outputS3URI)]),
                "ResourceConfig": .object([
                    "InstanceType": .string(spec.instanceType), "InstanceCount": .number(Double(spec.instanceCount)),
                    "VolumeSizeInGB": .number(Double(spec.volumeGB)),
                ]),
                "StoppingCondition": .object(["MaxRuntimeInSeconds": .number(Double(spec.maxRuntimeSeconds))]),
            ])
    }

    public struct TrainingJob: Sendable, Equatable {
        public var name: String
        public var status: String
        public var modelArtifacts: String?
        public var failureReason: String?
    }

    public func describeTrainingJob(_ name: String) throws -> TrainingJob {
        let r = try call("DescribeTrainingJob", ["TrainingJobName": .string(name)])
        return TrainingJob(
            name: name, status: r["TrainingJobStatus"]?.string ?? "Unknown",
            modelArtifacts: r["ModelArtifacts"]?["S3ModelArtifacts"]?.string, failureReason: r["FailureReason"]?.string)
    }

    public func createModel(name: String, image: String, modelDataURL: String, roleARN: String) throws {
        try call(
            "CreateModel",
            [
                "ModelName": .string(name), "ExecutionRoleArn": .string(roleARN),
                "PrimaryContainer": .object(["Image": .string(image), "ModelDataUrl": .string(modelDataURL)]),
            ])
    }

    public func createEndpointConfig(name: String, modelName: String, instanceType: String, instanceCount: Int = 1)
        throws
    {
        try call(
            "CreateEndpointConfig",
            [
                "EndpointConfigName": .string(name),
                "ProductionVariants": .array([
                    .object([
                        "VariantName": .string("AllTraffic"), "ModelName": .string(modelName),
                        "InstanceType": .string(instanceType),
                        "InitialInstanceCount": .number(Double(instanceCount)), "InitialVariantWeight": .number(1),
                    ])
                ]),
            ])
    }

    public func createEndpoint(name: String, configName: String) throws {
        try call("CreateEndpoint", ["EndpointName": .string(name), "EndpointConfigName": .string(configName)])
    }

    public func updateEndpoint(name: String, configName: String) throws {
        try call("UpdateEndpoint", ["EndpointName": .string(name), "EndpointConfigName": .string(configName)])
    }

    public struct Endpoint: Sendable, Equatable {
        public var name: String
        public var status: String
        public var configName: String?
        public var failureReason: String?
    }

    /// nil when there is no such endpoint.
    public func describeEndpoint(_ name: String) throws -> Endpoint? {
        do {
            let r = try call("DescribeEndpoint", ["EndpointName": .string(name)])
            return Endpoint(
                name: name, status: r["EndpointStatus"]?.string ?? "Unknown",
                configName: r["EndpointConfigName"]?.string,
                failureReason: r["FailureReason"]?.string)
        } catch let e as AWSError
            where e.code == "ValidationException"
            && (e.message.contains("Could not find") || e.message.contains("not found"))
        {
            return nil
        }
    }

    /// The registry of SageMaker's built-in XGBoost 1.7-1 image, by region (AWS's published
    /// account ids for the first-party algorithm images).
    public static func xgboostImage(region: String) -> String? {
        let accounts = [
            "us-east-1": "683313688378", "us-east-2": "257758044811", "us-west-1": "746614075791",
            "us-west-2": "246618743249",
            "ca-central-1": "341280168497", "eu-west-1": "141502667606", "eu-west-2": "764974769150",
            "eu-west-3": "659782779980",
            "eu-central-1": "492215442770", "eu-north-1": "662702820516", "ap-northeast-1": "354813040037",
            "ap-northeast-2": "366743142698", "ap-southeast-1": "121021644041", "ap-southeast-2": "783357654285",
            "ap-south-1": "720646828776", "sa-east-1": "737474898029",
        ]
        return accounts[region].map { "\($0).dkr.ecr.\(region).amazonaws.com/sagemaker-xgboost:1.7-1" }
    }
}
