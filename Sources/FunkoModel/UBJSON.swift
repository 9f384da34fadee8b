import FunkoCore

/// A reader for Universal Binary JSON (ubjson.org), the format XGBoost saves models in. Typed
/// numeric arrays (`[$d#…`), which hold a model's nodes, stay in the document's bytes until read
/// (`numbers(in:)`), so the arrays serving does not need are never decoded.
enum UBJSON {
    indirect enum Value {
        case null
        case bool(Bool)
        case int(Int64)
        case float(Double)
        case string(String)
        case array([Value])
        /// Fields in file order; looked up by a scan (XGBoost's objects are small, and building
        /// hash tables for thousands of them was a measurable part of loading a model).
        case object([(key: String, value: Value)])
        /// A typed numeric array (`[$type#count`): its element type and where its bytes are.
        case typed(UInt8, Range<Int>)
    }

    /// The document's root; typed arrays in it point into `bytes` (`numbers(in:)` reads them).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> Value {
        var reader = Reader(bytes: bytes.bindMemory(to: UInt8.self))
        let value = try reader.value()
        guard reader.offset == bytes.count else { throw reader.error("data after the end of the document") }
        return value
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0
        var depth = 0

        func error(_ what: String) -> FunkoError {
            // An artifact the service cannot work from (503), like a broken metadata.json.
            FunkoError.unavailable("not a valid UBJSON model file at byte \(offset): \(what)")
        }

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw error("it ends early") }
            defer { offset += 1 }
            return bytes[offset]
        }

        /// `count` big-endian bytes as an unsigned integer.
        mutating func bigEndian(_ count: Int) throws -> UInt64 {
            guard count <= bytes.count - offset else { throw error("it ends early") }
            var v: UInt64 = 0
            for i in 0..<count { v = v << 8 | UInt64(bytes[offset + i]) }
            offset += count
            return v
        }

        mutating func number(_ marker: UInt8) throws -> Value {
            switch marker {
            case UInt8(ascii: "i"): return .int(Int64(Int8(truncatingIfNeeded: try bigEndian(1))))
            case UInt8(ascii: "U"): return .int(Int64(try bigEndian(1)))
            case UInt8(ascii: "I"): return .int(Int64(Int16(truncatingIfNeeded: try bigEndian(2))))
            case UInt8(ascii: "l"): return .int(Int64(Int32(truncatingIfNeeded: try bigEndian(4))))
            case UInt8(ascii: "L"): return .int(Int64(bitPattern: try bigEndian(8)))
            case UInt8(ascii: "d"): return .float(Double(Float(bitPattern: UInt32(try bigEndian(4)))))
            case UInt8(ascii: "D"): return .float(Double(bitPattern: try bigEndian(8)))
            default: throw error("unknown type marker \(marker)")
            }
        }

        mutating func length() throws -> Int {
            guard case .int(let n) = try number(try byte()), n >= 0, n <= bytes.count - offset else {
                throw error("a length that is negative or longer than the data")
            }
            return Int(n)
        }

        mutating func string() throws -> String {
            let n = try length()
            defer { offset += n }
            return String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
        }

        mutating func value() throws -> Value {
            var marker = try byte()
            while marker == UInt8(ascii: "N") { marker = try byte() }  // no-op
            return try value(marker)
        }

        mutating func value(_ marker: UInt8) throws -> Value {
            switch marker {
            case UInt8(ascii: "Z"): return .null
            case UInt8(ascii: "T"): return .bool(true)
            case UInt8(ascii: "F"): return .bool(false)
            case UInt8(ascii: "S"), UInt8(ascii: "H"): return .string(try string())
            case UInt8(ascii: "C"): return .string(String(UnicodeScalar(try byte())))
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                defer { depth -= 1 }
                guard depth <= 64 else { throw error("nested more than 64 deep") }
                return marker == UInt8(ascii: "[") ? try array() : try object()
            default: return try number(marker)
            }
        }

        /// The optional `$type` and `#count` after `[` or `{`.
        mutating func header() throws -> (type: UInt8?, count: Int?) {
            var type: UInt8?
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "$") {
                offset += 1
                type = try byte()
                guard offset < bytes.count, bytes[offset] == UInt8(ascii: "#") else {
                    throw error("a typed container without a count")
                }
            }
            guard offset < bytes.count, bytes[offset] == UInt8(ascii: "#") else { return (type, nil) }
            offset += 1
            return (type, try length())
        }

        mutating func array() throws -> Value {
            let (type, count) = try header()
            if let type, let count, let width = Self.numericWidth[type] {
                // Left in place: a model file's node arrays are most of it, and serving reads half of them.
                guard count <= (bytes.count - offset) / width else { throw error("an array longer than the data") }
                defer { offset += count * width }
                return .typed(type, offset..<(offset + count * width))
            }
            var items = [Value]()
            if let count {
                for _ in 0..<count { items.append(try type.map { try value($0) } ?? value()) }
            } else {
                while true {
                    let marker = try byte()
                    if marker == UInt8(ascii: "]") { break }
                    if marker == UInt8(ascii: "N") { continue }
                    items.append(try value(marker))
                }
            }
            return .array(items)
        }

        mutating func object() throws -> Value {
            let (type, count) = try header()
            var fields = [(key: String, value: Value)]()
            if let count {
                for _ in 0..<count { fields.append((try string(), try type.map { try value($0) } ?? value())) }
            } else {
                while true {
                    guard offset < bytes.count else { throw error("it ends early") }
                    if bytes[offset] == UInt8(ascii: "}") {
                        offset += 1
                        break
                    }
                    fields.append((try string(), try value()))
                }
            }
            return .object(fields)
        }

        static let numericWidth: [UInt8: Int] = [
            UInt8(ascii: "i"): 1, UInt8(ascii: "U"): 1, UInt8(ascii: "I"): 2, UInt8(ascii: "l"): 4,
            UInt8(ascii: "L"): 8, UInt8(ascii: "d"): 4, UInt8(ascii: "D"): 8,
        ]
    }
}

