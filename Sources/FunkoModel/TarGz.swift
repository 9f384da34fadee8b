import FunkoCore

/// The `model.tar.gz` SageMaker expects: a gzip-compressed ustar archive. Only regular files,
/// which is all a model artifact holds. Output is reproducible (fixed owner, mode and mtime).
public enum TarGz {
    public static func archive(_ files: [(name: String, bytes: [UInt8])], mtime: Int64) throws -> [UInt8] {
        var tar: [UInt8] = []
        for f in files {
            var h = [UInt8](repeating: 0, count: 512)
            func put(_ s: String, _ at: Int, _ len: Int) {
                for (i, b) in s.utf8.prefix(len).enumerated() { h[at + i] = b }
            }
            func octal(_ v: Int64, _ at: Int, _ len: Int) {
                let s = String(v, radix: 8)
                put(String(repeating: "0", count: max(0, len - 1 - s.count)) + s, at, len - 1)
            }
            guard f.name.utf8.count < 100 else { throw FunkoError(.internalError, "tar: name too long: \(f.name)") }
            put(f.name, 0, 100)
            octal(0o644, 100, 8)
            octal(0, 108, 8)
            octal(0, 116, 8)
            octal(Int64(f.bytes.count), 124, 12)
            octal(mtime, 136, 12)
            put("        ", 148, 8)
            h[156] = 0x30  // regular file
            put("ustar", 257, 6)
            put("00", 263, 2)
            put("root", 265, 32)
            put("root", 297, 32)
            let sum = h.reduce(0) { $0 + Int64($1) }
            octal(sum, 148, 7)
            h[155] = 0x20
            tar += h
            tar += f.bytes
            tar += [UInt8](repeating: 0, count: (512 - f.bytes.count % 512) % 512)
        }
        tar += [UInt8](repeating: 0, count: 1024)
        return try Gzip.compress(tar)
    }

    /// The regular files of a tar.gz, names without a leading `./`, each a slice of the one
    /// inflated buffer (a model's file is 5 MB: copying it out cost a cold start 2 ms).
    public static func extract(_ gz: [UInt8]) throws -> [String: ArraySlice<UInt8>] {
        let tar = try Gzip.decompress(gz)
        var files: [String: ArraySlice<UInt8>] = [:]
        var off = 0
        while off + 512 <= tar.count {
            let h = tar[off..<(off + 512)]
            if h.allSatisfy({ $0 == 0 }) { break }
            func field(_ at: Int, _ len: Int) -> String {
                let bytes = h[(off + at)..<(off + at + len)].prefix { $0 != 0 }
                return String(decoding: bytes, as: UTF8.self)
            }
            var name = field(0, 100)
            let prefix = field(345, 155)
            if !prefix.isEmpty { name = prefix + "/" + name }
            if name.hasPrefix("./") { name.removeFirst(2) }
            guard let size = Int(field(124, 12).trimmed, radix: 8) else {
                throw FunkoError(.internalError, "tar: bad header at offset \(off)")
            }
            let type = h[off + 156]
            off += 512
            guard off + size <= tar.count else { throw FunkoError(.internalError, "tar: truncated archive") }
            if type == 0x30 || type == 0 { files[name] = tar[off..<(off + size)] }
            off += (size + 511) / 512 * 512
        }
        return files
    }
}
