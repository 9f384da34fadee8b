import AWSSigV4
import FunkoCore
import FunkoHTTP

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// An AWS API error: the service's own code and message, ready to show a person.
public struct AWSError: Error, CustomStringConvertible, Sendable {
    public var service: String
    public var operation: String
    public var status: Int
    public var code: String
    public var message: String
    public var requestID: String?

    public var description: String {
        "\(service) \(operation) failed: \(code) (HTTP \(status))" + (message.isEmpty ? "" : ": \(message)")
            + (requestID.map { " [request id \($0)]" } ?? "")
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded",
        "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    ]

    /// Throttling and server-side errors are worth another try; client errors are not.
    public var isRetryable: Bool { status >= 500 || status == 429 || Self.throttlingCodes.contains(code) }
}

/// How often a request is tried, and how long to wait between tries.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var backoff: Backoff
    public init(maxAttempts: Int = 4, backoff: Backoff = Backoff(base: 0.05, cap: 5)) {
        self.maxAttempts = maxAttempts
        self.backoff = backoff
    }
}

/// Signs, sends and retries requests for one AWS service. Not thread-safe (one HTTP handle).
public final class AWSClient {
    public let config: AWSConfig
    public let service: AWSService
    public var retry: RetryPolicy
    /// Per-attempt limit in seconds; each attempt also ends by the deadline.
    public var timeout: Double
    let http: HTTPClient
    let signer: SigV4Signer

    public init(
        config: AWSConfig, service: AWSService, retry: RetryPolicy = RetryPolicy(), timeout: Double = 30,
        http: HTTPClient = HTTPClient()
    ) {
        self.config = config
        self.service = service
        self.retry = retry
        self.timeout = timeout
        self.http = http
        signer = SigV4Signer(credentials: config.credentials, region: config.region, service: service.signingName)
    }

    public struct Request {
        public var operation: String
        public var method: String
        /// Already URI-encoded path, starting with "/".
        public var path: String
        public var query: [(String, String)]
        public var headers: [(String, String)]
        public var body: [UInt8]
        /// Host override (S3 virtual-hosted style).
        public var host: String?
        public init(
            operation: String, method: String, path: String, query: [(String, String)] = [],
            headers: [(String, String)] = [],
            body: [UInt8] = [], host: String? = nil
        ) {
            self.operation = operation
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
            self.host = host
        }
    }

    /// Sends with retries. `deadline` (epoch milliseconds, e.g. the Lambda deadline) bounds every
    /// attempt and every wait; a 2xx answer is returned, anything else thrown as `AWSError` (or
    /// `HTTPError` when no answer came).
    public func send(_ r: Request, deadline: Int64? = nil) throws -> HTTPResponse {
        var attempt = 0
        while true {
            var limit = timeout
            if let deadline {
                let left = Double(deadline - Time.nowMilliseconds()) / 1000
                guard left > 0.05 else {
                    throw FunkoError.unavailable(
                        "\(service.displayName) \(r.operation): no time left before the deadline")
                }
                limit = min(limit, left)
            }
            do {
                let response = try http.send(signed(r, timeout: limit))
                if (200..<300).contains(response.status) { return response }
                let error = Self.parseError(response, service: service.displayName, operation: r.operation)
                guard error.isRetryable, attempt + 1 < retry.maxAttempts else { throw error }
            } catch let e as HTTPError {
                // Timeouts are not retried: the time is spent; connection failures are.
                guard e.kind == .connect || e.kind == .other, attempt + 1 < retry.maxAttempts else { throw e }
            }
            let wait = retry.backoff.delay(attempt: attempt)
            if let deadline, Double(deadline - Time.nowMilliseconds()) / 1000 < wait + 0.05 {
                throw FunkoError.unavailable("\(service.displayName) \(r.operation): retries would pass the deadline")
            }
            usleep(useconds_t(wait * 1_000_000))
            attempt += 1
        }
    }

