import FunkoCore
import FunkoModel
import FunkoStore

#if canImport(Glibc)
    import Glibc
#endif

/// Handler settings, read once at initialisation from the same variables as the CLI.
public struct HandlerSettings: Sendable {
    public enum InferenceMode: String, CaseIterable, Sendable { case embedded, sagemaker }
    public enum TrainingMode: String, CaseIterable, Sendable { case local, sagemaker }

    public var databasePath: String
    /// PostgreSQL (Supabase) when set; the SQLite file at `databasePath` otherwise.
    public var databaseURL: String?
    public var dataDir: String
    public var inferenceMode: InferenceMode
    /// How often a warm function checks `models/champion.json` for a newly promoted model.
    public var modelRefreshSeconds: Double
    /// Larger request bodies get 413.
    public var maxBodyBytes: Int
    /// The endpoint `sagemaker` mode calls.
    public var endpointName: String?
    /// Artifacts in S3 (`MODEL_BUCKET`, `MODEL_PREFIX`) instead of the local folder.
    public var modelBucket: String?
    public var modelPrefix: String = ""
    /// Per-attempt limit for an InvokeEndpoint call (each attempt also ends by the Lambda deadline).
    public var endpointTimeoutSeconds: Double = 5
    /// Retraining: libxgboost in the function (`local`) or a SageMaker training job.
    public var trainingMode: TrainingMode = .local
    /// The role SageMaker assumes for training jobs and for serving models (`SAGEMAKER_ROLE_ARN`).
    public var sageMakerRoleARN: String?
    public var trainingInstanceType = "ml.m5.large"
    public var endpointInstanceType = "ml.t2.medium"
    public var trainingJobPrefix = "funko-train"
    /// SSM SecureString parameter holding the database URL (`DATABASE_URL_PARAMETER`), read at
    /// initialisation so the URL never sits in the function's configuration.
    public var databaseURLParameter: String?
    /// The environment the AWS configuration is resolved from.
    public var environment: [String: String] = [:]

    public init(
        databasePath: String, dataDir: String, inferenceMode: InferenceMode = .embedded,
        modelRefreshSeconds: Double = 60, maxBodyBytes: Int = 64 * 1024
    ) {
        self.databasePath = databasePath
        self.dataDir = dataDir
        self.inferenceMode = inferenceMode
        self.modelRefreshSeconds = modelRefreshSeconds
        self.maxBodyBytes = maxBodyBytes
    }

    public static func fromEnvironment(_ env: [String: String] = processEnvironment()) throws -> HandlerSettings {
        let mode = env["INFERENCE_MODE"] ?? "embedded"
        guard let m = InferenceMode(rawValue: mode) else {
            throw FunkoError.badRequest(
                "INFERENCE_MODE \"\(mode)\" is not supported: use one of \(InferenceMode.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        var refresh = 60.0
        if let r = env["MODEL_REFRESH_SECONDS"] {
            guard let v = Double(r), v >= 0 else {
                throw FunkoError.badRequest("MODEL_REFRESH_SECONDS \"\(r)\" must be a number of seconds >= 0")
            }
            refresh = v
        }
        var settings = HandlerSettings(
            databasePath: StoreLocation.sqlitePath(flag: nil, environment: env),
            dataDir: LocalObjectStore.path(flag: nil, environment: env), inferenceMode: m,
            modelRefreshSeconds: refresh)
        settings.environment = env
        settings.databaseURL = StoreLocation.databaseURL(environment: env)
        settings.endpointName = env["SAGEMAKER_ENDPOINT_NAME"]?.nilIfEmpty
        settings.modelBucket = env["MODEL_BUCKET"]?.nilIfEmpty
        settings.modelPrefix = env["MODEL_PREFIX"] ?? ""
        if m == .sagemaker, settings.endpointName == nil {
            throw FunkoError.badRequest("INFERENCE_MODE=sagemaker needs SAGEMAKER_ENDPOINT_NAME, the endpoint to call")
        }
        let training = env["TRAINING_MODE"] ?? "local"
        guard let tm = TrainingMode(rawValue: training) else {
            throw FunkoError.badRequest(
                "TRAINING_MODE \"\(training)\" is not supported: use one of \(TrainingMode.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        settings.trainingMode = tm
        settings.sageMakerRoleARN = env["SAGEMAKER_ROLE_ARN"]?.nilIfEmpty
        if let v = env["TRAINING_INSTANCE_TYPE"]?.nilIfEmpty { settings.trainingInstanceType = v }
        if let v = env["ENDPOINT_INSTANCE_TYPE"]?.nilIfEmpty { settings.endpointInstanceType = v }
        if let v = env["TRAINING_JOB_PREFIX"]?.nilIfEmpty { settings.trainingJobPrefix = v }
        settings.databaseURLParameter = env["DATABASE_URL_PARAMETER"]?.nilIfEmpty
        if tm == .sagemaker {
            guard settings.sageMakerRoleARN?.hasPrefix("arn:") == true else {
                throw FunkoError.badRequest(
                    "TRAINING_MODE=sagemaker needs SAGEMAKER_ROLE_ARN, the IAM role SageMaker assumes (arn:aws:iam::ACCOUNT:role/NAME)"
                )
            }
            guard settings.modelBucket != nil else {
                throw FunkoError.badRequest(
                    "TRAINING_MODE=sagemaker needs MODEL_BUCKET: SageMaker reads datasets from S3")
            }
        }
        if let t = env["SAGEMAKER_TIMEOUT_SECONDS"] {
            guard let v = Double(t), v > 0 else {
                throw FunkoError.badRequest("SAGEMAKER_TIMEOUT_SECONDS \"\(t)\" must be a number of seconds > 0")
            }
            settings.endpointTimeoutSeconds = v
        }
        return settings
    }
}
