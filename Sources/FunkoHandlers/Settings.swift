import FunkoCore
import FunkoModel
import FunkoStore
#if canImport(Glibc)
import Glibc
#endif

/// Handler settings, read once at initialisation from the same variables as the CLI.
public struct HandlerSettings: Sendable {
    public enum InferenceMode: String, CaseIterable, Sendable { case embedded }

    public var databasePath: String
    public var dataDir: String
    public var inferenceMode: InferenceMode
    /// How often a warm function checks `models/champion.json` for a newly promoted model.
    public var modelRefreshSeconds: Double
    /// Larger request bodies get 413.
    public var maxBodyBytes: Int

    public init(databasePath: String, dataDir: String, inferenceMode: InferenceMode = .embedded,
                modelRefreshSeconds: Double = 60, maxBodyBytes: Int = 64 * 1024) {
        self.databasePath = databasePath; self.dataDir = dataDir; self.inferenceMode = inferenceMode
        self.modelRefreshSeconds = modelRefreshSeconds; self.maxBodyBytes = maxBodyBytes
    }

    public static func fromEnvironment(_ env: [String: String] = HandlerSettings.processEnvironment()) throws -> HandlerSettings {
        let mode = env["INFERENCE_MODE"] ?? "embedded"
        guard let m = InferenceMode(rawValue: mode) else {
            throw FunkoError.badRequest("INFERENCE_MODE \"\(mode)\" is not supported: use one of \(InferenceMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var refresh = 60.0
        if let r = env["MODEL_REFRESH_SECONDS"] {
            guard let v = Double(r), v >= 0 else { throw FunkoError.badRequest("MODEL_REFRESH_SECONDS \"\(r)\" must be a number of seconds >= 0") }
            refresh = v
        }
        return HandlerSettings(databasePath: StoreLocation.sqlitePath(flag: nil, environment: env),
                               dataDir: LocalObjectStore.path(flag: nil, environment: env), inferenceMode: m,
                               modelRefreshSeconds: refresh)
    }

    public static func processEnvironment() -> [String: String] {
        var env: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return env
    }
}
