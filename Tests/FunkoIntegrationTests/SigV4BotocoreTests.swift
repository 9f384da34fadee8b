import Foundation
import FunkoTestSupport
import Testing

@testable import AWSSigV4
@testable import FunkoCore

// MARK: - Comparison with botocore

/// SplitMix64: a few lines, and the same cases on every machine and run.
private struct CaseRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(UInt64(1) << 53) < p }
    mutating func pick<T>(_ options: [T]) -> T { options[int(options.count)] }
    mutating func string(_ alphabet: String, _ count: Int) -> String {
        String((0..<count).map { _ in pick(Array(alphabet)) })
    }
}

/// One randomised request: what the Swift signer gets and what botocore gets.
private struct RandomCase {
    var id: Int
    var query: Bool  // presigned URL instead of an Authorization header
    var service: String
    var region: String
    var credentials: AWSCredentials
    var method: String
    var swiftURL: String  // the complete URL, as the Swift clients would send it
    var botoURL: String  // scheme://authority[/path]; botocore gets the query as `params`
    var s3Key: String?  // appended to botoURL the way botocore's serializer encodes {Key+}
    var params: [(String, String)]
    var headers: [(String, String)]
    var body: [UInt8]
    var unsignedPayload: Bool
    var date: Int64
    var expires: Int

    var json: [String: Any] {
        [
            "id": id, "kind": query ? "query" : "header", "service": service, "region": region,
            "access_key": credentials.accessKeyID, "secret_key": credentials.secretAccessKey,
            "token": credentials.sessionToken.map { $0 as Any } ?? NSNull(),
            "method": method, "url": botoURL, "s3_key": s3Key.map { $0 as Any } ?? NSNull(),
            "params": params.map { [$0.0, $0.1] }, "headers": headers.map { [$0.0, $0.1] },
            "body_b64": Data(body).base64EncodedString(), "unsigned_payload": unsignedPayload,
            "timestamp": date, "expires": expires,
        ]
    }

    var signer: SigV4Signer {
        var s = SigV4Signer(credentials: credentials, region: region, service: service)
        // botocore sends x-amz-content-sha256 for an unsigned payload outside S3 too.
        if unsignedPayload { s.signPayloadHeader = true }
        return s
    }

    var payloadHash: String {
        if query { return service == "s3" ? SigV4Signer.unsignedPayload : SigV4Signer.emptyPayloadHash }
        return unsignedPayload ? SigV4Signer.unsignedPayload : SigV4Signer.sha256Hex(body)
    }
}

