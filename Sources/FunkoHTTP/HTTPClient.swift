import CCurl
import FunkoCore

#if canImport(Glibc)
    import Glibc
#endif

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Whole-request limit in seconds; nil waits forever (the Runtime API's long poll).
    public var timeout: Double?
    public var connectTimeout: Double

    public init(
        method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8] = [],
        timeout: Double? = 30, connectTimeout: Double = 5
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Names lower-cased, in arrival order.
    public var headers: [(String, String)]
    public var body: [UInt8]

    /// Package-wide so the fuzz entry points can build answers (the AWS error parsers' input).
    package init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let n = name.lowercased()
        return headers.first { $0.0 == n }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transport failure: the request got no HTTP answer. Carries libcurl's reason.
public struct HTTPError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case timeout, connect, other }
    public var kind: Kind
    public var url: String
    public var message: String
    public var description: String { "\(url): \(message)" }
}

/// HTTP over libcurl with one easy handle reused for every request, so connections stay alive
/// across Lambda invocations. Not thread-safe: one client per thread.
public final class HTTPClient {
    private let handle: UnsafeMutableRawPointer
    private let caBundle: String?
    /// libcurl writes failure details here during a transfer: memory that must not move.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public init(caBundle: String? = HTTPClient.defaultCABundle()) {
        _ = Self.globalInit
        handle = curl_easy_init()
        self.caBundle = caBundle
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// `SSL_CERT_FILE`, else the first bundle that exists: Amazon Linux, then Debian.
    public static func defaultCABundle() -> String? {
        if let env = getenv("SSL_CERT_FILE") { return String(cString: env) }
        return ["/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/certs/ca-certificates.crt"].first {
            access($0, R_OK) == 0
        }
    }

    /// Sends the request and collects the whole answer.
    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        var body: [UInt8] = []
        let head = try stream(request, body: BodySource(request.body)) {
            body.append(contentsOf: $0)
            return true
        }
        return HTTPResponse(status: head.status, headers: head.headers, body: body)
    }

    /// Sends the request with its body read from `body` and hands the answer's body to `sink`
    /// chunk by chunk (return false to abort). For large objects that should not sit in memory.
    public func stream(
        _ request: HTTPRequest, body: BodySource,
        sink: @escaping (UnsafeRawBufferPointer) -> Bool
    ) throws -> (status: Int, headers: [(String, String)]) {
        let ctx = TransferContext(source: body, sink: sink)
        let unmanaged = Unmanaged.passRetained(ctx)
        defer { unmanaged.release() }
        let me = unmanaged.toOpaque()
        curl_easy_reset(handle)  // options only; the connection cache survives
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        var headers = request.headers
        if !headers.contains(where: { $0.0.lowercased() == "expect" }) { headers.append(("Expect", "")) }
        if request.body.isEmpty, body.size == 0, ["POST", "PUT"].contains(request.method),
            !headers.contains(where: { $0.0.lowercased() == "content-length" })
        {
            headers.append(("Content-Length", "0"))
        }
        for (k, v) in headers { list = curl_slist_append(list, v.isEmpty ? "\(k):" : "\(k): \(v)") }

        errorBuffer.pointee = 0
        var rc = CURLE_OK
        func set(_ r: CURLcode) { if rc == CURLE_OK { rc = r } }
        set(funko_curl_setopt_str(handle, CURLOPT_URL, request.url))
        set(funko_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(funko_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
        // Send the path as signed: curl would otherwise squash /./ and /../ segments (S3 keys may hold them).
        set(funko_curl_setopt_long(handle, CURLOPT_PATH_AS_IS, 1))
        set(funko_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000)))
        set(funko_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, request.timeout.map { max(1, Int($0 * 1000)) } ?? 0))
        set(funko_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list))
        set(funko_curl_setopt_ptr(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        if let ca = caBundle { set(funko_curl_setopt_str(handle, CURLOPT_CAINFO, ca)) }
        set(
            funko_curl_setopt_data_cb(
                handle, CURLOPT_WRITEFUNCTION,
                { ptr, size, count, user in
                    let ctx = Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue()
                    let n = size * count
                    return ctx.sink(UnsafeRawBufferPointer(start: ptr, count: n)) ? n : 0
                }))
        set(funko_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, me))
        set(
            funko_curl_setopt_data_cb(
                handle, CURLOPT_HEADERFUNCTION,
                { ptr, size, count, user in
                    let ctx = Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue()
                    let n = size * count
                    ctx.header(String(decoding: UnsafeRawBufferPointer(start: ptr, count: n), as: UTF8.self))
                    return n
                }))
        set(funko_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, me))
        switch request.method {
        case "GET": set(funko_curl_setopt_long(handle, CURLOPT_HTTPGET, 1))
        case "HEAD": set(funko_curl_setopt_long(handle, CURLOPT_NOBODY, 1))
        default:
            // Any method with a body: curl's upload mode streams it through the read callback.
            set(funko_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
            set(funko_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(body.size)))
            set(
                funko_curl_setopt_data_cb(
                    handle, CURLOPT_READFUNCTION,
                    { ptr, size, count, user in
                        let ctx = Unmanaged<TransferContext>.fromOpaque(user!).takeUnretainedValue()
                        return ctx.source.read(into: UnsafeMutableRawBufferPointer(start: ptr, count: size * count))
                    }))
            set(funko_curl_setopt_ptr(handle, CURLOPT_READDATA, me))
            set(funko_curl_setopt_str(handle, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if rc == CURLE_OK { rc = curl_easy_perform(handle) }
        guard rc == CURLE_OK else {
            let detail =
                errorBuffer.pointee != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(rc))
            let kind: HTTPError.Kind =
                rc == CURLE_OPERATION_TIMEDOUT ? .timeout : (rc == CURLE_COULDNT_CONNECT ? .connect : .other)
            throw HTTPError(kind: kind, url: Self.redacted(request.url), message: detail)
        }
        var status = 0
        _ = funko_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return (status, ctx.headers)
    }

    /// URLs in errors lose their query string: presigned URLs carry credentials there.
    static func redacted(_ url: String) -> String {
        url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
    }
}

/// Where a request body comes from: bytes in memory or any reader with a known size.
public final class BodySource {
    public let size: Int
    private let reader: (UnsafeMutableRawBufferPointer) -> Int

    public init(size: Int, reader: @escaping (UnsafeMutableRawBufferPointer) -> Int) {
        self.size = size
        self.reader = reader
    }

    public convenience init(_ bytes: [UInt8]) {
        var offset = 0
        self.init(size: bytes.count) { buf in
            let n = min(buf.count, bytes.count - offset)
            guard n > 0 else { return 0 }
            bytes.withUnsafeBytes { src in
                buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[offset..<(offset + n)]))
            }
            offset += n
            return n
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int { reader(buffer) }
}

private final class TransferContext {
    let source: BodySource
    let sink: (UnsafeRawBufferPointer) -> Bool
    var headers: [(String, String)] = []

    init(source: BodySource, sink: @escaping (UnsafeRawBufferPointer) -> Bool) {
        self.source = source
        self.sink = sink
    }

    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }  // a new response (after 100 Continue, redirects)
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = String(line[line.index(after: colon)...]).trimmed
        headers.append((name, value))
    }
}
