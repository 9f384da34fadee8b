import CDeflate
import CZlib

/// gzip over zlib, and libdeflate for inflating a whole gzip member at once (2.4 times zlib's
/// speed on a model's 5 MB: most of a cold start's inflate step). `model.tar.gz` (TarGz) and
/// `funko import` of `.csv.gz` files share it.
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
        if let whole = inflateWhole(input) { return whole }
        return try inflateStream(input)
    }

    /// One gzip member inflated by libdeflate into a buffer of the size its trailer states; nil
    /// when that is not the whole story (several members, a trailer that lies, damaged data), left
    /// to zlib, which also names what is wrong.
    static func inflateWhole(_ input: [UInt8]) -> [UInt8]? {
        guard let size = statedSize(input), let decompressor = libdeflate_alloc_decompressor() else { return nil }
        defer { libdeflate_free_decompressor(decompressor) }
        var ok = false
        let out = [UInt8](unsafeUninitializedCapacity: size) { out, initialised in
            var consumed = 0
            var produced = 0
            let rc = input.withUnsafeBytes {
                libdeflate_gzip_decompress_ex(
                    decompressor, $0.baseAddress, $0.count, out.baseAddress, size, &consumed, &produced)
            }
            ok = rc == LIBDEFLATE_SUCCESS && consumed == input.count && produced == size
            initialised = ok ? size : 0
        }
        return ok ? out : nil
    }

    static func inflateStream(_ input: [UInt8]) throws -> [UInt8] {
        var s = z_stream()
        // windowBits 15 + 32: gzip or zlib header, detected.
        guard inflateInit2_(&s, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FunkoError(.internalError, "gunzip: cannot initialise zlib")
        }
        defer { inflateEnd(&s) }
        // Inflate into the buffer itself, grown only when the guess was short: the model's
        // archive (cold start) used to pass through a 64 KiB chunk and a doubling array.
        var out = [UInt8](repeating: 0, count: expectedSize(input))
        var produced = 0
        try input.withUnsafeBufferPointer { inp in
            // zlib does not write through next_in; its C type just lacks the const.
            s.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
            s.avail_in = UInt32(inp.count)
            while true {
                if produced == out.count { out.append(contentsOf: repeatElement(0, count: max(out.count, 1 << 16))) }
                let rc = out.withUnsafeMutableBufferPointer { o -> Int32 in
                    s.next_out = o.baseAddress! + produced
                    s.avail_out = UInt32(min(o.count - produced, Int(UInt32.max)))
                    let before = s.avail_out
                    let rc = inflate(&s, Z_NO_FLUSH)
                    produced += Int(before - s.avail_out)
                    return rc
                }
                if rc == Z_STREAM_END {
                    // A gzip file may hold several members (`cat a.gz b.gz`, pigz, appends): each
                    // is inflated in turn, so no rows after the first member are dropped. Zero
                    // padding after the last member is ignored, as gzip(1) does.
                    let rest = UnsafeBufferPointer(start: s.next_in, count: Int(s.avail_in))
                    if rest.count >= 2, rest[0] == 0x1f, rest[1] == 0x8b {
                        guard inflateReset(&s) == Z_OK else { throw FunkoError(.internalError, "gunzip: reset failed") }
                        continue
                    }
                    guard rest.allSatisfy({ $0 == 0 }) else {
                        throw FunkoError.badRequest(
                            "not valid gzip data (\(rest.count) bytes after the end of the compressed data are not another gzip member)"
                        )
                    }
                    break
                }
                if rc == Z_OK { continue }
                // Z_BUF_ERROR with no input left: the stream ended before its trailer.
                if rc == Z_BUF_ERROR, s.avail_in == 0 {
                    throw FunkoError.badRequest(
                        "the gzip data ends early after \(produced) bytes (truncated file?)")
                }
                let detail = s.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw FunkoError.badRequest("not valid gzip data (\(detail))")
            }
        }
        out.removeSubrange(produced...)
        return out
    }

    /// The first guess of the decompressed size for zlib's buffer: the trailer's when believable,
    /// else the usual guess (a damaged or hostile file gets no more). Inflating checks the real
    /// size anyway.
    static func expectedSize(_ input: [UInt8]) -> Int {
        // One byte more, so the last inflate call still has room when it reads the trailer.
        statedSize(input).map { $0 + 1 } ?? max(4 * input.count, 1 << 16)
    }

    /// The size a gzip member's trailer states (ISIZE, the size modulo 2^32), nil when there is
    /// none or it is not believable: deflate cannot expand more than 1032 to 1.
    static func statedSize(_ input: [UInt8]) -> Int? {
        guard isGzip(input), input.count >= 18 else { return nil }
        let n = input.count
        let stated = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
        return stated <= 1032 * input.count ? stated : nil
    }
}
