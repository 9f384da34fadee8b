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
        case candidate, champion, promoted, reason
        case candidateMAE = "candidate_mae"
        case championMAE = "champion_mae"
    }
}

/// What a candidate must show besides beating the champion (SPEC §4.3): a model that does not
/// beat the naive baselines, or whose intervals do not hold their nominal coverage, never serves.
public struct PromotionGuards: Sendable {
    public var maxCoverageGap = 0.05
    public init() {}

    /// The failed guards, as sentences; empty when the candidate may serve.
    public func failures(_ m: ModelMetadata) -> [String] {
        var out: [String] = []
        if let best = m.baselineMetrics.min(by: { $0.value.mae < $1.value.mae }), !(m.metrics.mae < best.value.mae) {
            out.append(
                "candidate MAE \(formatCents(m.metrics.mae)) does not beat the \(best.key) baseline (\(formatCents(best.value.mae)))"
            )
        }
        if let c = m.metrics.intervalCoverage, abs(c - m.interval.nominalCoverage) > maxCoverageGap {
            out.append(
                "interval coverage \(formatCents(c * 100))% is more than \(formatCents(maxCoverageGap * 100)) points from the nominal \(formatCents(m.interval.nominalCoverage * 100))%"
            )
        }
        return out
    }
}

public enum Champion {
    /// Scores candidate and champion on the candidate's test window and decides; writes nothing.
    public static func compare(
        candidate: TrainedModel, table: SalesTable, repository: ModelRepository, force: Bool,
        guards: PromotionGuards = PromotionGuards()
    ) throws -> PromotionDecision {
        let cand = candidate.metadata
        let candMAE = cand.metrics.mae
        let failed = guards.failures(cand)
        let current = try repository.champion()
        var championMAE: Double?
        var rowsCompared = 0
        if let current {
            let champ = try repository.load(version: current.version)
            // Score the champion on the candidate's test window, with the champion's own vocabularies.
            let testStart = Time.parseISO8601(cand.windows["test"]?.from ?? "") ?? 0
            let testEnd = Time.parseISO8601(cand.windows["test"]?.until ?? "") ?? .max
            let rows = FeatureBuilder.trainingRows(table, encoders: champ.metadata.vocabularies)
            let idx = table.soldAt.indices.filter { table.soldAt[$0] >= testStart && table.soldAt[$0] < testEnd }
            let report = try Evaluator.evaluate(
                model: champ.booster, metadata: champ.metadata, features: rows.subset(idx),
                actual: idx.map { table.price[$0] }, pops: idx.map { table.pops[Int(table.pop[$0])] })
            championMAE = report.model.mae
            rowsCompared = idx.count
        }
        let better = championMAE.map { candMAE < $0 } ?? true
        let comparison =
            championMAE.map {
                "candidate MAE \(formatCents(candMAE)) \(better ? "<" : "is not below") champion MAE \(formatCents($0)) on the same \(rowsCompared) held-out sales"
            } ?? "no champion yet"
        let promoted = force || (better && failed.isEmpty)
        var reason = comparison
        if !failed.isEmpty { reason += "; guard failed: " + failed.joined(separator: "; ") }
        if force { reason = "forced promotion; " + reason }
        return PromotionDecision(
            candidate: cand.version, champion: current?.version, promoted: promoted, reason: reason,
            candidateMAE: candMAE, championMAE: championMAE)
    }

    /// `compare`, then `champion.json` when the candidate wins.
    public static func decide(
        candidate: TrainedModel, table: SalesTable, repository: ModelRepository, force: Bool,
        now: EpochSeconds
    ) throws -> PromotionDecision {
        let decision = try compare(candidate: candidate, table: table, repository: repository, force: force)
        if decision.promoted { try repository.promote(decision.candidate, reason: decision.reason, at: now) }
        return decision
    }
}
