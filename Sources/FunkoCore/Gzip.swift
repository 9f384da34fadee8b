import CZlib

/// gzip over zlib: `model.tar.gz` (TarGz) and `funko import` of `.csv.gz` files share it.
public enum Gzip {
    /// The gzip magic bytes, 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool { bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b }

    /// Maximum compression, a header with mtime 0: the same input always gives the same bytes.
    public static func compress(_ input: [UInt8]) throws -> [UInt8] {
        var s = z_stream()
        // windowBits 15 + 16 selects the gzip wrapper.
        guard
            deflateInit2_(
                &s, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
                == Z_OK
        else {
            throw FunkoError(.internalError, "gzip: cannot initialise zlib")
        }
        defer { deflateEnd(&s) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, UInt(input.count))) + 32)
        var input = input
        let rc = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                s.next_in = inp.baseAddress
                s.avail_in = UInt32(inp.count)
                s.next_out = o.baseAddress
                s.avail_out = UInt32(o.count)
                return deflate(&s, Z_FINISH)
            }
        }
        guard rc == Z_STREAM_END else { throw FunkoError(.internalError, "gzip: deflate failed (\(rc))") }
        return Array(out[0..<Int(s.total_out)])
    }

    /// The decompressed bytes of one gzip (or zlib) stream. A stream that stops before its end
    /// (a truncated download) or does not decode is a `badRequest` saying which; callers add the
    /// file's name.
    public static func decompress(_ input: [UInt8]) throws -> [UInt8] {
        var s = z_stream()
        // windowBits 15 + 32: gzip or zlib header, detected.
        guard inflateInit2_(&s, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FunkoError(.internalError, "gunzip: cannot initialise zlib")
        }
        defer { inflateEnd(&s) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = input
        try input.withUnsafeMutableBufferPointer { inp in
            s.next_in = inp.baseAddress
            s.avail_in = UInt32(inp.count)
            while true {
                let (rc, produced) = chunk.withUnsafeMutableBufferPointer { c -> (Int32, Int) in
                    s.next_out = c.baseAddress
                    s.avail_out = UInt32(c.count)
                    let rc = inflate(&s, Z_NO_FLUSH)
                    return (rc, c.count - Int(s.avail_out))
                }
                out.append(contentsOf: chunk[0..<produced])
                if rc == Z_STREAM_END { break }
                if rc == Z_OK { continue }
                // Z_BUF_ERROR with no input left: the stream ended before its trailer.
                if rc == Z_BUF_ERROR, s.avail_in == 0 {
                    throw FunkoError.badRequest(
                        "the gzip data ends early after \(out.count) bytes (truncated file?)")
                }
                let detail = s.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw FunkoError.badRequest("not valid gzip data (\(detail))")
            }
        }
        return out
    }
}
