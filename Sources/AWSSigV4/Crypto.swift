import CCrypto

/// SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto: the only crypto SigV4 needs.
enum Crypto {
    /// OpenSSL wants a non-null pointer even for zero bytes; this is the one it gets then
    /// (read-only, so shared safely).
    nonisolated(unsafe) private static let emptyByte: UnsafeMutablePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBufferPointer { out in
            EVP_Digest(
                bytes.baseAddress ?? UnsafeRawPointer(emptyByte), bytes.count, out.baseAddress, &length, EVP_sha256(),
                nil)
        }
        precondition(ok == 1 && length == 32, "libcrypto EVP_Digest(SHA-256) failed")
        return digest
    }

    static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let result = key.withUnsafeBytes { k in
            data.withUnsafeBufferPointer { d in
                mac.withUnsafeMutableBufferPointer { out in
                    HMAC(
                        EVP_sha256(), k.baseAddress ?? UnsafeRawPointer(emptyByte), Int32(k.count),
                        d.baseAddress ?? UnsafePointer(emptyByte), d.count, out.baseAddress, &length)
                }
            }
        }
        precondition(result != nil && length == 32, "libcrypto HMAC(SHA-256) failed")
        return mac
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Incremental SHA-256 for bodies that arrive in pieces (streamed S3 uploads): feed it chunks,
/// then take the hex digest to use as the SigV4 payload hash.
public final class SHA256Hasher {
    private let context: OpaquePointer
    private var finished = false

    public init() {
        guard let ctx = EVP_MD_CTX_new(), EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else {
            preconditionFailure("libcrypto EVP_DigestInit_ex(SHA-256) failed")
        }
        context = ctx
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "SHA256Hasher used after finalizeHex()")
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "libcrypto EVP_DigestUpdate failed")
    }

    public func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The hex digest; the hasher cannot be fed after this.
    public func finalizeHex() -> String {
        precondition(!finished, "SHA256Hasher finalized twice")
        finished = true
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = digest.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        precondition(ok == 1 && length == 32, "libcrypto EVP_DigestFinal_ex failed")
        return Crypto.hex(digest)
    }
}