/// Builds the random requests.
///
/// Where botocore and the SigV4 spec part ways the cases stay where both agree, so a mismatch is a
/// real difference:
/// - S3 paths: botocore signs the path exactly as its serializer encoded the key; the Swift signer
///   decodes and re-encodes each segment (the spec's "encode the key once"). So botocore gets the
///   raw key and encodes it itself, and the Swift URL carries the same key in a randomly different
///   but equivalent encoding (raw UTF-8, raw sub-delimiters, lower-case escapes, escaped letters).
/// - Query strings: botocore signs a query taken from the URL verbatim, so it gets the raw pairs as
///   `params` and encodes them; the Swift URL again carries a random equivalent encoding. A raw `+`
///   is never put in a query: the Swift signer reads it as a literal plus (`%2B`), botocore would
///   sign it verbatim and form decoders (moto's among them) read it as a space; clients send `%2B`.
/// - Non-S3 paths: both get the identical string. No path ends in a `.` or `..` segment: the RFC
///   3986 removal the signer follows keeps a trailing slash there (`/a/b/..` is `/a/`), botocore
///   does not (`/a`).
/// - No `Date` header (botocore then signs with it instead of X-Amz-Date); no caller-set
///   x-amz-content-sha256 outside S3 (botocore signs its value as the payload hash).
/// - Presigned cases: unique query keys and no body (botocore's presigner folds both into a dict).
private func randomCases(count: Int, presigned: Int, seed: UInt64) -> [RandomCase] {
    var r = CaseRandom(state: seed)
    let hexDigits = Array("0123456789ABCDEF")
    let lowerHex = Array("0123456789abcdef")

    /// Percent-encodes each byte of `s` that must be, and a random share of the rest.
    func encodeVariant(_ s: String, mustEncode: Set<Character>) -> String {
        var out = ""
        for ch in s {
            let unreserved = ch.isASCII && (ch.isLetter || ch.isNumber || "-_.~".contains(ch))
            let encode = mustEncode.contains(ch) || (unreserved ? r.chance(0.1) : r.chance(0.5))
            if !encode {
                out.append(ch)
                continue
            }
            let digits = r.chance(0.3) ? lowerHex : hexDigits
            for b in String(ch).utf8 { out += "%" + String(digits[Int(b >> 4)]) + String(digits[Int(b & 15)]) }
        }
        return out
    }
    func randomCase(_ s: String) -> String {
        String(s.map { r.chance(0.4) ? Character($0.uppercased()) : Character($0.lowercased()) })
    }

    let keyTokens = [
        "photo", "pops", "2024", "a b", "ü", "ሴ", "😀", "+", "=", "&", "?", "#", "%", "%41", "!", "$", "'",
        "(", ")", "*", ",", ";", ":", "@", "~", "-", "_", ".", "..", "x.csv", "Funko Pop #1", "é+é",
    ]
    let pathTokens = [
        "endpoints", "my-endpoint", "invocations", "a b", "%20", "%2F", "%2f", "%e1%88%b4", "%zz", "ሴ", "é",
        "+", "=", "!", "$", "&", "'", "(", ")", "*", ",", ";", ":", "@", "~user", ".", "..", "", "v1", "Mixed",
    ]
    let queryTokens = [
        "prefix", "list-type", "2", "max-keys", "acl", "a b", "ü", "ሴ", "😀", "x+y", "k=v", "&amp", "100%",
        "~tilde", "-._~", "UPPER", "lower", "Mixed Case", "/slash/", "?q", "#frag", "'q'", "(p)", "*", "!",
        "$", ",", ";", ":", "@", "%41",
    ]
    let valueTokens = [
        "value", "  leading", "trailing  ", "inner   spaces", "\ttab\tbed\t", "folded\n   line", "Café ☕",
        "a,b", "\"quoted   string\"", "", "   ", "UPPER lower", "x=1; y=2", "😀",
    ]
    let methods = ["GET", "PUT", "POST", "DELETE", "HEAD"]
    let regions = ["us-east-1", "eu-west-2", "ap-southeast-2"]
    let alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    let base64ish = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    var cases: [RandomCase] = []
    for id in 0..<(count + presigned) {
        let query = id >= count
        let s3 = r.chance(0.5)
        let credentials = AWSCredentials(
            accessKeyID: "AKIA" + r.string(alnum, 16), secretAccessKey: r.string(base64ish, 40),
            sessionToken: r.chance(0.4) ? r.string(base64ish, 20 + r.int(200)) + "==" : nil)
        let method = query ? r.pick(["GET", "PUT"]) : r.pick(methods)
        var swiftURL: String
        var botoURL: String
        var s3Key: String? = nil
        var hostName: String
        if s3 {
            let (base, bucketPath) = r.pick([
                ("https://examplebucket.s3.amazonaws.com", ""), ("https://s3.us-east-1.amazonaws.com", "/funko-bucket"),
                ("http://localhost:5000", "/funko-bucket"), ("https://S3.EU-West-2.amazonaws.com:443", "/funko-bucket"),
                ("http://127.0.0.1:80", "/b"), ("https://user:pw@bucket.s3.amazonaws.com:8443", ""),
            ])
            hostName = String(base.split(separator: "/")[1].split(separator: "@").last!)
            if r.chance(0.1) {  // a bucket-level request
                botoURL = base + (bucketPath.isEmpty ? "/" : bucketPath)
                swiftURL = botoURL
            } else {
                let segments = (0..<(1 + r.int(4))).map { _ in (0..<r.int(4)).map { _ in r.pick(keyTokens) }.joined() }
                let key = segments.joined(separator: "/")
                s3Key = key
                botoURL = base + bucketPath
                swiftURL =
                    botoURL + "/"
                    + segments.map { encodeVariant($0, mustEncode: ["%", "?", "#"]) }.joined(separator: "/")
            }
        } else {
            let base = r.pick([
                "https://runtime.sagemaker.us-east-1.amazonaws.com", "https://API.SageMaker.eu-west-2.amazonaws.com",
                "http://localhost:5000", "https://[::1]:8443", "https://sagemaker.ap-southeast-2.amazonaws.com:443",
            ])
            hostName = String(base.split(separator: "/")[1])
            var segments = (0..<r.int(6)).map { _ in (0..<(1 + r.int(2))).map { _ in r.pick(pathTokens) }.joined() }
            if let last = segments.last, last == "." || last == ".." { segments.append("end") }
            let path = segments.isEmpty && r.chance(0.5) ? "" : "/" + segments.joined(separator: "/")
            botoURL = base + path
            swiftURL = botoURL
        }

        // Query: raw pairs for botocore, an equivalent random encoding in the Swift URL.
        var params: [(String, String)] = []
        for _ in 0..<r.int(5) {
            var key = (0..<(1 + r.int(2))).map { _ in r.pick(queryTokens) }.joined()
            if !query, let earlier = params.last, r.chance(0.3) { key = earlier.0 }  // repeated key
            if query, params.contains(where: { $0.0 == key }) { continue }
            let value = r.chance(0.3) ? "" : (0..<(1 + r.int(3))).map { _ in r.pick(queryTokens) }.joined()
            params.append((key, value))
        }
        if !params.isEmpty {
            let items = params.map { key, value -> String in
                let k = encodeVariant(key, mustEncode: ["%", "?", "#", "&", "=", "+"])
                if value.isEmpty, r.chance(0.5) { return k }  // `?acl` rather than `?acl=`
                return k + "=" + encodeVariant(value, mustEncode: ["%", "?", "#", "&", "+"])
            }
            swiftURL += "?" + items.joined(separator: "&")
        }

        // Headers: mixed-case names, repeats, odd whitespace, and ones both signers replace or skip.
        var headers: [(String, String)] = []
        var candidates: [(String, () -> String)] = [
            (
                "Content-Type",
                {
                    r.pick([
                        "application/json", "text/csv", "application/x-amz-json-1.1", "  text/plain;   charset=utf-8 ",
                    ])
                }
            ),
            ("X-Amz-Meta-Title", { r.pick(valueTokens) + r.pick(valueTokens) }),
            ("X-Custom-Header", { r.pick(valueTokens) }),
            ("x-custom-header", { r.pick(valueTokens) }),
            ("X-Amz-Target", { "SageMaker.DescribeEndpoint" }),
            ("Content-MD5", { "1B2M2Y8AsgTpgAmY7PhCfg==" }),
            ("Range", { "bytes=0-99" }),
            ("Accept", { "*/*" }),
            ("User-Agent", { "funko/1.0 (swift)" }),
            ("Expect", { "100-continue" }),
            ("Connection", { "keep-alive" }),
            ("Host", { randomCase(hostName) }),
        ]
        if !query {
            candidates += [
                ("X-Amz-Date", { "19990101T000000Z" }), ("Authorization", { "AWS4-HMAC-SHA256 stale" }),
                ("X-Amz-Security-Token", { "stale-token" }),
            ]
            if s3 { candidates.append(("X-Amz-Content-SHA256", { "stale" })) }
        }
        for _ in 0..<r.int(query ? 3 : 7) {
            let (name, value) = r.pick(candidates)
            headers.append((randomCase(name), value()))
        }

        var body: [UInt8] = []
        if !query, r.chance(["GET", "HEAD", "DELETE"].contains(method) ? 0.2 : 0.8) {
            switch r.int(3) {
            case 0: body = Array("name,price\nBatman #01,12.5\n".utf8)
            case 1: body = Array("{\"instances\": [1, 2, 3], \"note\": \"Café\"}".utf8)
            default: body = (0..<(1 + r.int(300))).map { _ in UInt8(truncatingIfNeeded: r.next()) }
            }
        }
        // botocore leaves the payload unsigned outside S3 only over https.
        let unsigned = !query && r.chance(s3 ? 0.3 : 0.2) && (s3 || swiftURL.hasPrefix("https"))

        cases.append(
            RandomCase(
                id: id, query: query, service: s3 ? "s3" : "sagemaker", region: r.pick(regions),
                credentials: credentials, method: method, swiftURL: swiftURL, botoURL: botoURL, s3Key: s3Key,
                params: params, headers: headers, body: body, unsignedPayload: unsigned,
                date: 1_400_000_000 + Int64(r.int(600_000_000)), expires: 1 + r.int(604_800)))
    }
    return cases
}

