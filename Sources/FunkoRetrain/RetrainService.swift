import AWSClients
import FunkoCore
import FunkoFeatures
import FunkoModel
import FunkoStore
import FunkoTraining

/// One retraining decision, as answered and as kept in `models/decisions.json`.
public struct RetrainOutcome: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case promoted
        /// The candidate was refused and the best naive baseline serves instead (`champion`).
        case baselinePromoted = "baseline_promoted"
        case keptChampion = "kept_champion"
        case rejectedData = "rejected_data"
        case trainingStarted = "training_started"
        case trainingRunning = "training_running"
        case trainingFailed = "training_failed"
        case rolledBack = "rolled_back"
    }
    public var status: Status
    public var candidate: String?
    public var champion: String?
    public var promoted: Bool
    public var reason: String
    public var decidedAt: String
    public var metrics: Metrics?
    public var championMAE: Double?
    public var quality: QualityReport?
    public var dataset: String?
    public var trainingJob: String?
    public var deployment: EndpointDeployment.Result?

    public init(
        status: Status, candidate: String? = nil, champion: String?, promoted: Bool = false, reason: String,
        decidedAt: String
    ) {
        self.status = status
        self.candidate = candidate
        self.champion = champion
        self.promoted = promoted
        self.reason = reason
        self.decidedAt = decidedAt
    }

    enum CodingKeys: String, CodingKey {
        case status, candidate, champion, promoted, reason
        case decidedAt = "decided_at"
        case metrics
        case championMAE = "champion_mae"
        case quality
        case dataset
        case trainingJob = "training_job"
        case deployment
    }
}

/// Retraining (docs/architecture.md, "The retraining path"): collect → features → quality gate →
/// train (libxgboost here, or a SageMaker training job) → score candidate and champion on the same
/// newest held-out window → promote only if better and within the guards (endpoint first, then
/// `champion.json`) → record the decision.
public struct RetrainService {
    public let store: Store
    public let repository: ModelRepository
    public var config = TrainingConfig()
    public var limits = QualityLimits()
    public var guards = PromotionGuards()
    /// Set: datasets go to S3 and SageMaker trains. Nil: libxgboost trains in-process.
    public var training: SageMakerTraining?
    /// Set: promotion and rollback also move the SageMaker endpoint to the new version.
    public var deployment: EndpointDeployment?

    public init(store: Store, repository: ModelRepository) {
        self.store = store
        self.repository = repository
    }

    /// The weekly or manual run. With SageMaker, a job of an earlier run is finished first
    /// (polling covers a missed completion event) and a job still running is not doubled.
    public func run(
        now: EpochSeconds, force: Bool = false, progress: Progress? = nil, log: (String) -> Void = { _ in }
    ) throws -> RetrainOutcome {
        if training != nil, let pending = try pendingJob() {
            do {
                let outcome = try complete(job: pending, now: now, force: force)
                if outcome.status == .trainingRunning { return outcome }
                log("\(pending): \(outcome.status.rawValue): \(outcome.reason)")
            } catch {
                // A job that cannot be finished must not block every later run: record it and go on.
                var o = RetrainOutcome(
                    status: .trainingFailed, candidate: nil, champion: try repository.champion()?.version,
                    reason: "training job \(pending) could not be finished: \(error)", decidedAt: Time.iso8601(now))
                o.trainingJob = pending
                try record(o)
                log(o.reason)
            }
        }
        return try run(sales: try store.salesTable(since: nil), now: now, force: force, progress: progress, log: log)
    }

    /// A run on a given data set (the store's sales, or one handed over whole).
    public func run(
        sales table: SalesTable, now: EpochSeconds, force: Bool = false, progress: Progress? = nil,
        log: (String) -> Void = { _ in }
    ) throws -> RetrainOutcome {
        guard table.count > 0 else {
            throw FunkoError.badRequest("the database has no sales: run `funko generate` or `funko import` first")
        }
        let dataset = try buildDataset(table, now: now, progress: progress)
        progress?.finish()
        let version = dataset.version
        let champion = try repository.champion()?.version
        guard dataset.quality.passed else {
            try? Pipeline.write(dataset, to: repository.store)  // keeps quality.json for the record
            var o = RetrainOutcome(
                status: .rejectedData, champion: champion,
                reason: "data quality gate failed: \(dataset.quality.failureSummary)",
                decidedAt: Time.iso8601(now))
            o.quality = dataset.quality
            o.dataset = version
            return try record(o)
        }
        try Pipeline.write(dataset, to: repository.store)
        log(
            "dataset \(version): \(dataset.data.split.train.count) train / \(dataset.data.split.validation.count) validation / \(dataset.data.split.test.count) test rows in \(repository.store.location(of: ArtifactKey.dataset(version)))"
        )
        if let training {
            let job = try training.start(dataset.schema)
            var o = RetrainOutcome(
                status: .trainingStarted, candidate: version, champion: champion,
                reason: "SageMaker training job \(job) started on \(training.instanceType) with \(training.image)",
                decidedAt: Time.iso8601(now))
            o.quality = dataset.quality
            o.dataset = version
            o.trainingJob = job
            return try record(o)
        }
        let model = try Trainer.train(dataset.data, version: version, trainedAt: now, log: log)
        return try conclude(
            model, data: dataset.data, table: table, quality: dataset.quality, trainingJob: nil, force: force, now: now)
    }

