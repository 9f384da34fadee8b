import ArgumentParser
import FunkoAPI
import FunkoCore
import FunkoData
import FunkoFeatures
import FunkoHandlers
import FunkoModel
import FunkoRetrain
import FunkoStore
import LambdaRuntime

#if canImport(Glibc)
    import Glibc
#endif

@main
struct Funko: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funko",
        abstract: "Funko Pop price prediction: data, training, evaluation and predictions.",
        subcommands: [
            Generate.self, Import.self, Pipeline.self, Train.self, Evaluate.self, Predict.self, History.self,
            Status.self, Retrain.self, Rollback.self, Drift.self, Serve.self, Artifacts.self, Deploy.self,
        ]
    )
}

/// Settings shared by every command (flags win over environment variables).
struct StoreOptions: ParsableArguments {
    @Option(
        help:
            "SQLite database file (env FUNKO_DB; default data/funko.sqlite). Without it, SUPABASE_DB_URL or DATABASE_URL selects PostgreSQL."
    )
    var db: String?

    @Option(name: .customLong("data-dir"), help: "Artifact store folder (env FUNKO_DATA_DIR; default data/store).")
    var dataDir: String?

    var environment: [String: String] { processEnvironment() }

    func openStore() throws -> Store { try StoreLocation.open(flag: db, environment: environment) }
    func repository() -> ModelRepository {
        ModelRepository(store: LocalObjectStore(root: LocalObjectStore.path(flag: dataDir, environment: environment)))
    }
}

/// Runs a command body; a `FunkoError` becomes one line on stderr and exit code 1.
func run(_ body: () throws -> Void) throws {
    do { try body() } catch let e as FunkoError {
        writeStderr("error: \(e.message)\n")
        throw ExitCode(1)
    }
}

func printJSON<T: Encodable>(_ value: T) throws { print(try JSON.encode(value, pretty: true)) }

