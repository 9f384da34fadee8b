import FunkoCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What invoked the function, recognised from the event's shape.
public enum LambdaEvent: Sendable {
    /// API Gateway HTTP API (payload 2.0), REST API proxy (1.0) or a Function URL.
    case http(HTTPEvent)
    /// An EventBridge event: the weekly schedule, or another service's notification.
    case eventBridge(EventBridgeEvent)
    /// Any other JSON: a direct invocation (`aws lambda invoke`, another function).
    case direct([UInt8])

    public static func parse(_ bytes: [UInt8]) throws -> LambdaEvent {
        guard let raw = try? JSON.decode(RawEvent.self, from: bytes) else { return .direct(bytes) }
        if let http = raw.requestContext?.http {
            return .http(
                try HTTPEvent(
                    format: .v2, method: http.method, path: raw.rawPath ?? http.path ?? "/",
                    routeKey: raw.routeKey, raw: raw))
        }
        if let method = raw.httpMethod {
            return .http(
                try HTTPEvent(
                    format: .v1, method: method, path: raw.path ?? "/",
                    routeKey: raw.resource.map { "\(method) \($0)" }, raw: raw))
        }
        if let source = raw.source, let type = raw.detailType {
            return .eventBridge(
                EventBridgeEvent(
                    id: raw.id ?? "", source: source, detailType: type, time: raw.time ?? "",
                    resources: raw.resources ?? [], detail: raw.detail ?? .null))
        }
        return .direct(bytes)
    }
}

/// An HTTP request from API Gateway or a Function URL, normalised.
public struct HTTPEvent: Sendable {
    public enum Format: Sendable { case v1, v2 }
    public var format: Format
    public var method: String
    public var path: String
    /// `POST /predict`, `GET /history/{funko_pop_id}`; nil for `$default` and Function URLs.
    public var routeKey: String?
    public var pathParameters: [String: String]
    public var query: [String: String]
    /// Names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]
    /// API Gateway's own request id, for correlating with its access logs.
    public var apiRequestID: String?

    public init(
        format: Format = .v2, method: String, path: String, routeKey: String? = nil,
        pathParameters: [String: String] = [:],
        query: [String: String] = [:], headers: [String: String] = [:], body: [UInt8] = [], apiRequestID: String? = nil
    ) {
        self.format = format
        self.method = method.uppercased()
        self.path = path
        self.routeKey = routeKey
        self.pathParameters = pathParameters
        self.query = query
        self.headers = headers
        self.body = body
        self.apiRequestID = apiRequestID
    }

    init(format: Format, method: String, path: String, routeKey: String?, raw: RawEvent) throws {
        var body = Array((raw.body ?? "").utf8)
        if raw.isBase64Encoded == true, let b = raw.body {
            guard let data = Data(base64Encoded: b) else {
                throw FunkoError.badRequest("request body is marked base64 but is not valid base64")
            }
            body = Array(data)
        }
        var headers: [String: String] = [:]
        for (k, v) in raw.headers ?? [:] { if let v { headers[k.lowercased()] = v } }
        var query: [String: String] = [:]
        for (k, v) in raw.queryStringParameters ?? [:] { if let v { query[k] = v } }
        var params: [String: String] = [:]
        for (k, v) in raw.pathParameters ?? [:] { if let v { params[k] = v } }
        self.init(
            format: format, method: method, path: path, routeKey: routeKey == "$default" ? nil : routeKey,
            pathParameters: params, query: query, headers: headers, body: body,
            apiRequestID: raw.requestContext?.requestId)
    }

