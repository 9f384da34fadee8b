import AWSClients
import FunkoCore
import FunkoModel

/// Training on SageMaker's built-in XGBoost 1.7-1: the dataset's CSV files in S3 are the
/// `train` and `validation` channels, the hyperparameters come from the dataset's schema, and
/// the job writes `model.tar.gz` under `training-output/<job>/output/`.
public struct SageMakerTraining {
    public let sagemaker: SageMakerClient
    public let s3: S3Client
    /// The artifact store the datasets are written to (the same bucket and prefix as the models).
    public let artifacts: S3ObjectStore
    public var roleARN: String
    public var image: String
    public var instanceType = "ml.m5.large"
    public var jobPrefix = "funko-train"
    public var maxRuntimeSeconds = 3600

    public init(sagemaker: SageMakerClient, artifacts: S3ObjectStore, roleARN: String, image: String) {
        self.sagemaker = sagemaker
        self.s3 = artifacts.s3
        self.artifacts = artifacts
        self.roleARN = roleARN
        self.image = image
    }

    /// Job names are unique per account and region and at most 63 characters.
    public func jobName(version: String) -> String { String("\(jobPrefix)-\(version)".prefix(63)) }

    public func start(_ schema: DatasetSchema) throws -> String {
        let name = jobName(version: schema.version)
        var spec = SageMakerClient.TrainingJobSpec(
            name: name, image: image, roleARN: roleARN, instanceType: instanceType,
            hyperparameters: schema.hyperparameters,
            channels: [
                .init(
                    name: "train", s3URI: artifacts.location(of: ArtifactKey.datasetFile(schema.version, "train.csv"))),
                .init(
                    name: "validation",
                    s3URI: artifacts.location(of: ArtifactKey.datasetFile(schema.version, "validation.csv"))),
            ],
            outputS3URI: artifacts.location(of: ArtifactKey.trainingOutput))
        spec.maxRuntimeSeconds = maxRuntimeSeconds
        try sagemaker.createTrainingJob(spec)
        return name
    }

    public func describe(_ name: String) throws -> SageMakerClient.TrainingJob {
        try sagemaker.describeTrainingJob(name)
    }

    /// The job's `model.tar.gz`, wherever SageMaker put it.
    public func model(of job: SageMakerClient.TrainingJob) throws -> [UInt8] {
        guard let uri = job.modelArtifacts, uri.hasPrefix("s3://") else {
            throw FunkoError.unavailable("training job \(job.name) reports no model artifacts")
        }
        let path = uri.dropFirst("s3://".count)
        guard let slash = path.firstIndex(of: "/") else {
            throw FunkoError.unavailable("training job \(job.name): bad artifact URI \(uri)")
        }
        guard
            let bytes = try s3.getObject(bucket: String(path[..<slash]), key: String(path[path.index(after: slash)...]))
        else {
            throw FunkoError.unavailable("training job \(job.name) finished but \(uri) does not exist")
        }
        return bytes
    }
}
