import FlyingFox
import Foundation

/// An event as the Runtime API hands it to `next`.
struct Delivery: Sendable {
    var requestID: String
    var event: [UInt8]
    var deadline: Date
    var functionARN: String

    var response: HTTPResponse {
        HTTPResponse(
            statusCode: .ok,
            headers: [
                HTTPHeader("Lambda-Runtime-Aws-Request-Id"): requestID,
                HTTPHeader("Lambda-Runtime-Deadline-Ms"): String(Int64(deadline.timeIntervalSince1970 * 1000)),
                HTTPHeader("Lambda-Runtime-Invoked-Function-Arn"): functionARN,
                HTTPHeader("Lambda-Runtime-Trace-Id"): Self.traceID(),
                .contentType: "application/json",
            ], body: Data(event))
    }

    /// X-Ray format: `Root=1-<epoch seconds, 8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0`.
    static func traceID() -> String {
        let seconds = String(UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970)), radix: 16)
        let epoch = String(repeating: "0", count: 8 - seconds.count) + seconds
        return "Root=1-\(epoch)-\(Hex.random(24));Parent=\(Hex.random(16));Sampled=0"
    }
}

extension HTTPResponse {
    static func runtimeAPI(_ status: HTTPStatusCode, _ json: String) -> HTTPResponse {
        HTTPResponse(statusCode: status, headers: [.contentType: "application/json"], body: Data(json.utf8))
    }
}

/// The error document Lambda returns for failures the function did not report itself.
struct ErrorBody: Encodable {
    var errorMessage: String
    var errorType: String

    static func encode(_ message: String, type: String) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(ErrorBody(errorMessage: message, errorType: type))) ?? Data())
    }
}

enum Hex {
    static func random(_ digits: Int) -> String {
        String((0..<digits).map { _ in "0123456789abcdef".randomElement()! })
    }
}
