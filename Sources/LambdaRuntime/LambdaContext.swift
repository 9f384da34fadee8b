import FunkoCore

/// What the Runtime API says about one invocation.
public struct LambdaContext: Sendable {
    public var requestID: String
    /// Epoch milliseconds by which the function must answer.
    public var deadlineMilliseconds: Int64
    public var invokedFunctionARN: String
    public var traceID: String?
    public var logger: Logger

    public init(requestID: String, deadlineMilliseconds: Int64, invokedFunctionARN: String, traceID: String?) {
        self.requestID = requestID
        self.deadlineMilliseconds = deadlineMilliseconds
        self.invokedFunctionARN = invokedFunctionARN
        self.traceID = traceID
        logger = Logger(requestID: requestID)
    }

    /// Seconds left before the deadline (negative once passed).
    public var remainingTime: Double { Double(deadlineMilliseconds - Time.nowMilliseconds()) / 1000 }
}

/// A function body: event bytes in, response bytes out. Thrown errors become Lambda function
/// errors (`/error`), and the runtime goes on to the next invocation.
public protocol LambdaHandler {
    func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8]
}

/// How a thrown error is reported to Lambda.
public protocol LambdaReportableError: Error {
    var errorType: String { get }
    var errorMessage: String { get }
}

extension FunkoError: LambdaReportableError {
    public var errorType: String {
        switch code {
        case .badRequest: "BadRequest"
        case .forbidden: "Forbidden"
        case .notFound: "NotFound"
        case .methodNotAllowed: "MethodNotAllowed"
        case .payloadTooLarge: "PayloadTooLarge"
        case .unavailable: "ServiceUnavailable"
        case .internalError: "InternalError"
        }
    }
    public var errorMessage: String { message }
}
