import FunkoCore

/// Everything the app needs to know about where it runs: read once from the environment at
/// start-up (`fromEnvironment`), then overridden by command-line flags where the CLI has them.
/// Nothing else in the project reads these variables; docs/architecture.md lists them all.
///
/// Precedence, the same for every command and function:
/// - store: `--db FILE` > `SUPABASE_DB_URL` > `DATABASE_URL` > `DATABASE_URL_PARAMETER` (SSM) >
///   `FUNKO_DB` > `data/funko.sqlite`;
/// - artifacts: `--bucket` or `--data-dir` > `MODEL_BUCKET` (with `MODEL_PREFIX`) > `FUNKO_DATA_DIR` >
///   `data/store`.
public struct AppConfiguration: Sendable, Equatable {
    public enum StoreLocation: Sendable, Equatable {
        /// The embedded SQLite file.
        case sqlite(path: String)
        /// PostgreSQL or Supabase over libpq.
        case postgres(url: String)
        /// PostgreSQL whose URL is an SSM SecureString parameter, read once when the app starts.
        case postgresURLInSSM(parameter: String)
    }

    public struct Bucket: Sendable, Equatable {
        public var name: String
        public var prefix: String
        public init(name: String, prefix: String = "") {
            self.name = name
            self.prefix = prefix
        }
    }

    public enum ArtifactLocation: Sendable, Equatable {
        case folder(String)
        case s3(Bucket)
    }

    public enum InferenceMode: String, CaseIterable, Sendable {
        /// The champion's trees are loaded into the process.
        case embedded
        /// Feature rows go to a SageMaker endpoint; only the model's metadata is loaded.
        case sagemaker
    }

    public enum TrainingMode: String, CaseIterable, Sendable {
        /// libxgboost in the process.
        case local
        /// A SageMaker training job on the dataset in S3.
        case sagemaker
    }

    public static let defaultSQLitePath = "data/funko.sqlite"
    public static let defaultArtifactFolder = "data/store"

    public var store: StoreLocation = .sqlite(path: defaultSQLitePath)
    /// The local artifact folder; `funko artifacts` copies between it and the bucket.
    public var artifactFolder = defaultArtifactFolder
    /// When set, models and datasets live here instead of the local folder.
    public var bucket: Bucket?
    /// Where models and datasets live.
    public var artifacts: ArtifactLocation { bucket.map { .s3($0) } ?? .folder(artifactFolder) }
    public var inferenceMode = InferenceMode.embedded
    /// The endpoint sagemaker inference calls and promotions move (`SAGEMAKER_ENDPOINT_NAME`).
    public var endpointName: String?
    /// Per-attempt limit for an InvokeEndpoint call (each attempt also ends by the Lambda deadline).
    public var endpointTimeoutSeconds = 5.0
    /// How often a warm function checks `models/champion.json` for a newly promoted model.
    public var modelRefreshSeconds = 60.0
    /// Larger request bodies get 413.
    public var maxBodyBytes = 64 * 1024
    /// Web origins a browser may call the API from (`CORS_ALLOWED_ORIGINS`, comma-separated, or
    /// `funko serve --cors-origin`); empty: same origin only. In the cloud API Gateway's CORS
    /// configuration answers for the web app's CloudFront origin instead.
    public var corsOrigins: [String] = []
    public var trainingMode = TrainingMode.local
    /// The role SageMaker assumes for training jobs and for serving models.
    public var sageMakerRoleARN: String?
    public var trainingInstanceType = "ml.m5.large"
    public var endpointInstanceType = "ml.t2.medium"
    public var trainingJobPrefix = "funko-train"
    /// Container image for training and serving; nil: SageMaker's XGBoost 1.7-1 for the region.
    public var trainingImage: String?
    /// The Lambda function's name, for its metric lines (`AWS_LAMBDA_FUNCTION_NAME`).
    public var functionName: String?
    /// The AWS profile of the shared config files (`AWS_PROFILE`, or `--profile`).
    public var awsProfile: String?
    /// The variables AWS settings are resolved from, as the SDKs read them (`AWS_*`, `HOME`):
    /// region, credentials, endpoint overrides, config file locations.
    public var awsEnvironment: [String: String] = [:]

    public init() {}