    /// A new dataset version of `table` with this service's training config and gate limits,
    /// not yet written (`Pipeline.write`).
    public func buildDataset(_ table: SalesTable, now: EpochSeconds, progress: Progress? = nil) throws -> Dataset {
        try Pipeline.build(
            table, config: config, limits: limits, version: try repository.newVersion(at: now), now: now,
            progress: progress)
    }

    /// The SageMaker "Training Job State Change" event (or polling): a completed job's model is
    /// evaluated and maybe promoted; a failed one is recorded. Answering twice for one job is
    /// harmless: EventBridge may deliver an event more than once.
    public func complete(job name: String, now: EpochSeconds, force: Bool = false) throws -> RetrainOutcome {
        guard let training else {
            throw FunkoError.badRequest(
                "SageMaker training is not configured: set TRAINING_MODE=sagemaker, SAGEMAKER_ROLE_ARN and MODEL_BUCKET"
            )
        }
        let log = try decisions()
        guard let started = log.last(where: { $0.trainingJob == name && $0.status == .trainingStarted }),
            let version = started.dataset
        else {
            throw FunkoError.notFound(
                "training job \(name) was not started by this deployment (no training_started entry in \(ArtifactKey.decisions))"
            )
        }
        let champion = try repository.champion()?.version
        if let done = log.last(where: { $0.trainingJob == name && Self.final.contains($0.status) }) {
            return done
        }
        let job = try training.describe(name)
        switch job.status {
        case "Completed":
            break
        case "InProgress", "Stopping":
            var o = RetrainOutcome(
                status: .trainingRunning, candidate: version, champion: champion,
                reason: "training job \(name) is \(job.status); no new job started", decidedAt: Time.iso8601(now))
            o.trainingJob = name
            o.dataset = version
            return o
        default:
            var o = RetrainOutcome(
                status: .trainingFailed, candidate: version, champion: champion,
                reason: "training job \(name) is \(job.status)\(job.failureReason.map { ": \($0)" } ?? "")",
                decidedAt: Time.iso8601(now))
            o.trainingJob = name
            o.dataset = version
            return try record(o)
        }
        guard let schemaBytes = try repository.store.get(ArtifactKey.datasetFile(version, "schema.json")) else {
            throw FunkoError.unavailable("dataset \(version) has no schema.json in \(repository.store.description)")
        }
        let schema = try JSON.decode(DatasetSchema.self, from: schemaBytes)
        guard let trees = try TarGz.extract(try training.model(of: job))[ModelRepository.modelFileName] else {
            throw FunkoError.unavailable("training job \(name): model.tar.gz holds no \(ModelRepository.modelFileName)")
        }
        var booster = try Booster(model: Array(trees))
        // Early stopping keeps the rounds after the best one in the file; serve the best.
        if let best = booster.attribute("best_iteration").flatMap(Int.init), best + 1 < booster.boostedRounds {
            booster = try booster.slice(rounds: best + 1)
        }
        let table = try store.salesTable(since: nil)
        let data = try Pipeline.rebuild(schema, from: table, config: config)
        var parameters = schema.hyperparameters
        parameters["num_round"] = String(booster.boostedRounds)
        parameters["training_job"] = name
        let file = try booster.servingFile(checkedOn: data.inputs(data.split.validation))
        let model = try Trainer.finish(file, data: data, version: version, trainedAt: now, parameters: parameters)
        let quality = try repository.store.get(ArtifactKey.datasetFile(version, "quality.json")).map {
            try JSON.decode(QualityReport.self, from: $0)
        }
        return try conclude(
            model, data: data, table: table, quality: quality, trainingJob: name, force: force, now: now)
    }

    /// Restores `version`, or the champion before the current one.
    public func rollback(to version: String?, now: EpochSeconds) throws -> RetrainOutcome {
        guard let current = try repository.champion() else {
            throw FunkoError.notFound("there is no champion in \(repository.store.description) to roll back from")
        }
        guard let target = version ?? current.previous else {
            throw FunkoError.badRequest(
                "champion \(current.version) records no previous version: pass --to VERSION (a version under \(repository.store.location(of: ArtifactKey.models)))"
            )
        }
        guard target != current.version else { throw FunkoError.badRequest("\(target) is already the champion") }
        // A baseline version has no trees to miss.
        let predictor = try repository.store.get(ArtifactKey.metadata(target)).map {
            try JSON.decode(ModelMetadata.self, from: $0, file: ArtifactKey.metadata(target)).predictor
        }
        guard let predictor, try predictor != .model || repository.store.get(ArtifactKey.archive(target)) != nil
        else {
            throw FunkoError.notFound(
                "model \(target) has no model.tar.gz in \(repository.store.description): pick a version under models/")
        }
        let reason = "rollback from \(current.version) to \(target)"
        var o = RetrainOutcome(
            status: .rolledBack, candidate: target, champion: target, promoted: true, reason: reason,
            decidedAt: Time.iso8601(now))
        o.deployment = try deploy(target, now: now)
        try repository.promote(
            target, reason: reason, at: now, endpointConfig: o.deployment?.endpointConfig, predictor: predictor)
        return try record(o)
    }