@Suite(.ownThread) struct SigV4BotocoreTests {
    var python: String { ProcessInfo.processInfo.environment["FUNKO_PYTHON"] ?? "\(packageRoot)/.venv/bin/python" }

    @Test func sameSignaturesAsBotocore() throws {
        let cases = randomCases(count: 300, presigned: 40, seed: 20_150_830)
        let dir = try TempDir()
        let input = dir.file("cases.json")
        try JSONSerialization.data(withJSONObject: ["cases": cases.map(\.json)]).write(to: URL(fileURLWithPath: input))
        let run = try runProcess(python, ["\(packageRoot)/Tests/python/botocore_sign.py", input])
        try #require(
            run.status == 0,
            "botocore_sign.py failed (needs botocore from scripts/requirements-dev.txt in \(python)): \(run.stderr)")
        let output = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let results = try #require(output["results"] as? [[String: Any]])
        try #require(results.count == cases.count)

        var headerMatches = 0
        var queryMatches = 0
        for (c, result) in zip(cases, results) {
            let signer = c.signer
            let botoCanonical = result["canonical"] as? String ?? ""
            if c.query {
                let url = signer.presign(
                    method: c.method, url: c.swiftURL, headers: c.headers, expires: c.expires, date: c.date,
                    payloadHash: c.payloadHash)
                let botoURL = result["url"] as? String ?? ""
                let ours = decodedQuery(url)
                let theirs = decodedQuery(botoURL)
                let toSign = signer.presignURLToSign(
                    url: c.swiftURL, headers: c.headers, expires: c.expires, date: c.date)
                let canonical = signer.canonicalRequest(
                    method: c.method, url: toSign, headers: c.headers, payloadHash: c.payloadHash
                ).canonical
                #expect(
                    ours == theirs,
                    "presign case \(c.id): \(c.swiftURL)\nswift:    \(url)\nbotocore: \(botoURL)\nswift canonical:\n\(canonical)\nbotocore canonical:\n\(botoCanonical)"
                )
                if ours == theirs { queryMatches += 1 }
            } else {
                let signed = signer.sign(
                    method: c.method, url: c.swiftURL, headers: c.headers, payloadHash: c.payloadHash, date: c.date)
                let authorization = signed.last { $0.0 == "Authorization" }?.1
                let toSign = signer.signingHeaders(
                    url: c.swiftURL, headers: c.headers, payloadHash: c.payloadHash, date: c.date)
                let canonical = signer.canonicalRequest(
                    method: c.method, url: c.swiftURL, headers: toSign, payloadHash: c.payloadHash
                ).canonical
                #expect(
                    authorization == result["authorization"] as? String,
                    "case \(c.id) \(c.service) \(c.method) \(c.swiftURL)\nswift canonical:\n\(canonical)\nbotocore canonical:\n\(botoCanonical)"
                )
                // What is sent matches too (botocore leaves Host to its HTTP client).
                let callerHasHost = c.headers.contains { $0.0.lowercased() == "host" }
                let sent = signed.filter { callerHasHost || $0.0.lowercased() != "host" }
                let botoHeaders = (result["headers"] as? [[String]] ?? []).map { ($0[0], $0[1]) }
                #expect(headerSet(sent) == headerSet(botoHeaders), "case \(c.id): headers sent")
                if authorization == result["authorization"] as? String { headerMatches += 1 }
            }
        }
        print(
            "SigV4 vs botocore \(output["botocore"] ?? "?"): \(headerMatches)/\(cases.count - 40) Authorization headers, \(queryMatches)/40 presigned URLs match"
        )
        #expect(headerMatches == 300)
        #expect(queryMatches == 40)
    }
}