    /// Reads every setting from `env`. A value that cannot be used is an error that names the
    /// variable and the accepted values; combinations are checked by `validated()`.
    public static func fromEnvironment(_ env: [String: String]) throws -> AppConfiguration {
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        var c = AppConfiguration()
        if let url = value("SUPABASE_DB_URL") ?? value("DATABASE_URL") {
            c.store = .postgres(url: url)
        } else if let parameter = value("DATABASE_URL_PARAMETER") {
            c.store = .postgresURLInSSM(parameter: parameter)
        } else {
            c.store = .sqlite(path: value("FUNKO_DB") ?? defaultSQLitePath)
        }
        c.artifactFolder = value("FUNKO_DATA_DIR") ?? defaultArtifactFolder
        c.bucket = value("MODEL_BUCKET").map { Bucket(name: $0, prefix: value("MODEL_PREFIX") ?? "") }
        c.inferenceMode = try choice("INFERENCE_MODE", value("INFERENCE_MODE"), default: .embedded)
        c.trainingMode = try choice("TRAINING_MODE", value("TRAINING_MODE"), default: .local)
        c.endpointName = value("SAGEMAKER_ENDPOINT_NAME")
        c.endpointTimeoutSeconds = try seconds(
            "SAGEMAKER_TIMEOUT_SECONDS", value("SAGEMAKER_TIMEOUT_SECONDS"), default: 5, allowZero: false)
        c.modelRefreshSeconds = try seconds(
            "MODEL_REFRESH_SECONDS", value("MODEL_REFRESH_SECONDS"), default: 60, allowZero: true)
        c.sageMakerRoleARN = value("SAGEMAKER_ROLE_ARN")
        c.trainingInstanceType = value("TRAINING_INSTANCE_TYPE") ?? c.trainingInstanceType
        c.endpointInstanceType = value("ENDPOINT_INSTANCE_TYPE") ?? c.endpointInstanceType
        c.trainingJobPrefix = value("TRAINING_JOB_PREFIX") ?? c.trainingJobPrefix
        c.trainingImage = value("TRAINING_IMAGE")
        c.functionName = value("AWS_LAMBDA_FUNCTION_NAME")
        c.corsOrigins = try origins("CORS_ALLOWED_ORIGINS", value("CORS_ALLOWED_ORIGINS"))
        c.awsProfile = value("AWS_PROFILE") ?? value("AWS_DEFAULT_PROFILE")
        c.awsEnvironment = env.filter { $0.key.hasPrefix("AWS_") || $0.key == "HOME" }
        return c
    }

    /// Checks the settings that only make sense together; the app is built from a validated configuration.
    public func validated() throws -> AppConfiguration {
        if inferenceMode == .sagemaker, endpointName == nil {
            throw FunkoError.badRequest("INFERENCE_MODE=sagemaker needs SAGEMAKER_ENDPOINT_NAME, the endpoint to call")
        }
        if trainingMode == .sagemaker {
            guard sageMakerRoleARN?.hasPrefix("arn:") == true else {
                throw FunkoError.badRequest(
                    "TRAINING_MODE=sagemaker needs SAGEMAKER_ROLE_ARN, the IAM role SageMaker assumes (arn:aws:iam::ACCOUNT:role/NAME)"
                )
            }
            guard bucket != nil else {
                throw FunkoError.badRequest(
                    "TRAINING_MODE=sagemaker needs MODEL_BUCKET: SageMaker reads datasets from S3")
            }
        }
        return self
    }

    /// True when something needs AWS: artifacts in S3, the endpoint, SageMaker training, or the SSM secret.
    public var usesAWS: Bool {
        if bucket != nil { return true }
        if case .postgresURLInSSM = store { return true }
        return inferenceMode == .sagemaker || trainingMode == .sagemaker
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ text: String?, default value: T) throws
        -> T where T.RawValue == String
    {
        guard let text else { return value }
        guard let v = T(rawValue: text) else {
            let accepted = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw FunkoError.badRequest("\(name) \"\(text)\" is not supported: use one of \(accepted)")
        }
        return v
    }

    /// `https://app.example.com,http://localhost:8000`: exact origins, never a wildcard.
    public static func origins(_ name: String, _ text: String?) throws -> [String] {
        guard let text else { return [] }
        let list = text.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
        for o in list {
            let rest = o.hasPrefix("https://") ? o.dropFirst(8) : o.hasPrefix("http://") ? o.dropFirst(7) : nil
            guard let rest, !rest.isEmpty, !rest.contains("/"), !rest.contains("*") else {
                throw FunkoError.badRequest(
                    "\(name) \"\(o)\" is not an origin: use scheme and host, such as https://app.example.com (no path, no *)"
                )
            }
        }
        return list
    }

    static func seconds(_ name: String, _ text: String?, default value: Double, allowZero: Bool) throws -> Double {
        guard let text else { return value }
        guard let v = Double(text), v.isFinite, allowZero ? v >= 0 : v > 0 else {
            throw FunkoError.badRequest("\(name) \"\(text)\" must be a number of seconds \(allowZero ? ">= 0" : "> 0")")
        }
        return v
    }
}
