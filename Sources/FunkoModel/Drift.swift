import FunkoCore
import FunkoFeatures

/// Population stability index: how far a set of values has moved from the training
/// rows' histogram in `metadata.json`. Σ (actual − expected) · ln(actual / expected) over the
/// decile bins and a "missing" bin. Rule of thumb: < 0.1 stable, 0.1–0.2 moving, > 0.2 drifted.
public enum PSI {
    public static let threshold = 0.2

    public static func index(_ values: [Float], against d: Distribution) -> Double {
        guard !values.isEmpty else { return 0 }
        var counts = [Double](repeating: 0, count: d.proportions.count + 1)
        for v in values {
            if v.isNaN {
                counts[counts.count - 1] += 1
            } else {
                counts[Distribution.bin(Double(v), edges: d.edges)] += 1
            }
        }
        let expected = d.proportions.map { $0 * (1 - d.missingRate) } + [d.missingRate]
        var psi = 0.0
        for (c, e) in zip(counts, expected) {
            // Empty bins would make the logarithm infinite: floor both shares.
            let a = max(c / Double(values.count), 1e-4)
            let x = max(e, 1e-4)
            psi += (a - x) * naturalLog(a / x)
        }
        return psi
    }
}

/// Drift of served rows against the model's training summary.
public struct DriftReport: Codable, Equatable, Sendable {
    public var rows: Int
    public var threshold: Double
    public var predictionPSI: Double
    public var featurePSI: [String: Double]
    /// Market features over the threshold (see `notSignals`).
    public var driftedFeatures: [String]
    public var drifted: Bool
    public var maxFeature: String?
    public var maxFeaturePSI: Double

    enum CodingKeys: String, CodingKey {
        case rows, threshold
        case predictionPSI = "prediction_psi"
        case featurePSI = "feature_psi"
        case driftedFeatures = "drifted_features"
        case drifted
        case maxFeature = "max_feature"
        case maxFeaturePSI = "max_feature_psi"
    }

    /// Not drift whatever their PSI: what the question sets (a collector asking about mint Pops
    /// on eBay today) and clock-driven values: ages grow by definition since training, and
    /// days since the last sale grows with the store's import lag (a store one day behind moves
    /// every Pop by a day: PSI 0.9 on unchanged data). Freshness is `/status`'s `last_sale`.
    public static let notSignals: Set<Feature> = [
        .saleMonth, .saleDayOfWeek, .isWeekendSale, .conditionScore, .marketplaceEncoded,
        .daysSinceRelease, .daysSinceVaulted, .daysSinceLastSale,
    ]

    public init(
        features m: FeatureMatrix, predictions: [Double], reference: DriftReference, threshold: Double = PSI.threshold
    ) {
        rows = m.rows
        self.threshold = threshold
        predictionPSI = PSI.index(predictions.map(Float.init), against: reference.predictions)
        var psi: [String: Double] = [:]
        for f in Feature.allCases {
            guard let d = reference.features[f.name] else { continue }
            psi[f.name] = PSI.index((0..<m.rows).map { m[$0, f] }, against: d)
        }
        featurePSI = psi
        let signals = psi.filter { name, _ in !Self.notSignals.contains { $0.name == name } }
        driftedFeatures = signals.filter { $0.value > threshold }.map(\.key).sorted()
        let top = signals.max { $0.value < $1.value }
        maxFeature = top?.key
        maxFeaturePSI = top?.value ?? 0
        drifted = predictionPSI > threshold || !driftedFeatures.isEmpty
    }
}

/// The most recent served rows of a warm function, for a drift check every `every` rows once
/// `minRows` have been seen. One per process; the handler loop is single-threaded.
public final class DriftMonitor {
    public let capacity: Int
    public let minRows: Int
    public let every: Int
    private var rows: [[Float]] = []
    private var predictions: [Double] = []
    private var next = 0
    private var sinceReport = 0

    public init(capacity: Int = 500, minRows: Int = 100, every: Int = 50) {
        self.capacity = capacity
        self.minRows = minRows
        self.every = every
    }

    /// Adds served rows; returns a report when one is due.
    public func observe(_ m: FeatureMatrix, predictions p: [Double], reference: DriftReference) -> DriftReport? {
        for r in 0..<m.rows {
            let row = Array(m.values[(r * m.columns)..<((r + 1) * m.columns)])
            if rows.count < capacity {
                rows.append(row)
                predictions.append(p[r])
            } else {
                rows[next] = row
                predictions[next] = p[r]
                next = (next + 1) % capacity
            }
        }
        sinceReport += m.rows
        guard rows.count >= minRows, sinceReport >= every else { return nil }
        sinceReport = 0
        var window = FeatureMatrix(rows: rows.count, columns: m.columns)
        for (i, row) in rows.enumerated() {
            window.values.replaceSubrange((i * m.columns)..<((i + 1) * m.columns), with: row)
        }
        return DriftReport(features: window, predictions: predictions, reference: reference)
    }

    /// A new model has a new training summary: start over.
    public func reset() {
        rows = []
        predictions = []
        next = 0
        sinceReport = 0
    }
}