extension UBJSON.Value {
    subscript(key: String) -> UBJSON.Value? {
        if case .object(let fields) = self { return fields.first { $0.key == key }?.value }
        return nil
    }

    /// An integer, also from a string (XGBoost writes its parameters as strings: "num_feature": "38").
    var int: Int? {
        switch self {
        case .int(let i): return Int(exactly: i)
        case .float(let f): return Int(exactly: f)
        case .string(let s): return Int(s)
        default: return nil
        }
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Any array of numbers, typed (read from `raw`, the parsed document's bytes) or of single numbers.
    func numbers(in raw: UnsafeRawBufferPointer) -> UBJSON.Numbers? {
        switch self {
        case .typed(let type, let range):
            return UBJSON.Numbers(
                type: type, base: raw.baseAddress! + range.lowerBound, values: [],
                count: range.count / UBJSON.width(type))
        case .array(let items):
            var out = [Double]()
            out.reserveCapacity(items.count)
            for item in items {
                switch item {
                case .int(let i): out.append(Double(i))
                case .float(let f): out.append(f)
                default: return nil
                }
            }
            return UBJSON.Numbers(type: 0, base: nil, values: out, count: out.count)
        default: return nil
        }
    }
}

extension UBJSON {
    static func width(_ type: UInt8) -> Int { Reader.numericWidth[type]! }

    /// A numeric array: a typed one still in the document's bytes, or one of single numbers
    /// already in `values`; `all` gives its elements.
    struct Numbers {
        /// A typed array's element type and first byte; `base` nil for an array of single numbers.
        let type: UInt8
        let base: UnsafeRawPointer?
        let values: [Double]
        let count: Int

        /// Every element, widened to Double (exact for the types XGBoost writes).
        var all: [Double] {
            guard let base else { return values }
            return [Double](unsafeUninitializedCapacity: count) { out, initialised in
                // One loop per element type, so the loop itself has no branch on it.
                @inline(__always) func at<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
                    T(bigEndian: base.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
                }
                switch type {
                case UInt8(ascii: "i"): for i in 0..<count { out[i] = Double(at(i, Int8.self)) }
                case UInt8(ascii: "U"): for i in 0..<count { out[i] = Double(at(i, UInt8.self)) }
                case UInt8(ascii: "I"): for i in 0..<count { out[i] = Double(at(i, Int16.self)) }
                case UInt8(ascii: "l"): for i in 0..<count { out[i] = Double(at(i, Int32.self)) }
                case UInt8(ascii: "L"): for i in 0..<count { out[i] = Double(at(i, Int64.self)) }
                case UInt8(ascii: "d"): for i in 0..<count { out[i] = Double(Float(bitPattern: at(i, UInt32.self))) }
                default: for i in 0..<count { out[i] = Double(bitPattern: at(i, UInt64.self)) }  // "D"
                }
                initialised = count
            }
        }
    }
}
