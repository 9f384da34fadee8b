import FunkoCore
import FunkoModel
import FunkoStore
#if canImport(Glibc)
import Glibc
#endif

/// Handler settings, read once at initialisation from the same variables as the CLI.
public struct HandlerSettings: Sendable {
    public enum InferenceMode: String, CaseIterable, Sendable { case embedded, sagemaker }

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
    /// The environment the AWS configuration is resolved from.
    public var environment: [String: String] = [:]

    public init(databasePath: String, dataDir: String, inferenceMode: InferenceMode = .embedded,
                modelRefreshSeconds: Double = 60, maxBodyBytes: Int = 64 * 1024) {
        self.databasePath = databasePath; self.dataDir = dataDir; self.inferenceMode = inferenceMode
        self.modelRefreshSeconds = modelRefreshSeconds; self.maxBodyBytes = maxBodyBytes
    }

    public static func fromEnvironment(_ env: [String: String] = processEnvironment()) throws -> HandlerSettings {
        let mode = env["INFERENCE_MODE"] ?? "embedded"
        guard let m = InferenceMode(rawValue: mode) else {
            throw FunkoError.badRequest("INFERENCE_MODE \"\(mode)\" is not supported: use one of \(InferenceMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var refresh = 60.0
        if let r = env["MODEL_REFRESH_SECONDS"] {
            guard let v = Double(r), v >= 0 else { throw FunkoError.badRequest("MODEL_REFRESH_SECONDS \"\(r)\" must be a number of seconds >= 0") }
            refresh = v
        }
        var settings = HandlerSettings(databasePath: StoreLocation.sqlitePath(flag: nil, environment: env),
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
        if let t = env["SAGEMAKER_TIMEOUT_SECONDS"] {
            guard let v = Double(t), v > 0 else { throw FunkoError.badRequest("SAGEMAKER_TIMEOUT_SECONDS \"\(t)\" must be a number of seconds > 0") }
            settings.endpointTimeoutSeconds = v
        }
        return settings
    }
}
