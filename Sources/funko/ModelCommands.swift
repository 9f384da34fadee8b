import ArgumentParser
import FunkoApp
import FunkoCore
import FunkoFeatures
import FunkoModel
import FunkoRetrain

#if canImport(Glibc)
    import Glibc
#endif

struct Pipeline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Build a versioned dataset: store → features → data-quality gate → datasets/<version>/ train, validation and test CSV (SageMaker format), schema.json, quality.json."
    )
    @OptionGroup var options: AppOptions
    @Flag(help: "Print the quality report as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            let app = try options.app()
            let service = try app.retrainService()
            let now = Time.now()
            let started = Time.monotonic()
            let table = try app.store.salesTable(since: nil)
            let progress = Progress("Building features", total: table.count)
            let dataset = try service.buildDataset(table, now: now, progress: progress)
            progress.finish()
            if json { try printJSON(dataset.quality) }
            for c in dataset.quality.checks where !c.passed { writeStderr("failed: \(c.name): \(c.message)\n") }
            try FunkoModel.Pipeline.write(dataset, to: app.repository.store)
            let s = dataset.data.split
            if !json {
                print(
                    "dataset \(dataset.version): \(table.count) sales → \(s.train.count) train / \(s.validation.count) validation / \(s.test.count) test rows in \(formatCents(Time.monotonic() - started)) s; quality gate passed (\(dataset.quality.checks.count) checks); written to \(app.repository.store.location(of: ArtifactKey.dataset(dataset.version)))"
                )
            }
        }
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Train a model here (libxgboost), evaluate it, and promote it as retraining does: through the quality gate, only if it beats the champion and the guards, recorded in models/decisions.json."
    )
    @OptionGroup var options: AppOptions
    @Option(help: "Target transform: \(TargetTransform.allCases.map(\.rawValue).joined(separator: ", ")).")
    var transform = "log_ratio"
    @Option(help: "Reference price of log_ratio: \(ReferencePrice.allCases.map(\.rawValue).joined(separator: ", ")).")
    var reference = ReferencePrice.meanLast5.rawValue
    @Option(help: "The trees' starting prediction (default: 0 for log_ratio, libxgboost's 0.5 otherwise).")
    var baseScore: Double?
    @Option(help: "Maximum boosting rounds (early stopping picks the best).") var maxRounds = 2000
    @Option(help: "Learning rate.") var eta = 0.05
    @Option(help: "Maximum tree depth.") var maxDepth = 7
    @Option(help: "Model inputs: all, dollars (without the relative features) or spec (the 18 documented only).")
    var features = "all"
    @Flag(help: "Promote even if the champion scores better or a guard fails.") var forcePromote = false
    @Flag(help: "Print the evaluation as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            guard let t = TargetTransform(rawValue: transform) else {
                throw FunkoError.badRequest(
                    "--transform \"\(transform)\" is not one of \(TargetTransform.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard let r = ReferencePrice(rawValue: reference) else {
                throw FunkoError.badRequest(
                    "--reference \"\(reference)\" is not one of \(ReferencePrice.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard let featureSet = FeatureSet(rawValue: features) else {
                throw FunkoError.badRequest(
                    "--features \"\(features)\" is not one of \(FeatureSet.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            // Trained here whatever TRAINING_MODE says; promotion moves the endpoint when one is configured.
            let app = try options.app { $0.trainingMode = .local }
            var service = try app.retrainService()
            service.config.transform = t
            service.config.reference = r
            service.config.baseScore = baseScore
            service.config.maxRounds = maxRounds
            service.config.learningRate = eta
            service.config.maxDepth = maxDepth
            service.config.featureSet = featureSet
            let started = Time.monotonic()
            let progress = Progress("Building features", total: try app.store.counts().sales)
            let outcome = try service.run(now: Time.now(), force: forcePromote, progress: progress) {
                writeStderr("\($0)\n")
            }
            for c in outcome.quality?.checks ?? [] where !c.passed { writeStderr("failed: \(c.name): \(c.message)\n") }
            guard outcome.status != .rejectedData else { throw FunkoError.badRequest(outcome.reason) }
            guard let version = outcome.candidate, let evaluation = try app.repository.evaluation(version: version)
            else { throw FunkoError(.internalError, "training finished without a model: \(outcome.reason)") }
            if json {
                try printJSON(evaluation)
                return
            }
            let trainRows = try app.repository.metadata(version: version).windows["train"]?.rows ?? 0
            print(
                "model \(version) trained on \(trainRows) sales in \(Int(Time.monotonic() - started))s, saved to \(app.repository.store.location(of: ArtifactKey.model(version)))"
            )
            printEvaluation(evaluation, segments: false)
            switch outcome.status {
            case .promoted: print("promoted to champion: \(outcome.reason)")
            case .baselinePromoted:
                print("not promoted; baseline \(outcome.champion ?? "-") serves instead: \(outcome.reason)")
            default: print("kept champion \(outcome.champion ?? "-"): \(outcome.reason)")
            }
        }
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Score a version (the champion, a trained model that was not promoted, or a served baseline) and the naive baselines on its held-out window."
    )
    @OptionGroup var options: AppOptions
    @Option(help: "Version to score (default: the champion).") var version: String?
    @Flag(help: "Score the newest trained model, promoted or not.") var latest = false
    @Flag(help: "Print JSON: {rows, model, baselines, segments}.") var json = false

    func run() throws {
        try FunkoCLI.run {
            guard !latest || version == nil else { throw FunkoError.badRequest("give --version or --latest, not both") }
            let app = try options.app()
            let repository = app.repository
            var chosen = version
            if latest {
                guard let v = try repository.latestTrained() else {
                    throw FunkoError.notFound(
                        "no trained model in \(repository.store.description): run `funko train` first")
                }
                chosen = v
            } else if let version {
                let known = try repository.versions()
                guard known.contains(version) else {
                    let newest = known.suffix(10).reversed().joined(separator: ", ")
                    throw FunkoError.notFound(
                        known.isEmpty
                            ? "--version \(version): there are no versions in \(repository.store.description): run `funko train` first"
                            : "--version \(version) is not in \(repository.store.description); versions there (newest first): \(newest)\(known.count > 10 ? ", and \(known.count - 10) older" : "")"
                    )
                }
            }
            let model = try repository.servable(version: chosen)
            let table = try app.store.salesTable(since: nil)
            guard table.count > 0 else {
                throw FunkoError.badRequest("the database has no sales: run `funko generate` or `funko import` first")
            }
            guard let window = model.metadata.windows["test"] else {
                throw FunkoError.badRequest("model \(model.metadata.version) records no test window")
            }
            // Recomputed from the store with the saved model: proves the artifacts, not a cached file.
            let report = try model.evaluate(on: table, window: window)
            if json {
                try printJSON(report)
                return
            }
            let predictor = model.metadata.predictor
            print(
                "\(predictor == .model ? "model" : "\(predictor)") \(model.metadata.version), test window \(window.from) .. \(window.until)"
            )
            printEvaluation(report, segments: true, predictor: predictor)
        }
    }
}

/// `predictor` names the first line: the version's trees, or the baseline it serves.
func printEvaluation(_ r: EvaluationReport, segments: Bool, predictor: Predictor = .model) {
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
    line(predictor.rawValue, r.model)
    for b in Baseline.allCases { if let m = r.baselines[b.rawValue] { line("baseline " + b.rawValue, m) } }
    if let best = r.bestBaseline {
        let gain = (1 - r.model.mae / best.metrics.mae) * 100
        print("model MAE is \(fmt(abs(gain), 1))% \(gain >= 0 ? "below" : "above") the best baseline (\(best.name))")
    }
    guard segments else { return }
    print("\nby segment (MAE $ / MAPE %):")
    let width = (r.segments.map(\.segment.count).max() ?? 0) + 2
    print(pad("segment", width) + pad("rows", 8) + pad("model", 16) + "last-sale baseline")
    for s in r.segments {
        print(
            pad(s.segment, width) + pad(String(s.rows), 8) + pad("\(fmt(s.model.mae)) / \(fmt(s.model.mape, 1))", 16)
                + "\(fmt(s.lastSale.mae)) / \(fmt(s.lastSale.mape, 1))")
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The serving model, its metrics, and the catalog size.")
    @OptionGroup var options: AppOptions

    func run() throws {
        try FunkoCLI.run {
            let app = try options.app()
            try app.loadChampion()
            try printJSON(try app.status(logger: Logger(quiet: true)))
        }
    }
}

struct Retrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Retrain as the weekly job does: pipeline and quality gate, train (SageMaker with TRAINING_MODE=sagemaker, else libxgboost), compare with the champion, promote only if better."
    )
    @OptionGroup var options: AppOptions
    @Flag(help: "Train in this process with libxgboost, even when TRAINING_MODE=sagemaker.") var local = false
    @Option(help: "Finish this SageMaker training job (evaluate, maybe promote) instead of starting a run.")
    var job: String?
    @Flag(help: "Promote even if the champion scores better or a guard fails.") var forcePromote = false
    @Flag(help: "Print the decision as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            let service = try options.app { if local { $0.trainingMode = .local } }.retrainService()
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
    @OptionGroup var options: AppOptions
    @Option(help: "Version to restore (default: the champion before the current one).") var to: String?
    @Flag(help: "Print the decision as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            let outcome = try options.app().retrainService().rollback(to: to, now: Time.now())
            if json { try printJSON(outcome) } else { print("\(outcome.status.rawValue): \(outcome.reason)") }
        }
    }
}

struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Population stability index of the features and predictions of stored sales against the model's training rows."
    )
    @OptionGroup var options: AppOptions
    @Option(help: "First day, YYYY-MM-DD (default: 30 days before --to).") var from: String?
    @Option(help: "Day after the last, YYYY-MM-DD (default: now).") var to: String?
    @Option(help: "Model version (default: the champion).") var version: String?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() throws {
        try FunkoCLI.run {
            let until = try parseDay(to, flag: "to") ?? Time.now()
            let since = try parseDay(from, flag: "from") ?? until - 30 * secondsPerDay
            guard since < until else { throw FunkoError.badRequest("--from must be before --to") }
            let app = try options.app()
            let model = try app.repository.servable(version: version)
            // The rows the model would have been asked for at each sale, point in time.
            let (rows, indices) = model.rows(
                forSalesOf: try app.store.salesTable(since: nil), from: since, until: until)
            guard !indices.isEmpty else {
                throw FunkoError.notFound("no sales from \(Time.iso8601(since)) to \(Time.iso8601(until))")
            }
            let raw = try model.predictTargets(rows, deadline: nil)
            let prices = (0..<rows.rows).map {
                model.metadata.estimate(features: rows, row: $0, prediction: raw[$0]).price
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
