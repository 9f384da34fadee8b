import Foundation
import FunkoTestSupport
import Testing

@testable import AWSSigV4
@testable import FunkoCore

// MARK: - The AWS signing test suite

/// A request as the test-suite files write it: request line, headers (continuation lines of a
/// multi-line value kept with their line breaks, repeated names kept), blank line, body.
private struct SuiteHTTP {
    var method = "", target = ""
    var headers: [(String, String)] = []
    var body = ""

    init(_ text: String) {
        var lines = text.components(separatedBy: "\n")[...]
        let requestLine = lines.popFirst() ?? ""
        let firstSpace = requestLine.firstIndex(of: " ") ?? requestLine.endIndex
        let lastSpace = requestLine.lastIndex(of: " ") ?? requestLine.endIndex
        method = String(requestLine[..<firstSpace])
        if firstSpace < lastSpace { target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace]) }
        while let line = lines.popFirst() {
            if line.isEmpty {
                body = lines.joined(separator: "\n")
                break
            }
            if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].1 += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
    }
}

@Suite struct SigV4SuiteTests {
    @Test func awsSigningTestSuite() throws {
        // AWS's own cases (awslabs/aws-c-auth, Apache-2.0), kept in the repository.
        let root = "\(packageRoot)/Tests/Fixtures/aws-sigv4-test-suite/v4"
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = fm.fileExists(atPath: root, isDirectory: &isDirectory)
        try #require(exists, "SigV4 test suite not found at \(root)")
        try #require(isDirectory.boolValue, "\(root) is not a folder")
        let caseNames = try fm.contentsOfDirectory(atPath: root).sorted().filter {
            fm.fileExists(atPath: "\(root)/\($0)/request.txt")
        }
        #expect(!caseNames.isEmpty, "no test cases (folders with request.txt) in \(root)")

        var headerCases = 0
        var queryCases = 0
        for name in caseNames {
            let dir = "\(root)/\(name)"
            func file(_ f: String) throws -> String { try String(contentsOfFile: "\(dir)/\(f)", encoding: .utf8) }
            let context = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/context.json")))
                    as? [String: Any])
            let creds = try #require(context["credentials"] as? [String: Any])
            let credentials = AWSCredentials(
                accessKeyID: try #require(creds["access_key_id"] as? String),
                secretAccessKey: try #require(creds["secret_access_key"] as? String),
                sessionToken: creds["token"] as? String)
            var signer = SigV4Signer(
                credentials: credentials, region: try #require(context["region"] as? String),
                service: try #require(context["service"] as? String))
            signer.s3Rules = !((context["normalize"] as? Bool) ?? true)
            signer.signPayloadHeader = (context["sign_body"] as? Bool) ?? false
            signer.omitSessionToken = (context["omit_session_token"] as? Bool) ?? false
            let timestamp = try #require(context["timestamp"] as? String)
            let date = try #require(Time.parseISO8601(timestamp))

            let request = SuiteHTTP(try file("request.txt"))
            let host = request.headers.first { $0.0.lowercased() == "host" }?.1 ?? "example.amazonaws.com"
            let url = "https://\(host)\(request.target)"
            let bodyHash = SigV4Signer.sha256Hex(Array(request.body.utf8))

            // Header signing: every step, then the headers `sign` returns against the signed request.
            let toSign = signer.signingHeaders(url: url, headers: request.headers, payloadHash: bodyHash, date: date)
            let (canonical, signedHeaders) = signer.canonicalRequest(
                method: request.method, url: url, headers: toSign, payloadHash: bodyHash)
            #expect(canonical == (try file("header-canonical-request.txt")), "\(name): header canonical request")
            let sts = signer.stringToSign(canonicalRequest: canonical, date: date)
            #expect(sts == (try file("header-string-to-sign.txt")), "\(name): header string to sign")
            let signature = signer.signature(stringToSign: sts, date: date)
            #expect(signature == (try file("header-signature.txt")), "\(name): header signature")
            let signed = signer.sign(
                method: request.method, url: url, headers: request.headers, payloadHash: bodyHash, date: date)
            #expect(
                signed.last?.1
                    == "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(signer.scope(date)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
            )
            let expectedSigned = SuiteHTTP(try file("header-signed-request.txt"))
            #expect(headerSet(signed) == headerSet(expectedSigned.headers), "\(name): signed headers")
            headerCases += 1

            // Query signing (presigned URL), where the case has it.
            guard fm.fileExists(atPath: "\(dir)/query-canonical-request.txt") else { continue }
            let expires = try #require(context["expiration_in_seconds"] as? Int)
            let queryURL = signer.presignURLToSign(url: url, headers: request.headers, expires: expires, date: date)
            let (qCanonical, _) = signer.canonicalRequest(
                method: request.method, url: queryURL, headers: request.headers, payloadHash: bodyHash)
            #expect(qCanonical == (try file("query-canonical-request.txt")), "\(name): query canonical request")
            let qSTS = signer.stringToSign(canonicalRequest: qCanonical, date: date)
            #expect(qSTS == (try file("query-string-to-sign.txt")), "\(name): query string to sign")
            let qSignature = signer.signature(stringToSign: qSTS, date: date)
            #expect(qSignature == (try file("query-signature.txt")), "\(name): query signature")
            let presigned = signer.presign(
                method: request.method, url: url, headers: request.headers, expires: expires, date: date,
                payloadHash: bodyHash)
            let expectedTarget = SuiteHTTP(try file("query-signed-request.txt")).target
            let target = String(presigned.dropFirst("https://\(host)".count))
            #expect(target.prefix { $0 != "?" } == expectedTarget.prefix { $0 != "?" }, "\(name): presigned path")
            #expect(decodedQuery(target) == decodedQuery(expectedTarget), "\(name): presigned query")
            queryCases += 1
        }
        print("SigV4 test suite: \(headerCases) header cases, \(queryCases) query cases")
        #expect(headerCases == caseNames.count)
        #expect(headerCases > 0)
    }
}

