import FunkoCore
import FunkoHTTP

/// The Lambda Runtime API (2018-06-01) over one kept-alive libcurl handle.
public final class RuntimeClient {
    public struct Invocation {
        public var context: LambdaContext
        public var event: [UInt8]
    }

    public struct ProtocolError: Error, CustomStringConvertible {
        public var description: String
    }

    private let base: String
    private let http = HTTPClient(caBundle: nil)

    /// `endpoint` is `AWS_LAMBDA_RUNTIME_API` (host:port).
    public init(endpoint: String) {
        base = "http://\(endpoint)/2018-06-01/runtime"
    }

    /// Long-polls for the next event. Throws on transport errors and on replies that are not a
    /// valid invocation (the loop backs off and asks again).
    public func next() throws -> Invocation {
        let r = try http.send(HTTPRequest(url: "\(base)/invocation/next", timeout: nil))
        guard r.status == 200 else {
            throw ProtocolError(description: "next answered HTTP \(r.status): \(r.text.prefix(200))")
        }
        guard let id = r.header("lambda-runtime-aws-request-id"), !id.isEmpty else {
            throw ProtocolError(description: "next answered without Lambda-Runtime-Aws-Request-Id")
        }
        let deadline = r.header("lambda-runtime-deadline-ms").flatMap { Int64($0) } ?? Time.nowMilliseconds() + 3000
        let context = LambdaContext(
            requestID: id, deadlineMilliseconds: deadline,
            invokedFunctionARN: r.header("lambda-runtime-invoked-function-arn") ?? "",
            traceID: r.header("lambda-runtime-trace-id"))
        return Invocation(context: context, event: r.body)
    }

    public func respond(requestID: String, body: [UInt8]) throws {
        try post("\(base)/invocation/\(requestID)/response", body: body, errorType: nil)
    }

    public func fail(requestID: String, errorType: String, message: String) throws {
        try post(
            "\(base)/invocation/\(requestID)/error", body: Self.errorBody(errorType, message), errorType: errorType)
    }

    public func initError(errorType: String, message: String) throws {
        try post("\(base)/init/error", body: Self.errorBody(errorType, message), errorType: errorType)
    }

    static func errorBody(_ type: String, _ message: String) -> [UInt8] {
        let payload: [String: JSONValue] = [
            "errorType": .string(type), "errorMessage": .string(message), "stackTrace": .array([]),
        ]
        return Array(JSONValue.object(payload).serialized.utf8)
    }

    private func post(_ url: String, body: [UInt8], errorType: String?) throws {
        var headers = [("Content-Type", "application/json")]
        if let errorType { headers.append(("Lambda-Runtime-Function-Error-Type", errorType)) }
        let r = try http.send(HTTPRequest(method: "POST", url: url, headers: headers, body: body, timeout: 30))
        guard (200..<300).contains(r.status) else {
            throw ProtocolError(
                description:
                    "\(url.split(separator: "/").suffix(2).joined(separator: "/")) answered HTTP \(r.status): \(r.text.prefix(200))"
            )
        }
    }
}
