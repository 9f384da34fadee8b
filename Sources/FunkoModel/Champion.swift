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
        if let c = coverageFailure(m) { out.append(c) }
        return out
    }

    /// The range guard alone (a served baseline is its own best baseline, so only this applies).
    public func coverageFailure(_ m: ModelMetadata) -> String? {
        guard let c = m.metrics.intervalCoverage, abs(c - m.interval.nominalCoverage) > maxCoverageGap else {
            return nil
        }
        return
            "interval coverage \(formatCents(c * 100))% is more than \(formatCents(maxCoverageGap * 100)) points from the nominal \(formatCents(m.interval.nominalCoverage * 100))%"
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
            // The champion (trees or a baseline) with its own vocabularies, on the same newest held-out sales.
            let report = try repository.servable(version: current.version).evaluate(on: table, window: window)
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

    /// After a refused candidate (`refused`, from `compare`): whether `baseline` serves instead.
    /// It does when nothing serves yet (a baseline beats a 503), or when it beats the champion on
    /// the candidate's test window and holds its range's coverage; a baseline champion gives way
    /// to an equally good baseline calibrated on newer sales. Nil: the champion stays.
    public static func baselineFallback(
        _ baseline: BaselineVersion, refused: PromotionDecision, champion: ChampionRecord?,
        guards: PromotionGuards = PromotionGuards()
    ) -> PromotionDecision? {
        let mae = baseline.metadata.metrics.mae
        var reason = refused.reason + "; serving " + baseline.summary
        if let champion {
            guard let championMAE = refused.championMAE, guards.coverageFailure(baseline.metadata) == nil else {
                return nil
            }
            // The same baseline on the same sales ties up to rounding (prices go through exp and log).
            let tie = abs(mae - championMAE) <= 1e-9 * championMAE
            if !tie, mae < championMAE {
                reason += ", below champion \(champion.version)'s MAE $\(formatCents(championMAE))"
            } else if tie, champion.predictor != .model {
                reason += ", recalibrated on newer sales than champion \(champion.version)"
            } else {
                return nil
            }
        } else if let failed = guards.coverageFailure(baseline.metadata) {
            reason += " although its " + failed
        }
        return PromotionDecision(
            candidate: baseline.metadata.version, champion: champion?.version, promoted: true, reason: reason,
            candidateMAE: mae, championMAE: refused.championMAE)
    }
}
