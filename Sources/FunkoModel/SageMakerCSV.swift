import FunkoFeatures

/// SageMaker's XGBoost CSV format: one row per line, no header, empty field = missing; for
/// training files the label comes first. Used for `InvokeEndpoint` bodies and dataset files.
public enum SageMakerCSV {
    public static func rows(_ m: FeatureMatrix, labels: [Float]? = nil) -> String {
        String(decoding: bytes(m, labels: labels), as: UTF8.self)
    }

    /// Written straight into bytes: the dataset files of a million sales are 28 million fields,
    /// and building them as Strings cost most of the pipeline's time.
    public static func bytes(_ m: FeatureMatrix, labels: [Float]? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(m.rows * m.columns * 6)
        for r in 0..<m.rows {
            if let labels {
                append(labels[r], to: &out)
                out.append(UInt8(ascii: ","))
            }
            for c in 0..<m.columns {
                if c > 0 { out.append(UInt8(ascii: ",")) }
                append(m.values[r * m.columns + c], to: &out)
            }
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    /// Whole numbers without a fraction, others in Swift's shortest round-trip form; NaN as nothing.
    @inline(__always) static func append(_ v: Float, to out: inout [UInt8]) {
        if v.isNaN { return }
        if v == v.rounded(), abs(v) < 1e7 {
            var n = Int(v)
            if n < 0 {
                out.append(UInt8(ascii: "-"))
                n = -n
            }
            if n < 10 {
                out.append(UInt8(48 + n))
                return
            }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            withUnsafeMutableBytes(of: &digits) { d in
                while n > 0 {
                    d[count] = UInt8(48 + n % 10)
                    n /= 10
                    count += 1
                }
                for i in stride(from: count - 1, through: 0, by: -1) { out.append(d[i]) }
            }
            return
        }
        out.append(contentsOf: v.description.utf8)
    }
}
