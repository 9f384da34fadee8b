/// Structured JSON log lines on stderr (CloudWatch keeps them per invocation). Every line carries
/// the request id when there is one. Never pass secrets in `fields`.
public struct Logger: Sendable {
    public enum Level: String, Sendable {
        case debug = "DEBUG"
        case info = "INFO"
        case warn = "WARN"
        case error = "ERROR"
    }

    public var requestID: String?
    /// Command-line use: warnings and errors only.
    public var quiet = false

    public init(requestID: String? = nil, quiet: Bool = false) {
        self.requestID = requestID
        self.quiet = quiet
    }

    public func log(_ level: Level, _ message: String, _ fields: [String: JSONValue] = [:]) {
        if quiet, level == .debug || level == .info { return }
        var line: [String: JSONValue] = fields
        line["timestamp"] = .string(Time.iso8601(milliseconds: Time.nowMilliseconds()))
        line["level"] = .string(level.rawValue)
        line["message"] = .string(message)
        if let requestID { line["requestId"] = .string(requestID) }
        writeStderr(JSONValue.object(line).serialized + "\n")
    }

    public func info(_ message: String, _ fields: [String: JSONValue] = [:]) { log(.info, message, fields) }
    public func warn(_ message: String, _ fields: [String: JSONValue] = [:]) { log(.warn, message, fields) }
    public func error(_ message: String, _ fields: [String: JSONValue] = [:]) { log(.error, message, fields) }
}
