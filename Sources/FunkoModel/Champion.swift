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

/// What a candidate must show besides beating the champion: a model that does not
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
        if let current, let window = cand.windows["test"] {
            // The champion with its own vocabularies, on the same newest held-out sales.
            let report = try repository.load(version: current.version).evaluate(on: table, window: window)
            championMAE = report.model.mae
            rowsCompared = report.rows
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
}
