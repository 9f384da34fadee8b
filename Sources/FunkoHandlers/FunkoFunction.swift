import FunkoAPI
import FunkoApp
import FunkoCore
import FunkoModel
import LambdaEvents
import LambdaRuntime

/// One API function: the routes it serves, over the app built at initialisation. Each handler
/// binary is `LambdaRuntime.run { try FunkoFunction.make(.predict, logger: $0) }`.
public final class FunkoFunction: LambdaHandler {
    public let routes: [Route]
    public let app: App
    /// For tests and `funko serve`: the clock the answers use.
    public var clock: () -> EpochSeconds = { Time.now() }
    /// EMF lines for every invocation: latency, errors, predicted prices, drift, data age.
    public var metrics: MetricsLogger
    /// What this invocation measured besides the served predictions (the data age of a health check).
    private var measured: [MetricsLogger.Metric] = []

    public init(routes: [Route], app: App) {
        self.routes = routes
        self.app = app
        metrics = MetricsLogger(function: app.configuration.functionName ?? routes.first?.rawValue ?? "funko")
    }

    /// Reads the configuration from the environment and builds the app (the cold start).
    public static func make(_ routes: Route..., logger: Logger) throws -> FunkoFunction {
        let configuration = try AppConfiguration.fromEnvironment(processEnvironment())
        return FunkoFunction(routes: routes, app: try App(configuration: configuration, logger: logger))
    }

    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let started = Time.monotonic()
        var status: Int?
        defer { emitMetrics(started: started, status: status, context: context) }
        do {
            let (answer, s) = try answer(event, context: context)
            status = s
            return answer
        } catch {
            status = (error as? FunkoError)?.status ?? 500
            throw error
        }
    }

    /// The metric line of one invocation (HTTP status, or the function error's status), with
    /// the predicted prices and the drift check of what it served.
    func emitMetrics(started: Double, status: Int?, context: LambdaContext) {
        var list = measured
        measured = []
        var properties: [String: JSONValue] = [:]
        if let served = app.takeServed() {
            list.append(.init(.predictedPrice, values: served.prices))
            if let d = served.drift {
                list += [
                    .init(.predictionPSI, d.predictionPSI), .init(.maxFeaturePSI, d.maxFeaturePSI),
                    .init(.driftDetected, d.drifted ? 1 : 0, .count),
                ]
                properties["driftedFeatures"] = .array(d.driftedFeatures.map(JSONValue.string))
                properties["driftRows"] = .number(Double(d.rows))
                if d.drifted {
                    context.logger.warn(
                        "drift detected",
                        [
                            "predictionPSI": .number(d.predictionPSI),
                            "maxFeature": d.maxFeature.map(JSONValue.string) ?? .null,
                            "maxFeaturePSI": .number(d.maxFeaturePSI),
                        ])
                }
            }
        }
        metrics.emitInvocation(
            started: started, status: status ?? 200, requestID: context.requestID, extra: list, properties: properties)
    }

    func answer(_ event: [UInt8], context: LambdaContext) throws -> ([UInt8], Int?) {
        switch try LambdaEvent.parse(event) {
        case .http(let request):
            let result = respond(to: request, context: context)
            return (try result.encoded(for: request.format), result.status)
        case .eventBridge(let e):
            throw FunkoError.badRequest(
                "this function does not handle EventBridge events (\(e.source) \(e.detailType)): retrain-trigger does")
        case .direct(let body):
            return (try direct(body, context: context), nil)
        }
    }

    // MARK: HTTP

    /// Every outcome, errors included, is an HTTP answer; only bugs reach the runtime.
    public func respond(to request: HTTPEvent, context: LambdaContext) -> HTTPResult {
        let started = Time.monotonic()
        var result: HTTPResult
        do {
            result = try isPreflight(request) ? preflight(request, context: context) : route(request, context: context)
        } catch let e as MethodNotAllowed {
            var r = Self.errorResult(e.error, context: context)
            r.headers["allow"] = e.allowed
            result = r
        } catch let e as FunkoError {
            result = Self.errorResult(e, context: context)
        } catch {
            context.logger.error("unexpected error", ["error": .string("\(error)")])
            result = Self.errorResult(
                FunkoError(.internalError, "internal error; the request id identifies it in the logs"), context: context
            )
        }
        if let origin = allowedOrigin(request) {
            result.headers["access-control-allow-origin"] = origin
            result.headers["access-control-expose-headers"] = "x-request-id"
            result.headers["vary"] = "origin"
        }
        context.logger.info(
            "request",
            [
                "method": .string(request.method), "path": .string(request.path),
                "status": .number(Double(result.status)),
                "latencyMs": .number(((Time.monotonic() - started) * 100_000).rounded() / 100),
                "apiRequestId": request.apiRequestID.map(JSONValue.string) ?? .null,
            ])
        return result
    }

    // MARK: CORS

    /// The request's `Origin` when the configuration allows it; nil for same-origin requests.
    func allowedOrigin(_ request: HTTPEvent) -> String? {
        request.headers["origin"].flatMap { app.configuration.corsOrigins.contains($0) ? $0 : nil }
    }

    func isPreflight(_ request: HTTPEvent) -> Bool {
        request.method == "OPTIONS" && request.headers["access-control-request-method"] != nil
    }

    /// A browser asking whether it may call a route from another origin.
    func preflight(_ request: HTTPEvent, context: LambdaContext) throws -> HTTPResult {
        let methods = try matchingRoutes(request).map(\.0.method)
        guard let origin = allowedOrigin(request) else {
            throw FunkoError(
                .forbidden, "origin \(request.headers["origin"] ?? "(none)") may not call this API from a browser")
        }
        return HTTPResult(
            status: 204,
            headers: [
                "access-control-allow-origin": origin, "vary": "origin",
                "access-control-allow-methods": (methods + ["OPTIONS"]).joined(separator: ", "),
                "access-control-allow-headers": "content-type, accept", "access-control-max-age": "600",
                "x-request-id": context.requestID,
            ], body: [])
    }

    /// The routes whose path matches the request's, with their path parameters (404 when none does).
    func matchingRoutes(_ request: HTTPEvent) throws -> [(Route, [String: String])] {
        // API Gateway's route key names the matched template; without one (Function URLs,
        // `$default`, funko serve) the raw path is matched.
        var path = request.path
        if let key = request.routeKey, let space = key.firstIndex(of: " ") {
            path = String(key[key.index(after: space)...])
        }
        let matching = routes.compactMap { r in r.match(path).map { (r, $0) } }
        guard !matching.isEmpty else {
            let list = routes.map { "\($0.method) \($0.path)" }.joined(separator: ", ")
            throw FunkoError.notFound("no route for \(request.method) \(request.path): this function serves \(list)")
        }
        return matching
    }

    func route(_ request: HTTPEvent, context: LambdaContext) throws -> HTTPResult {
        let matching = try matchingRoutes(request)
        guard let (route, templateParams) = matching.first(where: { $0.0.method == request.method }) else {
            let allowed = matching.map(\.0.method).joined(separator: ", ")
            throw MethodNotAllowed(
                allowed: allowed,
                error: FunkoError(
                    .methodNotAllowed, "method \(request.method) is not allowed on \(request.path): use \(allowed)"))
        }
        guard request.body.count <= app.configuration.maxBodyBytes else {
            throw FunkoError(
                .payloadTooLarge,
                "request body is \(request.body.count) bytes; the limit is \(app.configuration.maxBodyBytes)")
        }
        // A route key names the template, so concrete values come from API Gateway's pathParameters.
        var params = templateParams.filter { !$0.value.hasPrefix("{") }
        for (k, v) in request.pathParameters { params[k] = v }
        let service = app.service(logger: context.logger)
        let now = clock()
        switch route {
        case .health:
            let h = health(context: context)
            return try json(h.status == "ok" ? 200 : 503, h, context: context)
        case .modelStatus:
            return try json(200, try app.status(logger: context.logger, now: now), context: context)
        case .predict:
            let query = try RequestBody.decode(
                PredictRequest.self, request.body,
                example: #"{"funko_pop_id":"10001","condition":"mint","marketplace":"ebay","future_days":30}"#
            ).validated()
            return try json(
                200, try service.predict(query, now: now, deadline: context.deadlineMilliseconds), context: context)
        case .predictBatch:
            let query = try RequestBody.decode(
                BatchPredictRequest.self, request.body,
                example: #"{"funko_pop_ids":["10001","10002"],"condition":"mint"}"#
            ).validated()
            return try json(200, try batch(query, service: service, now: now, context: context), context: context)
        case .history:
            guard let id = params["funko_pop_id"], !id.isEmpty else {
                throw FunkoError.badRequest(
                    "funko_pop_id is required in the path: /history/{funko_pop_id}", field: "funko_pop_id")
            }
            let days = try intParameter(
                request.query["days"], name: "days", default: 90, range: PriceService.historyDaysRange)
            return try json(200, try service.history(popID: id, days: days, now: now), context: context)
        case .pops:
            let search = try CatalogRequest(
                q: request.query["q"], series: request.query["series"], limit: request.query["limit"]
            ).validated()
            return try json(200, try service.searchCatalog(search, now: now), context: context)
        case .pop:
            guard let id = params["funko_pop_id"], !id.isEmpty else {
                throw FunkoError.badRequest(
                    "funko_pop_id is required in the path: /pops/{funko_pop_id}", field: "funko_pop_id")
            }
            return try json(200, try service.catalogEntry(id: id, now: now), context: context)
        }
    }

    func batch(_ query: PredictQuery, service: PriceService, now: EpochSeconds, context: LambdaContext) throws
        -> BatchPredictionResponse
    {
        let r = try service.predictBatch(query, now: now, deadline: context.deadlineMilliseconds)
        return BatchPredictionResponse(
            predictions: r.predictions,
            errors: r.errors.map {
                .init(funkoPopID: $0.id, error: ErrorBody($0.error, requestID: context.requestID).error)
            },
            modelVersion: service.model?.metadata.version)
    }

    // MARK: Direct invocation

    /// The function's own operation with the JSON body as its request; errors are function errors.
    func direct(_ body: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let service = app.service(logger: context.logger)
        let now = clock()
        switch routes.first {
        case .predict:
            return try RequestBody.encode(
                try service.predict(
                    try RequestBody.decode(PredictRequest.self, body, example: #"{"funko_pop_id":"10001"}"#)
                        .validated(),
                    now: now, deadline: context.deadlineMilliseconds))
        case .predictBatch:
            let q = try RequestBody.decode(BatchPredictRequest.self, body, example: #"{"funko_pop_ids":["10001"]}"#)
                .validated()
            return try RequestBody.encode(try batch(q, service: service, now: now, context: context))
        case .history:
            let r = try RequestBody.decode(
                DirectHistoryRequest.self, body, example: #"{"funko_pop_id":"10001","days":90}"#)
            guard let id = r.funkoPopID else {
                throw FunkoError.badRequest("funko_pop_id is required: the catalog id of a Funko Pop, e.g. \"10001\"")
            }
            return try RequestBody.encode(try service.history(popID: id, days: r.days ?? 90, now: now))
        case .pops:
            let r = try RequestBody.decode(DirectCatalogRequest.self, body, example: #"{"q":"batman","limit":20}"#)
            let search = try CatalogRequest(q: r.q, series: r.series, limit: r.limit.map(String.init)).validated()
            return try RequestBody.encode(try service.searchCatalog(search, now: now))
        case .pop:
            let r = try RequestBody.decode(DirectHistoryRequest.self, body, example: #"{"funko_pop_id":"10001"}"#)
            guard let id = r.funkoPopID else {
                throw FunkoError.badRequest("funko_pop_id is required: the catalog id of a Funko Pop, e.g. \"10001\"")
            }
            return try RequestBody.encode(try service.catalogEntry(id: id, now: now))
        case .health, .modelStatus:
            let action = (try? JSON.decode(ActionRequest.self, from: body))?.action ?? "status"
            switch action {
            case "health": return try RequestBody.encode(health(context: context))
            case "status": return try RequestBody.encode(try app.status(logger: context.logger, now: now))
            default: throw FunkoError.badRequest("action \"\(action)\" is not supported here: use health or status")
            }
        case nil:
            throw FunkoError.badRequest("this function has no operation")
        }
    }

    // MARK: Helpers

    /// The health check, and the data age it saw for the metric line (the freshness alarm's input).
    func health(context: LambdaContext) -> HealthResponse {
        let h = app.health(logger: context.logger, now: clock())
        if let age = h.dataAgeHours { measured.append(.init(.dataAgeHours, age)) }
        return h
    }

    func json<T: Encodable>(_ status: Int, _ value: T, context: LambdaContext) throws -> HTTPResult {
        HTTPResult(
            status: status, headers: ["content-type": "application/json", "x-request-id": context.requestID],
            body: try RequestBody.encode(value))
    }

    /// The JSON error answer every HTTP error gets: `{"error": {"code", "message", "request_id"}}`.
    public static func errorResult(_ e: FunkoError, context: LambdaContext) -> HTTPResult {
        let body =
            (try? RequestBody.encode(ErrorBody(e, requestID: context.requestID)))
            ?? Array(#"{"error":{"code":"internal_error","message":"unencodable error"}}"#.utf8)
        return HTTPResult(
            status: e.status, headers: ["content-type": "application/json", "x-request-id": context.requestID],
            body: body)
    }

    func intParameter(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let v = Int(text), range.contains(v) else {
            throw FunkoError.badRequest(
                "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")",
                field: name)
        }
        return v
    }
}

/// A 405 carries the methods the path does accept, for the `Allow` header.
struct MethodNotAllowed: Error {
    var allowed: String
    var error: FunkoError
}

/// `{"action": ...}`: the direct invocations of the status and retrain-trigger functions.
public struct ActionRequest: Decodable, Sendable {
    public var action: String?
    public var force: Bool?
}

struct DirectCatalogRequest: Decodable {
    var q: String?
    var series: String?
    var limit: Int?
}

struct DirectHistoryRequest: Decodable {
    var funkoPopID: String?
    var days: Int?
    enum CodingKeys: String, CodingKey {
        case funkoPopID = "funko_pop_id"
        case days
    }
}
