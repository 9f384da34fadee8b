/// An error a person can act on: one line that says what went wrong and what to do.
/// `code`/`status` map it onto the HTTP API (docs/api.md, "Errors") for the handlers.
public struct FunkoError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Code: String, Sendable {
        case badRequest = "bad_request"
        case forbidden = "forbidden"
        case notFound = "not_found"
        case methodNotAllowed = "method_not_allowed"
        case payloadTooLarge = "payload_too_large"
        case unavailable = "service_unavailable"
        case internalError = "internal_error"
    }

    public var code: Code
    public var message: String
    /// The request field the error is about (`future_days`, `condition`, ...), so a form can show
    /// the message next to it; nil for errors about the request as a whole.
    public var field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var status: Int {
        switch code {
        case .badRequest: 400
        case .forbidden: 403
        case .notFound: 404
        case .methodNotAllowed: 405
        case .payloadTooLarge: 413
        case .unavailable: 503
        case .internalError: 500
        }
    }

    public var description: String { message }

    public static func badRequest(_ m: String, field: String? = nil) -> FunkoError {
        FunkoError(.badRequest, m, field: field)
    }
    public static func notFound(_ m: String) -> FunkoError { FunkoError(.notFound, m) }
    public static func unavailable(_ m: String) -> FunkoError { FunkoError(.unavailable, m) }
}
