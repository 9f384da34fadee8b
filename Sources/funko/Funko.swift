import ArgumentParser
import FunkoApp
import FunkoCore

@main
struct Funko: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funko",
        abstract: "Funko Pop price prediction: data, training, evaluation and predictions.",
        subcommands: [
            Generate.self, Import.self, Pipeline.self, Train.self, Evaluate.self, Predict.self, History.self,
            Search.self,
            Status.self, Retrain.self, Rollback.self, Drift.self, Serve.self, Artifacts.self, Deploy.self,
        ]
    )
}

/// Where the data and the models are. Every command takes these flags; they win over the
/// environment, which `AppConfiguration` reads once (docs/architecture.md lists the precedence).
struct AppOptions: ParsableArguments {
    @Option(
        help:
            "SQLite database file; wins over SUPABASE_DB_URL and DATABASE_URL (env FUNKO_DB; default data/funko.sqlite)."
    )
    var db: String?

    @Option(
        name: .customLong("data-dir"),
        help: "Local folder for models and datasets; wins over MODEL_BUCKET (env FUNKO_DATA_DIR; default data/store).")
    var dataDir: String?

    @Option(help: "S3 bucket for models and datasets (env MODEL_BUCKET).") var bucket: String?
    @Option(help: "Key prefix inside the bucket (env MODEL_PREFIX).") var prefix: String?
    @Option(help: "Profile from ~/.aws/config and ~/.aws/credentials (env AWS_PROFILE).") var profile: String?

    /// The environment's configuration with these flags on top. `--data-dir` and `--bucket` name
    /// two places for the same models, so only commands that copy between them take both.
    func configuration(allowBothArtifactStores: Bool = false) throws -> AppConfiguration {
        var c = try AppConfiguration.fromEnvironment(processEnvironment())
        if let db { c.store = .sqlite(path: db) }
        if let profile { c.awsProfile = profile }
        if let dataDir {
            guard bucket == nil || allowBothArtifactStores else {
                throw FunkoError.badRequest(
                    "--data-dir and --bucket both name where models live: give one (--bucket for S3, --data-dir for a folder)"
                )
            }
            c.artifactFolder = dataDir
            if bucket == nil && !allowBothArtifactStores { c.bucket = nil }
        }
        if let bucket {
            c.bucket = AppConfiguration.Bucket(name: bucket, prefix: prefix ?? c.bucket?.prefix ?? "")
        } else if let prefix, c.bucket != nil {
            c.bucket?.prefix = prefix
        }
        return c
    }

    /// The app as the functions build it, from this command's configuration.
    func app(loadModel: Bool = false, configure: (inout AppConfiguration) -> Void = { _ in }) throws -> App {
        var c = try configuration()
        configure(&c)
        return try App(configuration: c, logger: Logger(quiet: true), loadModel: loadModel)
    }
}

/// Runs a command body; a `FunkoError` becomes one line on stderr and exit code 1.
enum FunkoCLI {
    static func run(_ body: () throws -> Void) throws {
        do { try body() } catch let e as FunkoError {
            writeStderr("error: \(e.message)\n")
            throw ExitCode(1)
        }
    }

    static func runAsync(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let e as FunkoError {
            writeStderr("error: \(e.message)\n")
            throw ExitCode(1)
        }
    }
}

func printJSON<T: Encodable>(_ value: T) throws { print(try JSON.encode(value, pretty: true)) }

/// `--as-of`, or now.
func parseAsOf(_ s: String?) throws -> EpochSeconds {
    guard let s else { return Time.now() }
    guard let t = Time.parseISO8601(s) else {
        throw FunkoError.badRequest("--as-of \"\(s)\" is not an ISO 8601 date or date-time")
    }
    return t
}

/// A `--from`/`--to` style day flag.
func parseDay(_ s: String?, flag: String) throws -> EpochSeconds? {
    guard let s else { return nil }
    guard let t = Time.parseISO8601(s) else {
        throw FunkoError.badRequest("--\(flag) \"\(s)\" is not a date (YYYY-MM-DD)")
    }
    return t
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