    /// Every decision so far, oldest first.
    public func decisions() throws -> [RetrainOutcome] {
        try Self.decodeLog(try repository.store.get(ArtifactKey.decisions))
    }

    package static func decodeLog(_ bytes: [UInt8]?) throws -> [RetrainOutcome] {
        try bytes.map { try JSON.decode([RetrainOutcome].self, from: $0, file: ArtifactKey.decisions) } ?? []
    }

    /// The newest training job that has no decision yet.
    func pendingJob() throws -> String? {
        let log = try decisions()
        guard let started = log.last(where: { $0.status == .trainingStarted }), let job = started.trainingJob else {
            return nil
        }
        let decided = log.contains { $0.trainingJob == job && Self.final.contains($0.status) }
        return decided ? nil : job
    }

    /// Scores the candidate against the champion and decides; a refused candidate may leave the
    /// best naive baseline serving instead (`Champion.baselineFallback`), built from `data`.
    func conclude(
        _ model: TrainedModel, data: TrainingData, table: SalesTable, quality: QualityReport?, trainingJob: String?,
        force: Bool, now: EpochSeconds
    ) throws -> RetrainOutcome {
        try repository.save(model)
        let decision = try Champion.compare(
            candidate: model, table: table, repository: repository, force: force, guards: guards)
        var o = RetrainOutcome(
            status: decision.promoted ? .promoted : .keptChampion, candidate: decision.candidate,
            champion: decision.champion, promoted: decision.promoted, reason: decision.reason,
            decidedAt: Time.iso8601(now))
        o.metrics = model.metadata.metrics
        o.championMAE = decision.championMAE
        o.quality = quality
        o.dataset = model.metadata.version
        o.trainingJob = trainingJob
        if decision.promoted {
            // The endpoint first: champion.json never names a model the endpoint cannot serve.
            o.deployment = try deploy(decision.candidate, now: now)
            try repository.promote(
                decision.candidate, reason: decision.reason, at: now, endpointConfig: o.deployment?.endpointConfig)
            o.champion = decision.candidate
        } else {
            let baseline = try BaselineVersion.best(for: model.metadata, data: data)
            if let fallback = Champion.baselineFallback(
                baseline, refused: decision, champion: try repository.champion(), guards: guards)
            {
                // No endpoint move: a baseline answers inside the functions.
                try repository.save(baseline)
                try repository.promote(
                    fallback.candidate, reason: fallback.reason, at: now, predictor: .baseline(baseline.baseline))
                o.status = .baselinePromoted
                o.promoted = true
                o.champion = fallback.candidate
                o.reason = fallback.reason
            }
        }
        return try record(o)
    }

    /// Moves the endpoint to `version`; nothing for a baseline, which the functions answer themselves.
    func deploy(_ version: String, now: EpochSeconds) throws -> EndpointDeployment.Result? {
        guard let deployment, try repository.metadata(version: version).predictor == .model else { return nil }
        guard let s3 = repository.store as? S3ObjectStore else {
            throw FunkoError.badRequest(
                "the SageMaker endpoint reads models from S3: set MODEL_BUCKET to deploy \(version)")
        }
        return try deployment.deploy(
            version: version, modelDataURL: s3.location(of: ArtifactKey.archive(version)), now: now)
    }

    /// Appends to `models/decisions.json`, the log of every retraining decision, without losing
    /// a concurrent run's entry. A training job is decided once: when a redelivered event got
    /// there first, its decision stands and is returned instead.
    @discardableResult
    func record(_ outcome: RetrainOutcome) throws -> RetrainOutcome {
        var recorded = outcome
        try repository.store.update(ArtifactKey.decisions) { bytes in
            var log = try Self.decodeLog(bytes)
            if let job = outcome.trainingJob, Self.final.contains(outcome.status),
                let earlier = log.last(where: { $0.trainingJob == job && Self.final.contains($0.status) })
            {
                recorded = earlier
                return nil
            }
            recorded = outcome
            log.append(outcome)
            return Array(try JSON.encode(log, pretty: true).utf8)
        }
        return recorded
    }

    /// The statuses that end a training job's story.
    static let final: Set<RetrainOutcome.Status> = [.promoted, .baselinePromoted, .keptChampion, .trainingFailed]
}