func parseAsOf(_ s: String?) throws -> EpochSeconds {
    guard let s else { return Time.now() }
    guard let t = Time.parseISO8601(s) else {
        throw FunkoError.badRequest("--as-of \"\(s)\" is not an ISO 8601 date or date-time")
    }
    return t
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a deterministic sample catalog and sales history.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Number of Pops in the catalog.") var pops = 2000
    @Option(help: "Days of sales history.") var days = 1095
    @Option(help: "Random seed: the same seed gives the same data.") var seed: UInt64 = 42
    @Option(help: "Last day of history, YYYY-MM-DD (default: yesterday, UTC).") var end: String?
    @Option(help: "Also write catalog.csv and sales.csv to this folder (the import format).") var csv: String?

    func run() throws {
        try FunkoCLI.run {
            guard pops > 0, days > 0 else { throw FunkoError.badRequest("--pops and --days must be positive") }
            var config = MarketGenerator.Config()
            config.pops = pops
            config.days = days
            config.seed = seed
            if let end {
                guard let t = Time.parseISO8601(end) else {
                    throw FunkoError.badRequest("--end \"\(end)\" is not a date (YYYY-MM-DD)")
                }
                config.endDay = Time.dayNumber(t)
            }
            let generator = MarketGenerator(config: config)
            let store = try options.openStore()
            let result = try generator.write(to: store, progress: Progress("Generating sales", total: pops))
            if let csv { try CSVExport.write(generator, folder: csv) }
            let counts = try store.counts()
            print(
                "generated \(generator.catalog.count) Pops (\(result.pops.inserted) new) and \(result.sales) new sales (seed \(seed)); the database now holds \(counts.pops) Pops and \(counts.sales) sales from \(counts.firstSale ?? "-") to \(counts.lastSale ?? "-")"
            )
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import catalog and sales CSV files (idempotent, transactional).")
    @OptionGroup var options: StoreOptions
    @Option(
        help:
            "Catalog CSV: \(Importer.catalogRequired.joined(separator: ",")) [+ \(Importer.catalogOptional.joined(separator: ","))]"
    ) var catalog: String?
    @Option(
        help:
            "Sales CSV: \(Importer.salesRequired.joined(separator: ",")) [+ \(Importer.salesOptional.joined(separator: ","))]"
    ) var sales: String?
    @Flag(help: "Refuse the whole import if any row is bad.") var strict = false

    func run() throws {
        try FunkoCLI.run {
            guard catalog != nil || sales != nil else {
                throw FunkoError.badRequest("give --catalog FILE, --sales FILE, or both")
            }
            let store = try options.openStore()
            let report = try Importer(store: store).run(
                catalog: try catalog.map { ($0, try Files.read($0)) },
                sales: try sales.map { ($0, try Files.read($0)) }, strict: strict)
            for r in report.rejected { writeStderr("rejected \(r)\n") }
            print(
                "catalog: \(report.pops.inserted) new, \(report.pops.updated) updated, \(report.pops.unchanged) unchanged; sales: \(report.salesInserted) new, \(report.salesAlreadyPresent) already present; \(report.rejected.count) rejected"
            )
        }
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model, evaluate it, and promote it if it beats the champion.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Target transform: \(TargetTransform.allCases.map(\.rawValue).joined(separator: ", ")).")
    var transform = "log_ratio"
    @Option(help: "Maximum boosting rounds (early stopping picks the best).") var maxRounds = 2000
    @Option(help: "Learning rate.") var eta = 0.05
    @Option(help: "Maximum tree depth.") var maxDepth = 7
    @Option(help: "Model inputs: all (the 18 SPEC features and the extras) or spec (the 18 only).") var features = "all"
    @Flag(help: "Promote even if the champion scores better.") var forcePromote = false
    @Flag(help: "Print the evaluation as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            guard let t = TargetTransform(rawValue: transform) else {
                throw FunkoError.badRequest(
                    "--transform \"\(transform)\" is not one of \(TargetTransform.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            var config = TrainingConfig()
            guard ["all", "spec"].contains(features) else {
                throw FunkoError.badRequest("--features \"\(features)\" is not one of all, spec")
            }
            config.transform = t
            config.maxRounds = maxRounds
            config.learningRate = eta
            config.maxDepth = maxDepth
            config.specFeaturesOnly = features == "spec"
            let store = try options.openStore()
            let table = try store.salesTable(since: nil)
            let repo = options.repository()
            let now = Time.now()
            let started = Time.monotonic()
            let model = try Trainer.train(table, config: config, version: try repo.newVersion(at: now), trainedAt: now)
            { writeStderr("\($0)\n") }
            try repo.save(model)
            let decision = try Champion.decide(
                candidate: model, table: table, repository: repo, force: forcePromote, now: now)
            if json {
                try printJSON(model.evaluation)
                return
            }
            print(
                "model \(model.metadata.version) trained on \(model.metadata.windows["train"]!.rows) sales in \(Int(Time.monotonic() - started))s, saved to \(repo.store.description)/models/\(model.metadata.version)/"
            )
            printEvaluation(model.evaluation, segments: false)
            print(
                decision.promoted
                    ? "promoted to champion: \(decision.reason)"
                    : "kept champion \(decision.champion ?? "-"): \(decision.reason)")
        }
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a model and the naive baselines on its held-out window.")
    @OptionGroup var options: StoreOptions
    @Option(help: "Model version (default: the champion).") var version: String?
    @Flag(help: "Print JSON: {rows, model, baselines, segments}.") var json = false

    func run() throws {
        try FunkoCLI.run {
            let repo = options.repository()
            let model = try repo.load(version: version)
            let store = try options.openStore()
            let table = try store.salesTable(since: nil)
            guard table.count > 0 else {
                throw FunkoError.badRequest("the database has no sales: run `funko generate` or `funko import` first")
            }
            // Recompute from the store with the saved model: proves the artifacts, not a cached file.
            let window = model.metadata.windows["test"]!
            let from = Time.parseISO8601(window.from) ?? 0
            let until = Time.parseISO8601(window.until) ?? Int64.max
            let idx = table.soldAt.indices.filter { table.soldAt[$0] >= from && table.soldAt[$0] < until }
            guard !idx.isEmpty else {
                throw FunkoError.badRequest(
                    "no sales in the model's test window \(window.from) .. \(window.until): was the database replaced?")
            }
            let rows = FeatureBuilder.trainingRows(table, encoders: model.metadata.vocabularies).subset(idx)
            let report = try Evaluator.evaluate(
                model: model.booster, metadata: model.metadata, features: rows,
                actual: idx.map { table.price[$0] }, pops: idx.map { table.pops[Int(table.pop[$0])] })
            if json {
                try printJSON(report)
                return
            }
            print("model \(model.metadata.version), test window \(window.from) .. \(window.until)")
            printEvaluation(report, segments: true)
        }
    }
}

func printEvaluation(_ r: EvaluationReport, segments: Bool) {
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
    func fmt(_ v: Double, _ digits: Int = 2) -> String {
        let p = pow(10.0, Double(digits))
        let x = (v * p).rounded() / p
        var s = String(x)
        if let dot = s.firstIndex(of: ".") {
            let d = s.distance(from: dot, to: s.endIndex) - 1
            if d < digits { s += String(repeating: "0", count: digits - d) }
        }
        return s
    }
    print("held-out rows: \(r.rows)")
    print(
        pad("predictor", 32) + pad("MAE $", 10) + pad("RMSE $", 10) + pad("R²", 8) + pad("MAPE %", 9)
            + "80% interval coverage")
    func line(_ name: String, _ m: Metrics) {
        print(
            pad(name, 32) + pad(fmt(m.mae), 10) + pad(fmt(m.rmse), 10) + pad(fmt(m.r2, 3), 8) + pad(fmt(m.mape, 1), 9)
                + (m.intervalCoverage.map { fmt($0 * 100, 1) + "%" } ?? "-"))
    }
    line("model", r.model)
    for b in Baseline.allCases { if let m = r.baselines[b.rawValue] { line("baseline " + b.rawValue, m) } }
    if let best = r.bestBaseline {
        let gain = (1 - r.model.mae / best.metrics.mae) * 100
        print("model MAE is \(fmt(abs(gain), 1))% \(gain >= 0 ? "below" : "above") the best baseline (\(best.name))")
    }
    guard segments else { return }
    print("\nby segment (MAE $ / MAPE %):")
    print(pad("segment", 18) + pad("rows", 8) + pad("model", 16) + "last-sale baseline")
    for s in r.segments {
        print(
            pad(s.segment, 18) + pad(String(s.rows), 8) + pad("\(fmt(s.model.mae)) / \(fmt(s.model.mape, 1))", 16)
                + "\(fmt(s.lastSale.mae)) / \(fmt(s.lastSale.mape, 1))")
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Predict a Pop's price (SPEC §5 prediction JSON).")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Funko Pop id.") var id: String
    @Option(help: "Condition: \(Condition.acceptedValues).") var condition = "mint"
    @Option(help: "Marketplace: \(Marketplace.acceptedValues).") var marketplace = "ebay"
    @Option(help: "Days ahead, 0-365.") var futureDays = 0
    @Option(help: "Predict as of this time instead of now (ISO 8601).") var asOf: String?

    func run() throws {
        try FunkoCLI.run {
            let query = try PredictRequest(
                funkoPopID: id, condition: condition, marketplace: marketplace, futureDays: futureDays
            ).validated()
            let store = try options.openStore()
            guard try store.counts().pops > 0 else {
                throw FunkoError.badRequest("the database is empty: run `funko generate` or `funko import` first")
            }
            let service = PriceService(store: store, model: try options.repository().load())
            try printJSON(try service.predict(query, now: try parseAsOf(asOf)))
        }
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A Pop's recent sales, daily averages and summary.")
    @OptionGroup var options: StoreOptions
    @Argument(help: "Funko Pop id.") var id: String
    @Option(help: "Days of history, 1-3650.") var days = 90
    @Option(help: "As of this time instead of now (ISO 8601).") var asOf: String?

    func run() throws {
        try FunkoCLI.run {
            let service = PriceService(store: try options.openStore(), model: nil)
            try printJSON(try service.history(popID: id, days: days, now: try parseAsOf(asOf)))
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The serving model, its metrics, and the catalog size.")
    @OptionGroup var options: StoreOptions

    func run() throws {
        try FunkoCLI.run {
            let repo = options.repository()
            let model: LoadedModel? = try repo.champion() == nil ? nil : try repo.load()
            try printJSON(try PriceService(store: try options.openStore(), model: model).status())
        }
    }
}

enum FunkoCLI {
    static func run(_ body: () throws -> Void) throws { try funko.run(body) }

    static func run(_ body: () async throws -> Void) async throws {
        do { try await body() } catch let e as FunkoError {
            writeStderr("error: \(e.message)\n")
            throw ExitCode(1)
        }
    }
}

/// What retraining needs from the environment: the artifact store (local folder, or S3 with
/// `--bucket`/MODEL_BUCKET) and, for SageMaker training and endpoint promotion, the AWS settings.
struct RetrainOptions: ParsableArguments {
    @OptionGroup var options: StoreOptions
    @OptionGroup var aws: AWSOptions
    @Flag(help: "Train in this process with libxgboost, even when TRAINING_MODE=sagemaker.") var local = false

    /// The handler's own wiring (the same settings as retrain-trigger), with the CLI's flags on top.
    func service() throws -> RetrainService {
        var env = options.environment
        if let db = options.db {
            env["FUNKO_DB"] = db
            env["SUPABASE_DB_URL"] = nil
            env["DATABASE_URL"] = nil
        }
        if let d = options.dataDir { env["FUNKO_DATA_DIR"] = d }
        if let b = aws.bucket { env["MODEL_BUCKET"] = b }
        if let p = aws.prefix { env["MODEL_PREFIX"] = p }
        if let p = aws.profile { env["AWS_PROFILE"] = p }
        if local { env["TRAINING_MODE"] = "local" }
        let app = try FunkoApp(
            settings: try HandlerSettings.fromEnvironment(env), logger: Logger(quiet: true), loadModel: false)
        return try app.retrainService()
    }
}

struct Retrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Retrain as the weekly job does: pipeline and quality gate, train (SageMaker with TRAINING_MODE=sagemaker, else libxgboost), compare with the champion, promote only if better."
    )
    @OptionGroup var retrain: RetrainOptions
    @Option(help: "Finish this SageMaker training job (evaluate, maybe promote) instead of starting a run.") var job:
        String?
    @Flag(help: "Promote even if the champion scores better or a guard fails.") var forcePromote = false
    @Flag(help: "Print the decision as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            let service = try retrain.service()
            let now = Time.now()
            let outcome =
                try job.map { try service.complete(job: $0, now: now, force: forcePromote) }
                ?? service.run(now: now, force: forcePromote) { writeStderr("\($0)\n") }
            if json { try printJSON(outcome) } else { print("\(outcome.status.rawValue): \(outcome.reason)") }
            if [.rejectedData, .trainingFailed].contains(outcome.status) { throw ExitCode(1) }
        }
    }
}

struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Serve a previous model again: champion.json (and the SageMaker endpoint when SAGEMAKER_ENDPOINT_NAME is set)."
    )
    @OptionGroup var retrain: RetrainOptions
    @Option(help: "Version to restore (default: the champion before the current one).") var to: String?
    @Flag(help: "Print the decision as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            let outcome = try retrain.service().rollback(to: to, now: Time.now())
            if json { try printJSON(outcome) } else { print("\(outcome.status.rawValue): \(outcome.reason)") }
        }
    }
}

struct Pipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Build a versioned dataset: store → features → data-quality gate → datasets/<version>/ train, validation and test CSV (SageMaker format), schema.json, quality.json."
    )
    @OptionGroup var retrain: RetrainOptions
    @Flag(help: "Print the quality report as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            let service = try retrain.service()
            let now = Time.now()
            let started = Time.monotonic()
            let table = try service.store.salesTable(since: nil)
            let progress = Progress("Building features", total: table.count)
            let dataset = try service.buildDataset(table, now: now, progress: progress)
            progress.finish()
            let version = dataset.version
            if json { try printJSON(dataset.quality) }
            for c in dataset.quality.checks where !c.passed { writeStderr("failed: \(c.name): \(c.message)\n") }
            try FunkoModel.Pipeline.write(dataset, to: service.repository.store)
            let s = dataset.data.split
            if !json {
                print(
                    "dataset \(version): \(table.count) sales → \(s.train.count) train / \(s.validation.count) validation / \(s.test.count) test rows in \(formatCents(Time.monotonic() - started)) s; quality gate passed (\(dataset.quality.checks.count) checks); written to \(service.repository.store.description)/\(FunkoModel.Pipeline.prefix(version))"
                )
            }
        }
    }
}

struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Population stability index of the features and predictions of stored sales against the model's training rows."
    )
    @OptionGroup var options: StoreOptions
    @Option(help: "First day, YYYY-MM-DD (default: 30 days before --to).") var from: String?
    @Option(help: "Day after the last, YYYY-MM-DD (default: now).") var to: String?
    @Option(help: "Model version (default: the champion).") var version: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            func day(_ s: String?, _ flag: String) throws -> EpochSeconds? {
                guard let s else { return nil }
                guard let t = Time.parseISO8601(s) else {
                    throw FunkoError.badRequest("--\(flag) \"\(s)\" is not a date (YYYY-MM-DD)")
                }
                return t
            }
            let until = try day(to, "to") ?? Time.now()
            let since = try day(from, "from") ?? until - 30 * secondsPerDay
            guard since < until else { throw FunkoError.badRequest("--from must be before --to") }
            let model = try options.repository().load(version: version)
            let table = try options.openStore().salesTable(since: nil)
            let idx = table.soldAt.indices.filter { table.soldAt[$0] >= since && table.soldAt[$0] < until }
            guard !idx.isEmpty else {
                throw FunkoError.notFound("no sales from \(Time.iso8601(since)) to \(Time.iso8601(until))")
            }
            // The rows the model would have been asked for at each sale, point in time.
            let rows = FeatureBuilder.trainingRows(table, encoders: model.metadata.vocabularies).subset(idx)
            let raw = try model.booster.predict(rows)
            let prices = (0..<rows.rows).map {
                model.metadata.estimate(features: rows, row: $0, prediction: Double(raw[$0])).price
            }
            let report = DriftReport(
                features: rows, predictions: prices, reference: model.metadata.trainingSummary.sales)
            if json {
                try printJSON(report)
                return
            }
            print(
                "model \(model.metadata.version): \(report.rows) sales from \(Time.iso8601(since)) to \(Time.iso8601(until)) against \(model.metadata.trainingSummary.rows) training rows"
            )
            print("PSI > \(formatCents(report.threshold)) means drift\n")
            print("predictions".padding(28) + formatPSI(report.predictionPSI))
            let ignored = Set(DriftReport.notSignals.map(\.name))
            for (name, v) in report.featurePSI.sorted(by: { $0.value > $1.value }) {
                print(
                    name.padding(28)
                        + (ignored.contains(name)
                            ? String((v * 1000).rounded() / 1000)
                                + "  (set by the question or the clock: not a drift signal)" : formatPSI(v)))
            }
            print(
                report.drifted
                    ? "\nDRIFT: \(([report.predictionPSI > report.threshold ? "predictions" : nil] + report.driftedFeatures.map { Optional($0) }).compactMap { $0 }.joined(separator: ", "))"
                    : "\nno drift")
        }
    }

    func formatPSI(_ v: Double) -> String {
        String((v * 1000).rounded() / 1000) + (v > PSI.threshold ? "  drifted" : "")
    }
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
