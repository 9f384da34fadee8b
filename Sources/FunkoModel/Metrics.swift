import FunkoCore

public enum MetricMath {
    /// MAE, RMSE, R², MAPE (percent) of `predicted` against `actual`; coverage when intervals are given.
    public static func metrics(actual: [Double], predicted: [Double], low: [Double]? = nil, high: [Double]? = nil)
        -> Metrics
    {
        precondition(actual.count == predicted.count)
        let n = Double(max(actual.count, 1))
        var abs = 0.0
        var sq = 0.0
        var ape = 0.0
        var mean = 0.0
        for i in actual.indices {
            let e = predicted[i] - actual[i]
            abs += Swift.abs(e)
            sq += e * e
            ape += Swift.abs(e) / actual[i]
            mean += actual[i]
        }
        mean /= n
        var tot = 0.0
        for y in actual { tot += (y - mean) * (y - mean) }
        var coverage: Double?
        if let low, let high {
            var inside = 0
            for i in actual.indices where actual[i] >= low[i] && actual[i] <= high[i] { inside += 1 }
            coverage = Double(inside) / n
        }
        return Metrics(
            mae: abs / n, rmse: (sq / n).squareRoot(), r2: tot > 0 ? 1 - sq / tot : 0,
            mape: ape / n * 100, intervalCoverage: coverage)
    }

    /// The q-quantile of sorted values by linear interpolation (q in 0...1).
    public static func quantile(sorted v: [Double], _ q: Double) -> Double {
        guard !v.isEmpty else { return .nan }
        let pos = q * Double(v.count - 1)
        let lo = Int(pos.rounded(.down))
        let hi = min(lo + 1, v.count - 1)
        return v[lo] + (v[hi] - v[lo]) * (pos - Double(lo))
    }

    /// Split-conformal bounds for a central interval of `coverage` from calibration residuals:
    /// the ⌊(n+1)·α/2⌋-th and ⌈(n+1)·(1−α/2)⌉-th order statistics (finite-sample valid).
    public static func conformalBounds(residuals: [Double], coverage: Double) -> (low: Double, high: Double) {
        let r = residuals.sorted()
        let n = r.count
        guard n > 0 else { return (0, 0) }
        let alpha = 1 - coverage
        // The 1e-9 keeps 1 - 0.8 = 0.19999… from moving an exact rank down by one.
        let lo = Int((Double(n + 1) * alpha / 2 + 1e-9).rounded(.down)) - 1
        let hi = Int((Double(n + 1) * (1 - alpha / 2) - 1e-9).rounded(.up)) - 1
        return (r[min(max(lo, 0), n - 1)], r[min(max(hi, 0), n - 1)])
    }
}