// MARK: - Secrets, hashing, details

@Suite struct SigV4DetailTests {
    @Test func secretsNeverPrinted() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        let token = "FwoGZXIvYXdzEJr//////////wEaDM3SECRETTOKEN+value=="
        let credentials = AWSCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: token)
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
        var dumped = ""
        var dumpedSigner = ""
        dump(credentials, to: &dumped)
        dump(signer, to: &dumpedSigner)
        let optional: AWSCredentials? = credentials
        let printed = [
            credentials.description, credentials.debugDescription, "\(credentials)", String(describing: credentials),
            String(reflecting: credentials), "\(optional as Any)", "\([credentials])", "\(["k": credentials])", dumped,
            signer.description, "\(signer)", String(reflecting: signer), dumpedSigner,
            "\(Mirror(reflecting: signer).children.map { "\($0.label ?? ""): \($0.value)" })",
            "\(Mirror(reflecting: credentials).children.map { "\($0.label ?? ""): \($0.value)" })",
        ]
        for text in printed {
            #expect(!text.contains(secret), "secret in: \(text)")
            #expect(!text.contains("wJalrXUt"), "secret in: \(text)")
            #expect(!text.contains("EXAMPLEKEY"), "secret in: \(text)")
            #expect(!text.contains(token), "session token in: \(text)")
            #expect(!text.contains("SECRETTOKEN"), "session token in: \(text)")
        }
        #expect(credentials.description == "AKIA…MPLE (secret hidden, session token hidden)")
        #expect(AWSCredentials(accessKeyID: "short", secretAccessKey: "s").description == "… (secret hidden)")
    }

    @Test func hashes() {
        #expect(SigV4Signer.emptyPayloadHash == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SigV4Signer.sha256Hex(Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let hasher = SHA256Hasher()
        var start = 0
        for size in [0, 1, 63, 64, 65, 4096, 30_000] {
            hasher.update(Array(big[start..<(start + size)]))
            start += size
        }
        big[start...].withUnsafeBytes { hasher.update($0) }
        let whole = SigV4Signer.sha256Hex(big)
        #expect(hasher.finalizeHex() == whole)
        #expect(big.withUnsafeBytes { SigV4Signer.sha256Hex($0) } == whole)
    }

    @Test func hostAndEncodingDetails() {
        #expect(URLParts("https://Bucket.S3.amazonaws.com:443/k").hostHeader == "bucket.s3.amazonaws.com")
        #expect(URLParts("http://localhost:5000/").hostHeader == "localhost:5000")
        #expect(URLParts("http://u:p@[::1]:80").hostHeader == "[::1]")
        #expect(URLParts("https://[::1]:8443/x?y#z").hostHeader == "[::1]:8443")
        #expect(URLParts("/no/host").hostHeader == nil)
        #expect(SigV4Signer.uriEncode(Array("a b+c/ü~".utf8)) == "a%20b%2Bc%2F%C3%BC~")

        let creds = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        let s3 = SigV4Signer(credentials: creds, region: "us-east-1", service: "s3")
        let other = SigV4Signer(credentials: creds, region: "us-east-1", service: "service")
        func path(_ signer: SigV4Signer, _ url: String) -> String {
            signer.canonicalRequest(method: "GET", url: url, headers: [], payloadHash: "").canonical.split(
                separator: "\n")[1].description
        }
        #expect(path(s3, "https://h/b/a%2bb/c d/%E1%88%b4/./../x//") == "/b/a%2Bb/c%20d/%E1%88%B4/./../x//")
        #expect(path(other, "https://h/a%20b/./c/../d//") == "/a%2520b/d/")
        #expect(path(other, "https://h/a/b/..") == "/a/")
        #expect(path(other, "https://h") == "/")
        #expect(path(s3, "https://h") == "/")
        // Signing again replaces the signer's own headers rather than adding a second copy.
        let first = s3.sign(
            method: "GET", url: "https://h/k", headers: [], payloadHash: SigV4Signer.emptyPayloadHash,
            date: 1_440_938_160)
        let again = s3.sign(
            method: "GET", url: "https://h/k", headers: first, payloadHash: SigV4Signer.emptyPayloadHash,
            date: 1_440_938_160)
        #expect(headerSet(first) == headerSet(again))
    }
}
