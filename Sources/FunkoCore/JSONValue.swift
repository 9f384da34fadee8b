/// Any JSON value, for payloads whose shape is only partly known (event `detail`, passthrough).
public enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Compact JSON, keys sorted, written directly: what `JSON.encode` gives for the same value
    /// (numbers as Swift prints them, whole numbers without ".0"), except that a non-finite number
    /// becomes null instead of failing the whole line. Log and metric lines are built from these
    /// on every invocation, and JSONEncoder made them a tenth of a warm request's time.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n):
            guard n.isFinite else {
                out += "null"
                return
            }
            var text = n.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            out += text
        case .string(let s): Self.write(string: s, to: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, field) in o.sorted(by: { $0.key < $1.key }).enumerated() {
                if i > 0 { out += "," }
                Self.write(string: field.key, to: &out)
                out += ":"
                field.value.write(to: &out)
            }
            out += "}"
        }
    }

    /// Quotes and escapes as JSONEncoder does with `.withoutEscapingSlashes`; a string with
    /// nothing to escape is copied whole, others byte by byte into one buffer (an HTTP answer's
    /// body is up to half a megabyte of JSON inside JSON).
    static func write(string s: String, to out: inout String) {
        out += "\""
        defer { out += "\"" }
        guard s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
            out += s
            return
        }
        var escaped = [UInt8]()
        escaped.reserveCapacity(s.utf8.count + s.utf8.count / 4)
        let digits = Array("0123456789abcdef".utf8)
        for byte in s.utf8 {
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else {
                escaped.append(byte)
                continue
            }
            escaped.append(0x5C)
            switch byte {
            case 0x0A: escaped.append(UInt8(ascii: "n"))
            case 0x0D: escaped.append(UInt8(ascii: "r"))
            case 0x09: escaped.append(UInt8(ascii: "t"))
            case 0x08: escaped.append(UInt8(ascii: "b"))
            case 0x0C: escaped.append(UInt8(ascii: "f"))
            case 0x22, 0x5C: escaped.append(byte)
            default:  // \u00XX
                escaped.append(contentsOf: [
                    UInt8(ascii: "u"), 0x30, 0x30, digits[Int(byte >> 4)], digits[Int(byte & 15)],
                ])
            }
        }
        out += String(decoding: escaped, as: UTF8.self)
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    public var number: Double? {
        if case .number(let n) = self { return n }
        return nil
    }
    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
    public var object: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }
}
