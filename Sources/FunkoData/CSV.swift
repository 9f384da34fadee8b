/// RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. Yields each record with the line
/// number it started on, so errors can point at the row a person sees in an editor.
public struct CSVReader: Sequence, IteratorProtocol {
    private let bytes: [UInt8]
    private var i = 0
    private var line = 1

    public init(_ text: [UInt8]) {
        bytes = text.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(text.dropFirst(3)) : text
    }

    public mutating func next() -> (line: Int, fields: [String])? {
        guard i < bytes.count else { return nil }
        var start = line
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        while i < bytes.count {
            let c = bytes[i]
            if quoted {
                if c == 0x22 {
                    if i + 1 < bytes.count, bytes[i + 1] == 0x22 {
                        field.append(0x22)
                        i += 2
                        continue
                    }
                    quoted = false
                    i += 1
                    continue
                }
                if c == 0x0A { line += 1 }
                field.append(c)
                i += 1
                continue
            }
            switch c {
            case 0x22 where field.isEmpty:
                quoted = true
                i += 1
            case 0x2C:
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                i += 1
            case 0x0D: i += 1
            case 0x0A:
                i += 1
                line += 1
                fields.append(String(decoding: field, as: UTF8.self))
                if fields == [""] {
                    fields = []
                    field = []
                    start = line
                    continue
                }  // blank line
                return (start, fields)
            default:
                field.append(c)
                i += 1
            }
        }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields == [""] ? nil : (start, fields)
    }
}
