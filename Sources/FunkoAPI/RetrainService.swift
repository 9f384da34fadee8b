import FunkoCore
import FunkoFeatures
import FunkoModel
import FunkoStore

/// SPEC §8 on the local path: collect → features → quality gate → train → compare with the
/// champion on the same newest held-out window → promote only if better → record the decision.
public struct RetrainOutcome: Codable, Equatable, Sendable {
    public var status: String            // "promoted", "kept_champion", "rejected_data"
    public var candidate: String?
    public var champion: String?
    public var promoted: Bool
    public var reason: String
    public var decidedAt: String
    public var metrics: Metrics?
    public var quality: QualityReport
    enum CodingKeys: String, CodingKey {
        case status, candidate, champion, promoted, reason, decidedAt = "decided_at", metrics, quality
    }
}

public struct RetrainService {
    public let store: Store
    public let repository: ModelRepository
    public var config = TrainingConfig()
    public var limits = QualityLimits()

    public init(store: Store, repository: ModelRepository) {
        self.store = store; self.repository = repository
    }

    public func run(now: EpochSeconds, force: Bool = false, log: (String) -> Void = { _ in }) throws -> RetrainOutcome {
        let table = try store.salesTable(since: nil)
        let features = FeatureBuilder.trainingRows(table, encoders: Encoders(fitting: table.pops))
        let quality = DataQuality.check(table, features: features, limits: limits)
        guard quality.passed else {
            let outcome = RetrainOutcome(status: "rejected_data", candidate: nil, champion: try repository.champion()?.version,
                                         promoted: false, reason: "data quality gate failed: \(quality.failureSummary)",
                                         decidedAt: Time.iso8601(now), metrics: nil, quality: quality)
            try record(outcome)
            return outcome
        }
        let model = try Trainer.train(table, config: config, version: try repository.newVersion(at: now), trainedAt: now, log: log)
        try repository.save(model)
        try repository.store.put("models/\(model.metadata.version)/quality.json", Array(try JSON.encode(quality, pretty: true).utf8))
        let decision = try Champion.decide(candidate: model, table: table, repository: repository, force: force, now: now)
        let outcome = RetrainOutcome(status: decision.promoted ? "promoted" : "kept_champion", candidate: decision.candidate,
                                     champion: try repository.champion()?.version, promoted: decision.promoted,
                                     reason: decision.reason, decidedAt: Time.iso8601(now), metrics: model.metadata.metrics,
                                     quality: quality)
        try record(outcome)
        return outcome
    }

    /// Appends to `models/decisions.json`, the log of every retraining decision.
    func record(_ outcome: RetrainOutcome) throws {
        var log = try repository.store.get("models/decisions.json").map { try JSON.decode([RetrainOutcome].self, from: $0) } ?? []
        log.append(outcome)
        try repository.store.put("models/decisions.json", Array(try JSON.encode(log, pretty: true).utf8))
    }
}
