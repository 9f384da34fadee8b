import FunkoCore
import LambdaEvents

/// The HTTP API's routes (docs/api.md); a function serves some of them, and its direct
/// invocation runs the first one's operation.
public enum Route: String, CaseIterable, Sendable {
    case health, modelStatus, predict, predictBatch, history, pops, pop

    public var method: String {
        switch self {
        case .health, .modelStatus, .history, .pops, .pop: "GET"
        case .predict, .predictBatch: "POST"
        }
    }

    /// Path pattern; `{name}` segments are path parameters.
    public var path: String {
        switch self {
        case .health: "/health"
        case .modelStatus: "/model/status"
        case .predict: "/predict"
        case .predictBatch: "/predict/batch"
        case .history: "/history/{funko_pop_id}"
        case .pops: "/pops"
        case .pop: "/pops/{funko_pop_id}"
        }
    }

    /// Matches a concrete path against the pattern; returns the path parameters.
    public func match(_ concrete: String) -> [String: String]? {
        let a = path.split(separator: "/")
        let b = concrete.split(separator: "/")
        guard a.count == b.count else { return nil }
        var params: [String: String] = [:]
        for (p, v) in zip(a, b) {
            if p.hasPrefix("{") && p.hasSuffix("}") {
                params[String(p.dropFirst().dropLast())] = String(v).removingPercentEncoding
            } else if p != v {
                return nil
            }
        }
        return params
    }
}

extension String {
    /// `%20` → space; invalid escapes are left as they are. Both characters after `%` must be hex
    /// digits: `UInt8(_:radix:)` also takes a sign, which made `%+4` a U+0004 control character.
    var removingPercentEncoding: String {
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        let u = Array(utf8)
        var i = 0
        while i < u.count {
            if u[i] == 0x25, i + 2 < u.count, let hi = hex(u[i + 1]), let lo = hex(u[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
