import FunkoFeatures

/// SageMaker's XGBoost CSV format: one row per line, no header, empty field = missing; for
/// training files the label comes first. Used for `InvokeEndpoint` bodies and dataset files.
public enum SageMakerCSV {
    public static func rows(_ m: FeatureMatrix, labels: [Float]? = nil) -> String {
        var out = ""
        out.reserveCapacity(m.rows * m.columns * 6)
        for r in 0..<m.rows {
            if let labels { out += "\(labels[r]),"}
            for c in 0..<m.columns {
                if c > 0 { out += "," }
                let v = m.values[r * m.columns + c]
                if !v.isNaN { out += v == v.rounded() && abs(v) < 1e7 ? String(Int(v)) : "\(v)" }
            }
            out += "\n"
        }
        return out
    }
}