    /// A payload-2.0 event for this request, as API Gateway would send it (used by `funko serve`).
    public func encodedV2(requestID: String, time: EpochSeconds) throws -> [UInt8] {
        let bodyText = String(decoding: body, as: UTF8.self)
        let isText = Array(bodyText.utf8) == body
        let event: [String: JSONValue] = [
            "version": .string("2.0"),
            "routeKey": .string(routeKey ?? "$default"),
            "rawPath": .string(path),
            "rawQueryString": .string(
                query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")),
            "headers": .object(headers.mapValues { .string($0) }),
            "queryStringParameters": query.isEmpty ? .null : .object(query.mapValues { .string($0) }),
            "pathParameters": pathParameters.isEmpty ? .null : .object(pathParameters.mapValues { .string($0) }),
            "requestContext": .object([
                "accountId": .string("000000000000"), "apiId": .string("local"), "domainName": .string("localhost"),
                "http": .object([
                    "method": .string(method), "path": .string(path), "protocol": .string("HTTP/1.1"),
                    "sourceIp": .string("127.0.0.1"), "userAgent": .string(headers["user-agent"] ?? ""),
                ]),
                "requestId": .string(requestID), "routeKey": .string(routeKey ?? "$default"),
                "stage": .string("$default"),
                "time": .string(Time.iso8601(time)), "timeEpoch": .number(Double(time * 1000)),
            ]),
            "body": body.isEmpty ? .null : .string(isText ? bodyText : Data(body).base64EncodedString()),
            "isBase64Encoded": .bool(!isText),
        ]
        return Array(try JSON.encode(event).utf8)
    }
}

/// The answer to an `HTTPEvent`, encoded in the format the event came in.
public struct HTTPResult: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = ["content-type": "application/json"], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// `{"statusCode", "headers", "body", "isBase64Encoded"}`: the shape both payload versions
    /// and Function URLs accept. Bodies that are not UTF-8 travel base64-encoded.
    public func encoded(for format: HTTPEvent.Format) throws -> [UInt8] {
        let text = String(decoding: body, as: UTF8.self)
        let isText = Array(text.utf8) == body
        // JSONValue writes what JSON.encode would for `EncodedResult`, in a tenth of the time for
        // a large body (GET /history of a busy Pop answers half a megabyte).
        let out: [String: JSONValue] = [
            "statusCode": .number(Double(status)), "headers": .object(headers.mapValues(JSONValue.string)),
            "body": .string(isText ? text : Data(body).base64EncodedString()), "isBase64Encoded": .bool(!isText),
        ]
        return Array(JSONValue.object(out).serialized.utf8)
    }

    /// Reads back an encoded result (`funko serve`, tests).
    public static func decode(_ bytes: [UInt8]) throws -> HTTPResult {
        let e = try JSON.decode(EncodedResult.self, from: bytes)
        let body =
            e.isBase64Encoded == true ? Array(Data(base64Encoded: e.body ?? "") ?? Data()) : Array((e.body ?? "").utf8)
        return HTTPResult(status: e.statusCode, headers: e.headers ?? [:], body: body)
    }

    struct EncodedResult: Codable {
        var statusCode: Int
        var headers: [String: String]?
        var body: String?
        var isBase64Encoded: Bool?
    }
}

public struct EventBridgeEvent: Sendable {
    public var id: String
    public var source: String
    public var detailType: String
    public var time: String
    public var resources: [String]
    public var detail: JSONValue

    /// The weekly retraining rule.
    public var isSchedule: Bool { source == "aws.events" && detailType == "Scheduled Event" }
}

/// Every field any supported event may carry, all optional; the shape decides the kind.
struct RawEvent: Decodable {
    struct RequestContext: Decodable {
        struct HTTP: Decodable {
            var method: String
            var path: String?
        }
        var http: HTTP?
        var requestId: String?
    }
    var version: String?
    var routeKey: String?
    var rawPath: String?
    var headers: [String: String?]?
    var queryStringParameters: [String: String?]?
    var pathParameters: [String: String?]?
    var body: String?
    var isBase64Encoded: Bool?
    var requestContext: RequestContext?
    var httpMethod: String?
    var path: String?
    var resource: String?
    var source: String?
    var detailType: String?
    var detail: JSONValue?
    var id: String?
    var time: String?
    var resources: [String]?

    enum CodingKeys: String, CodingKey {
        case version, routeKey, rawPath, headers, queryStringParameters, pathParameters, body, isBase64Encoded
        case requestContext, httpMethod, path, resource, source
        case detailType = "detail-type"
        case detail, id, time, resources
    }
}

/// SageMaker's "Training Job State Change" event, which tells retrain-trigger a job finished.
public struct TrainingJobEvent: Sendable {
    public static let detailType = "SageMaker Training Job State Change"
    public var name: String
    public var status: String

    public init(_ e: EventBridgeEvent) throws {
        guard e.source == "aws.sagemaker", let name = e.detail["TrainingJobName"]?.string, !name.isEmpty else {
            throw FunkoError.badRequest(
                "a \(Self.detailType) event needs source aws.sagemaker and detail.TrainingJobName")
        }
        self.name = name
        status = e.detail["TrainingJobStatus"]?.string ?? "Unknown"
    }
}
