import FunkoCore
import FunkoFeatures

/// Champion/challenger: both models are scored on the same newest held-out rows; the challenger
/// serves only if its MAE is lower.
public struct PromotionDecision: Codable, Equatable, Sendable {
    public var candidate: String
    public var champion: String?
    public var promoted: Bool
    public var reason: String
    public var candidateMAE: Double
    public var championMAE: Double?
    enum CodingKeys: String, CodingKey {
        case candidate, champion, promoted, reason, candidateMAE = "candidate_mae", championMAE = "champion_mae"
    }
}

public enum Champion {
    public static func decide(candidate: TrainedModel, table: SalesTable, repository: ModelRepository, force: Bool,
                              now: EpochSeconds) throws -> PromotionDecision {
        let cand = candidate.metadata
        let candMAE = cand.metrics.mae
        guard let current = try repository.champion() else {
            try repository.promote(cand.version, reason: "first model", at: now)
            return PromotionDecision(candidate: cand.version, champion: nil, promoted: true, reason: "no champion yet", candidateMAE: candMAE, championMAE: nil)
        }
        let champ = try repository.load(version: current.version)
        // Score the champion on the candidate's test window, with the champion's own vocabularies.
        let testStart = Time.parseISO8601(cand.windows["test"]?.from ?? "") ?? 0
        let rows = FeatureBuilder.trainingRows(table, encoders: champ.metadata.vocabularies)
        let idx = table.soldAt.indices.filter { table.soldAt[$0] >= testStart }
        let report = try Evaluator.evaluate(model: champ.booster, metadata: champ.metadata, features: rows.subset(idx),
                                            actual: idx.map { table.price[$0] }, pops: idx.map { table.pops[Int(table.pop[$0])] })
        let better = candMAE < report.model.mae
        let promoted = better || force
        let reason = better
            ? "candidate MAE \(formatCents(candMAE)) < champion MAE \(formatCents(report.model.mae)) on the same \(idx.count) held-out sales"
            : (force ? "forced promotion; " : "") + "candidate MAE \(formatCents(candMAE)) is not below champion MAE \(formatCents(report.model.mae)) on the same \(idx.count) held-out sales"
        if promoted { try repository.promote(cand.version, reason: reason, at: now) }
        return PromotionDecision(candidate: cand.version, champion: current.version, promoted: promoted, reason: reason,
                                 candidateMAE: candMAE, championMAE: report.model.mae)
    }
}