    func url(_ r: Request) -> String {
        var base = config.endpoint(service)
        if let host = r.host, let scheme = base.firstRange(of: "://") {
            base = String(base[..<scheme.upperBound]) + host
        }
        let query = r.query.map { "\(AWSURI.encode($0.0))=\(AWSURI.encode($0.1))" }.joined(separator: "&")
        return base + r.path + (query.isEmpty ? "" : "?" + query)
    }

    func signed(_ r: Request, timeout: Double) -> HTTPRequest {
        let u = url(r)
        let headers = signer.sign(
            method: r.method, url: u, headers: r.headers, payloadHash: SigV4Signer.sha256Hex(r.body),
            date: Time.now())
        return HTTPRequest(method: r.method, url: u, headers: headers, body: r.body, timeout: timeout)
    }

    /// A presigned URL for `r` (S3 GET/PUT without credentials at hand).
    public func presignedURL(_ r: Request, expires: Int) -> String {
        signer.presign(method: r.method, url: url(r), expires: expires, date: Time.now())
    }

    /// The error of a non-2xx answer: XML (`<Code>`/`<Message>`, S3 and Query APIs) or JSON
    /// (`__type`/`message`, JSON APIs), or the `x-amzn-ErrorType` header.
    package static func parseError(_ r: HTTPResponse, service: String, operation: String) -> AWSError {
        let text = r.text
        var code = XML.first("Code", in: text) ?? ""
        var message = XML.first("Message", in: text) ?? ""
        if code.isEmpty, let json = try? JSON.decode([String: JSONValue].self, from: r.body) {
            code = (json["__type"]?.string ?? json["code"]?.string ?? json["Code"]?.string ?? "")
            message = json["message"]?.string ?? json["Message"]?.string ?? ""
        }
        if code.isEmpty { code = r.header("x-amzn-errortype") ?? "" }
        if let hash = code.lastIndex(of: "#") { code = String(code[code.index(after: hash)...]) }
        if let colon = code.firstIndex(of: ":") { code = String(code[..<colon]) }
        if code.isEmpty { code = r.status == 404 ? "NotFound" : "HTTP\(r.status)" }
        return AWSError(
            service: service, operation: operation, status: r.status, code: code, message: message,
            requestID: r.header("x-amzn-requestid") ?? r.header("x-amz-request-id") ?? XML.first("RequestId", in: text))
    }
}

/// RFC 3986 encoding as AWS wants it (unreserved characters only; `/` kept where asked).
public enum AWSURI {
    public static func encode(_ s: String, keepSlash: Bool = false) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, 0x2D, 0x2E, 0x5F, 0x7E:
                out.unicodeScalars.append(UnicodeScalar(b))
            case 0x2F where keepSlash: out += "/"
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
            }
        }
        return out
    }
}

/// Just enough XML for AWS answers: the text of elements by name, entities decoded.
enum XML {
    static func all(_ tag: String, in text: String) -> [String] {
        var out: [String] = []
        var rest = text[...]
        let open = "<\(tag)>"
        let close = "</\(tag)>"
        while let a = rest.firstRange(of: open), let b = rest[a.upperBound...].firstRange(of: close) {
            out.append(unescape(String(rest[a.upperBound..<b.lowerBound])))
            rest = rest[b.upperBound...]
        }
        return out
    }

    static func first(_ tag: String, in text: String) -> String? { all(tag, in: text).first }

    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingAll("&lt;", "<").replacingAll("&gt;", ">").replacingAll("&quot;", "\"").replacingAll(
            "&apos;", "'"
        ).replacingAll("&amp;", "&")
    }

    static func escape(_ s: String) -> String {
        s.replacingAll("&", "&amp;").replacingAll("<", "&lt;").replacingAll(">", "&gt;")
    }
}

extension String {
    func replacingAll(_ a: String, _ b: String) -> String { replacing(a, with: b) }
}
