/// An error a person can act on: one line that says what went wrong and what to do.
/// `code`/`status` map it onto the HTTP API (docs/api.md, "Errors") for the handlers.
public struct FunkoError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Code: String, Sendable {
        case badRequest = "bad_request"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case payloadTooLarge = "payload_too_large"
        case unavailable = "service_unavailable"
        case internalError = "internal_error"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var status: Int {
        switch code {
        case .badRequest: 400
        case .notFound: 404
        case .methodNotAllowed: 405
        case .payloadTooLarge: 413
        case .unavailable: 503
        case .internalError: 500
        }
    }

    public var description: String { message }

    public static func badRequest(_ m: String) -> FunkoError { FunkoError(.badRequest, m) }
    public static func notFound(_ m: String) -> FunkoError { FunkoError(.notFound, m) }
    public static func unavailable(_ m: String) -> FunkoError { FunkoError(.unavailable, m) }
}
