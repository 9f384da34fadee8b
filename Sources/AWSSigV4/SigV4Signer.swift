import FunkoCore

/// AWS Signature Version 4 (header signing and presigned URLs), checked against the AWS signing
/// test suite and botocore (Tests/FunkoTests/SigV4Tests.swift).
///
/// URLs are taken as they will be sent: path and query already percent-encoded. The signer works on
/// their bytes, so any UTF-8 is fine and a `/` followed by a combining mark stays a separator.
public struct SigV4Signer: Sendable, CustomStringConvertible {
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let emptyPayloadHash = sha256Hex([UInt8]())
    static let algorithm = "AWS4-HMAC-SHA256"

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { Crypto.hex(Crypto.sha256($0)) }
    }

    public static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String { Crypto.hex(Crypto.sha256(bytes)) }

    public let credentials: AWSCredentials
    public let region: String
    public let service: String
    /// S3 rules when true: no path normalisation and no second URI-encoding of the path. Default: service == "s3".
    public var s3Rules: Bool
    /// Adds x-amz-content-sha256 (S3 always wants it). Default: service == "s3".
    public var signPayloadHeader: Bool
    /// Do not include x-amz-security-token in the signature (some services want it added after signing). Default false.
    public var omitSessionToken: Bool

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
        s3Rules = service == "s3"
        signPayloadHeader = service == "s3"
        omitSessionToken = false
    }

    public var description: String { "SigV4Signer(\(service), \(region), \(credentials))" }

    /// Headers never signed, as in botocore: hop-by-hop headers and ones that proxies and HTTP
    /// clients add or rewrite on the way (libcurl adds `Expect: 100-continue` to large PUTs).
    /// They are still sent. `authorization` is the signature itself.
    static let unsignedHeaders: Set<String> = [
        "authorization", "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te", "traceparent", "tracestate", "trailer", "transfer-encoding",
        "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    // MARK: Signing

    /// The headers to send: `headers` plus host (if absent), x-amz-date, x-amz-security-token (with a session),
    /// x-amz-content-sha256 (when signPayloadHeader) and authorization. `payloadHash` is the hex SHA-256 of the body,
    /// or `unsignedPayload`. `date` is epoch seconds.
    public func sign(method: String, url: String, headers: [(String, String)], payloadHash: String, date: Int64) -> [(
        String, String
    )] {
        var out = signingHeaders(url: url, headers: headers, payloadHash: payloadHash, date: date)
        let (canonical, signedHeaders) = canonicalRequest(
            method: method, url: url, headers: out, payloadHash: payloadHash)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical, date: date), date: date)
        if omitSessionToken, let token = credentials.sessionToken {
            out.append(("X-Amz-Security-Token", token))  // sent, but not covered by the signature
        }
        out.append(
            (
                "Authorization",
                "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(date)), "
                    + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
            ))
        return out
    }

    /// The headers `sign` signs: the caller's (less any authorization, x-amz-date and the headers the
    /// signer sets itself, so signing again replaces rather than duplicates them), host when absent,
    /// x-amz-date, the session token unless omitted, and x-amz-content-sha256 when signPayloadHeader.
    public func signingHeaders(url: String, headers: [(String, String)], payloadHash: String, date: Int64) -> [(
        String, String
    )] {
        var replaced: Set<String> = ["authorization", "x-amz-date"]
        if credentials.sessionToken != nil { replaced.insert("x-amz-security-token") }
        if signPayloadHeader { replaced.insert("x-amz-content-sha256") }
        var out = Self.withHost(headers.filter { !replaced.contains(Self.headerName($0.0)) }, URLParts(url))
        out.append(("X-Amz-Date", Self.amzDate(date)))
        if let token = credentials.sessionToken, !omitSessionToken { out.append(("X-Amz-Security-Token", token)) }
        if signPayloadHeader { out.append(("X-Amz-Content-SHA256", payloadHash)) }
        return out
    }

    /// A presigned URL (query-string signing: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
    /// X-Amz-SignedHeaders, X-Amz-Security-Token, X-Amz-Signature), payload UNSIGNED-PAYLOAD unless given.
    /// The query of the result is the canonical one (sorted, re-encoded) plus the signature; the path is
    /// kept as given. `headers` are ones the eventual request will carry and must send unchanged.
    public func presign(
        method: String, url: String, headers: [(String, String)] = [], expires: Int, date: Int64,
        payloadHash: String = SigV4Signer.unsignedPayload
    ) -> String {
        let toSign = presignURLToSign(url: url, headers: headers, expires: expires, date: date)
        let (canonical, _) = canonicalRequest(method: method, url: toSign, headers: headers, payloadHash: payloadHash)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical, date: date), date: date)
        let parts = URLParts(toSign)
        var query = Self.canonicalQuery(parts.query)
        if omitSessionToken, let token = credentials.sessionToken {
            query += "&X-Amz-Security-Token=" + Self.uriEncode(Array(token.utf8))
        }
        query += "&X-Amz-Signature=" + signature
        return parts.withoutQuery + "?" + query
    }

    /// `url` with the X-Amz-* query parameters that a presigned URL signs (all but the signature).
    public func presignURLToSign(url: String, headers: [(String, String)] = [], expires: Int, date: Int64) -> String {
        let parts = URLParts(url)
        let signed = Self.canonicalHeaders(Self.withHost(headers, parts)).signedHeaders
        func enc(_ s: String) -> String { Self.uriEncode(Array(s.utf8)) }
        var auth =
            "X-Amz-Algorithm=\(Self.algorithm)&X-Amz-Credential=\(enc(credentials.accessKeyID + "/" + scope(date)))"
            + "&X-Amz-Date=\(Self.amzDate(date))&X-Amz-Expires=\(expires)&X-Amz-SignedHeaders=\(enc(signed))"
        if let token = credentials.sessionToken, !omitSessionToken { auth += "&X-Amz-Security-Token=\(enc(token))" }
        let existing = parts.query.map { String(decoding: $0, as: UTF8.self) } ?? ""
        return parts.withoutQuery + "?" + (existing.isEmpty ? "" : existing + "&") + auth
    }

    // MARK: The steps, public so tests can compare them with the AWS test suite

    /// The canonical request for exactly these headers (plus host from the URL when absent; never the
    /// unsigned ones). Returns it with the signed-header list.
    public func canonicalRequest(method: String, url: String, headers: [(String, String)], payloadHash: String) -> (
        canonical: String, signedHeaders: String
    ) {
        let parts = URLParts(url)
        let (lines, signedHeaders) = Self.canonicalHeaders(Self.withHost(headers, parts))
        let canonical = [
            method.uppercased(),
            canonicalPath(parts.path),
            Self.canonicalQuery(parts.query),
            lines,  // every line ends in "\n", which leaves the blank line the format wants
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        return (canonical, signedHeaders)
    }

    public func stringToSign(canonicalRequest: String, date: Int64) -> String {
        [Self.algorithm, Self.amzDate(date), scope(date), Self.sha256Hex(Array(canonicalRequest.utf8))].joined(
            separator: "\n")
    }

    public func signature(stringToSign: String, date: Int64) -> String {
        // The key is derived per day, region and service, so a leaked signing key is of little use.
        var key = Crypto.hmacSHA256(
            key: Array(("AWS4" + credentials.secretAccessKey).utf8), data: Array(Self.dateStamp(date).utf8))
        for part in [region, service, "aws4_request"] { key = Crypto.hmacSHA256(key: key, data: Array(part.utf8)) }
        return Crypto.hex(Crypto.hmacSHA256(key: key, data: Array(stringToSign.utf8)))
    }

    /// `YYYYMMDD/region/service/aws4_request`
    public func scope(_ date: Int64) -> String { "\(Self.dateStamp(date))/\(region)/\(service)/aws4_request" }

    /// `YYYYMMDDTHHMMSSZ`, the X-Amz-Date form of the ISO 8601 time.
    public static func amzDate(_ date: Int64) -> String { Time.iso8601(date).filter { $0 != "-" && $0 != ":" } }

    static func dateStamp(_ date: Int64) -> String { String(amzDate(date).prefix(8)) }

    // MARK: Canonical parts

    /// `headers` with a Host header first when they have none and the URL names a host: the header
    /// the HTTP client will send, so it is signed.
    static func withHost(_ headers: [(String, String)], _ url: URLParts) -> [(String, String)] {
        guard !headers.contains(where: { headerName($0.0) == "host" }), let host = url.hostHeader else {
            return headers
        }
        return [("Host", host)] + headers
    }

    /// Lower-cased ASCII name with surrounding blanks removed.
    static func headerName(_ name: String) -> String {
        String(decoding: trimmed(Array(name.utf8)).map { $0 >= 0x41 && $0 <= 0x5a ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// `name:value\n` lines sorted by name, and the `;`-joined names. Repeated headers become one line
    /// with their values joined by commas in the order given. Values are trimmed and every run of
    /// whitespace (which includes the line breaks of folded multi-line values) becomes one space.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (lines: String, signedHeaders: String) {
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let n = headerName(name)
            guard !unsignedHeaders.contains(n) else { continue }
            values[n, default: []].append(collapsedWhitespace(value))
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let lines = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (lines, names.joined(separator: ";"))
    }

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0d) }

    static func trimmed(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(where: { !isSpace($0) }) else { return [] }
        return bytes[first...bytes.lastIndex(where: { !isSpace($0) })!]
    }

    static func collapsedWhitespace(_ value: String) -> String {
        var out = [UInt8]()
        var pendingSpace = false
        for b in trimmed(Array(value.utf8)) {
            if isSpace(b) {
                pendingSpace = true
                continue
            }
            if pendingSpace {
                out.append(0x20)
                pendingSpace = false
            }
            out.append(b)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The canonical URI. S3 object keys are opaque, so S3 paths are never normalised (`a/../b` and
    /// `a//b` are real keys) and are encoded once: each segment is decoded and re-encoded, which
    /// leaves a properly encoded path as it is and fixes lower-case escapes or raw characters. Every
    /// other service signs the normalised path encoded again (`%20` becomes `%2520`), as the test
    /// suite wants.
    func canonicalPath(_ path: [UInt8]) -> String {
        if path.isEmpty { return "/" }
        let slash = UInt8(ascii: "/")
        if s3Rules {
            return path.split(separator: slash, omittingEmptySubsequences: false)
                .map { Self.uriEncode(Self.percentDecode($0)) }.joined(separator: "/")
        }
        let segments = Self.removeDotSegments(path)
        let encoded = segments.segments.map { Self.uriEncode($0) }.joined(separator: "/")
        return "/" + encoded + (segments.trailingSlash && !segments.segments.isEmpty ? "/" : "")
    }

    /// RFC 3986 §5.2.4 dot-segment removal, plus dropping empty segments (AWS treats `//` as `/`).
    /// A trailing `.` or `..` leaves a trailing slash, as in the RFC (botocore drops it; see the tests).
    static func removeDotSegments(_ path: [UInt8]) -> (segments: [ArraySlice<UInt8>], trailingSlash: Bool) {
        var out: [ArraySlice<UInt8>] = []
        let all = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for segment in all {
            if segment.isEmpty || segment.elementsEqual(".".utf8) { continue }
            if segment.elementsEqual("..".utf8) {
                _ = out.popLast()
                continue
            }
            out.append(segment)
        }
        let last = all.last ?? []
        let trailing = last.isEmpty || last.elementsEqual(".".utf8) || last.elementsEqual("..".utf8)
        return (out, trailing)
    }

    /// Each key and value decoded and re-encoded (so `%e1`, `%E1` and a raw UTF-8 byte all sign
    /// alike), sorted by key then value, joined with `&`. A key without `=` gets an empty value. A raw
    /// `+` is taken as a literal plus (`%2B`), not a form-encoded space; callers should send `%2B` or
    /// `%20` so that no server has to guess.
    static func canonicalQuery(_ query: [UInt8]?) -> String {
        guard let query, !query.isEmpty else { return "" }
        var pairs: [(key: String, value: String)] = []
        for item in query.split(separator: UInt8(ascii: "&")) {
            let eq = item.firstIndex(of: UInt8(ascii: "="))
            let key = eq.map { item[..<$0] } ?? item[...]
            let value = eq.map { item[($0 + 1)...] } ?? []
            pairs.append((uriEncode(percentDecode(key)), uriEncode(percentDecode(value))))
        }
        pairs.sort { a, b in
            a.key == b.key
                ? a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
                : a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }
        return pairs.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    /// RFC 3986 encoding: only `A-Za-z0-9-_.~` stay; every other byte becomes `%XX`, upper-case.
    /// Writes the string in place (one allocation): every request encodes its path and query.
    public static func uriEncode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var length = 0
        for b in bytes { length += isUnreserved(b) ? 1 : 3 }
        return String(unsafeUninitializedCapacity: length) { out in
            var i = 0
            for b in bytes {
                if isUnreserved(b) {
                    out[i] = b
                    i += 1
                } else {
                    out[i] = UInt8(ascii: "%")
                    out[i + 1] = upperHex[Int(b >> 4)]
                    out[i + 2] = upperHex[Int(b & 0x0f)]
                    i += 3
                }
            }
            return i
        }
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    /// `%XX` to its byte; a `%` not followed by two hex digits is kept as it is.
    static func percentDecode(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if bytes[i] == UInt8(ascii: "%"), bytes.endIndex - i >= 3, let hi = hexValue(bytes[i + 1]),
                let lo = hexValue(bytes[i + 2])
            {
                out.append(hi << 4 | lo)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}

/// The pieces of a URL the signer needs, split on bytes: `scheme://authority/path?query#fragment`.
/// A URL without `scheme://` is taken as a path (and query), as in an HTTP request line.
struct URLParts {
    var scheme: [UInt8] = []
    var authority: [UInt8]? = nil
    var path: [UInt8] = []
    var query: [UInt8]? = nil

    init(_ url: String) {
        var rest = Array(url.utf8)
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest.removeSubrange(hash...) }
        if let q = rest.firstIndex(of: UInt8(ascii: "?")) {
            query = Array(rest[(q + 1)...])
            rest.removeSubrange(q...)
        }
        if let sep = rest.firstRange(of: Array("://".utf8)), !rest[..<sep.lowerBound].contains(UInt8(ascii: "/")) {
            scheme = Array(rest[..<sep.lowerBound])
            let afterScheme = rest[sep.upperBound...]
            let slash = afterScheme.firstIndex(of: UInt8(ascii: "/")) ?? afterScheme.endIndex
            authority = Array(afterScheme[..<slash])
            path = Array(afterScheme[slash...])
        } else {
            path = rest
        }
    }

    /// Everything before the query.
    var withoutQuery: String {
        let head =
            authority.map { String(decoding: scheme, as: UTF8.self) + "://" + String(decoding: $0, as: UTF8.self) }
            ?? ""
        return head + String(decoding: path, as: UTF8.self)
    }

    /// The Host header an HTTP client sends for this URL: no user info, lower case, and the port
    /// only when it is not the scheme's default.
    var hostHeader: String? {
        guard var hostPort = authority else { return nil }
        if let at = hostPort.lastIndex(of: UInt8(ascii: "@")) { hostPort = Array(hostPort[(at + 1)...]) }
        let lower = String(decoding: hostPort, as: UTF8.self).lowercased()
        // The port is after the last colon, unless that colon is inside an IPv6 literal's brackets.
        guard let colon = lower.lastIndex(of: ":"), !lower[colon...].contains("]") else {
            return lower.isEmpty ? nil : lower
        }
        let port = lower[lower.index(after: colon)...]
        let defaultPort = ["http": "80", "https": "443"][String(decoding: scheme, as: UTF8.self).lowercased()]
        if port.isEmpty || String(port) == defaultPort { return String(lower[..<colon]) }
        return lower
    }
}
