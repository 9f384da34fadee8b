import FunkoCore
import LambdaEvents

/// The HTTP API's routes (SPEC §5) and the direct-invocation operation of each function.
public enum Route: String, CaseIterable, Sendable {
    case health, modelStatus, predict, predictBatch, history, retrain

    public var method: String {
        switch self {
        case .health, .modelStatus, .history: "GET"
        case .predict, .predictBatch, .retrain: "POST"
        }
    }

    /// Path pattern; nil for operations that are not HTTP routes.
    public var path: String? {
        switch self {
        case .health: "/health"
        case .modelStatus: "/model/status"
        case .predict: "/predict"
        case .predictBatch: "/predict/batch"
        case .history: "/history/{funko_pop_id}"
        case .retrain: nil
        }
    }

    public static let httpRoutes = Route.allCases.filter { $0.path != nil }

    /// Matches a concrete path against the pattern; returns the path parameters.
    func match(_ path: String) -> [String: String]? {
        guard let pattern = self.path else { return nil }
        let a = pattern.split(separator: "/")
        let b = path.split(separator: "/")
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
    /// `%20` → space; invalid escapes are left as they are.
    var removingPercentEncoding: String {
        var out: [UInt8] = []
        let u = Array(utf8)
        var i = 0
        while i < u.count {
            if u[i] == 0x25, i + 2 < u.count,
                let h = UInt8(String(decoding: u[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                out.append(h)
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
