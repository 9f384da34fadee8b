import FunkoAPI
import FunkoCore
import FunkoModel
import FunkoRetrain
import LambdaEvents
import LambdaRuntime

/// One Lambda function: the routes it serves, over the shared app state. Each handler binary is
/// `LambdaRuntime.run { try FunkoFunction.make(.predict, logger: $0) }`.
public final class FunkoFunction: LambdaHandler {
    public let routes: [Route]
    public let app: FunkoApp
    /// For tests and `funko serve`: the clock the answers use.
    public var clock: () -> EpochSeconds = { Time.now() }
    /// EMF lines for every invocation: latency, errors, predicted prices, drift.
    public var metrics: MetricsLogger

    public init(routes: [Route], app: FunkoApp) {
        self.routes = routes
        self.app = app
        metrics = MetricsLogger(
            function: app.settings.environment["AWS_LAMBDA_FUNCTION_NAME"]?.nilIfEmpty ?? routes.first?.rawValue
                ?? "funko")
    }

    /// Reads the settings from the environment and initialises the app (the cold start).
    public static func make(_ routes: Route..., logger: Logger) throws -> FunkoFunction {
        FunkoFunction(
            routes: routes, app: try FunkoApp(settings: try HandlerSettings.fromEnvironment(), logger: logger))
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

    /// The metric line of one invocation (HTTP status, or the function error's status).
    func emitMetrics(started: Double, status: Int?, context: LambdaContext) {
        let s = status ?? 200
        var list: [MetricsLogger.Metric] = [
            .init("Latency", ((Time.monotonic() - started) * 100_000).rounded() / 100, .milliseconds),
            .init("Errors", s >= 500 ? 1 : 0, .count), .init("ClientErrors", (400..<500).contains(s) ? 1 : 0, .count),
        ]
        var properties: [String: JSONValue] = ["requestId": .string(context.requestID), "status": .number(Double(s))]
        if let served = app.takeServed() {
            list.append(.init("PredictedPrice", values: served.prices))
            if let d = served.drift {
                list += [
                    .init("PredictionPSI", d.predictionPSI), .init("MaxFeaturePSI", d.maxFeaturePSI),
                    .init("DriftDetected", d.drifted ? 1 : 0, .count),
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
        metrics.emit(list, properties: properties)
    }

    func answer(_ event: [UInt8], context: LambdaContext) throws -> ([UInt8], Int?) {
        switch try LambdaEvent.parse(event) {
        case .http(let request):
            let result = respond(to: request, context: context)
            return (try result.encoded(for: request.format), result.status)
        case .eventBridge(let e):
            guard routes.contains(.retrain) else {
                throw FunkoError.badRequest(
                    "this function does not handle EventBridge events (\(e.source) \(e.detailType))")
            }
            if e.detailType == TrainingJobEvent.detailType {
                let job = try TrainingJobEvent(e)
                context.logger.info(
                    "training job state change",
                    ["trainingJob": .string(job.name), "jobStatus": .string(job.status), "eventId": .string(e.id)])
                return (
                    try encode(
                        logged(try app.retrainService().complete(job: job.name, now: clock()), context: context)), nil
                )
            }
            context.logger.info(
                "retraining", ["trigger": .string(e.isSchedule ? "schedule" : e.detailType), "eventId": .string(e.id)])
            return (try encode(retrain(force: false, context: context)), nil)
        case .direct(let body):
            return (try direct(body, context: context), nil)
        }
    }

    // MARK: HTTP

    /// Every outcome, errors included, is an HTTP answer; only bugs reach the runtime.
    public func respond(to request: HTTPEvent, context: LambdaContext) -> HTTPResult {
        let started = Time.monotonic()
        let result: HTTPResult
        do {
            result = try route(request, context: context)
        } catch let e as MethodNotAllowed {
            var r = errorResult(e.error, context: context)
            r.headers["allow"] = e.allowed
            result = r
        } catch let e as FunkoError {
            result = errorResult(e, context: context)
        } catch {
            context.logger.error("unexpected error", ["error": .string("\(error)")])
            result = errorResult(
                FunkoError(.internalError, "internal error; the request id identifies it in the logs"), context: context
            )
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

    func route(_ request: HTTPEvent, context: LambdaContext) throws -> HTTPResult {
        // API Gateway's route key names the matched template; without one (Function URLs,
        // `$default`, funko serve) the raw path is matched.
        var path = request.path
        if let key = request.routeKey, let space = key.firstIndex(of: " ") {
            path = String(key[key.index(after: space)...])
        }
        let served = routes.filter { $0.path != nil }
        let matching = served.compactMap { r in r.match(path).map { (r, $0) } }
        guard !matching.isEmpty else {
            let list = served.map { "\($0.method) \($0.path!)" }.joined(separator: ", ")
            throw FunkoError.notFound("no route for \(request.method) \(request.path): this function serves \(list)")
        }
        guard let (route, templateParams) = matching.first(where: { $0.0.method == request.method }) else {
            let allowed = matching.map(\.0.method).joined(separator: ", ")
            throw MethodNotAllowed(
                allowed: allowed,
                error: FunkoError(
                    .methodNotAllowed, "method \(request.method) is not allowed on \(request.path): use \(allowed)"))
        }
        guard request.body.count <= app.settings.maxBodyBytes else {
            throw FunkoError(
                .payloadTooLarge,
                "request body is \(request.body.count) bytes; the limit is \(app.settings.maxBodyBytes)")
        }
        // A route key names the template, so concrete values come from API Gateway's pathParameters.
        var params = templateParams.filter { !$0.value.hasPrefix("{") }
        for (k, v) in request.pathParameters { params[k] = v }
        let service = app.service(logger: context.logger)
        let now = clock()
        switch route {
        case .health:
            let h = app.health(logger: context.logger)
            return try json(h.status == "ok" ? 200 : 503, h, context: context)
        case .modelStatus:
            return try json(200, try app.status(logger: context.logger), context: context)
        case .predict:
            let query = try decodeBody(
                PredictRequest.self, request.body,
                example: #"{"funko_pop_id":"10001","condition":"mint","marketplace":"ebay","future_days":30}"#
            ).validated()
            return try json(
                200, try service.predict(query, now: now, deadline: context.deadlineMilliseconds), context: context)
        case .predictBatch:
            let query = try decodeBody(
                BatchPredictRequest.self, request.body,
                example: #"{"funko_pop_ids":["10001","10002"],"condition":"mint"}"#
            ).validated()
            return try json(200, try batch(query, service: service, now: now, context: context), context: context)
        case .history:
            guard let id = params["funko_pop_id"], !id.isEmpty else {
                throw FunkoError.badRequest("funko_pop_id is required in the path: /history/{funko_pop_id}")
            }
            let days = try intParameter(
                request.query["days"], name: "days", default: 90, range: PriceService.historyDaysRange)
            return try json(200, try service.history(popID: id, days: days, now: now), context: context)
        case .retrain:
            return try json(200, try retrain(force: false, context: context), context: context)
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

    func retrain(force: Bool, context: LambdaContext) throws -> RetrainOutcome {
        logged(try app.retrainService().run(now: clock(), force: force) { context.logger.info($0) }, context: context)
    }

    func logged(_ outcome: RetrainOutcome, context: LambdaContext) -> RetrainOutcome {
        context.logger.info(
            "retraining decision",
            [
                "status": .string(outcome.status.rawValue), "reason": .string(outcome.reason),
                "candidate": outcome.candidate.map(JSONValue.string) ?? .null,
            ])
        return outcome
    }

    // MARK: Direct invocation

    /// The function's own operation with the JSON body as its request; errors are function errors.
    func direct(_ body: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let service = app.service(logger: context.logger)
        let now = clock()
        switch routes.first {
        case .predict:
            return try encode(
                try service.predict(
                    try decodeBody(PredictRequest.self, body, example: #"{"funko_pop_id":"10001"}"#).validated(),
                    now: now, deadline: context.deadlineMilliseconds))
        case .predictBatch:
            let q = try decodeBody(BatchPredictRequest.self, body, example: #"{"funko_pop_ids":["10001"]}"#).validated()
            return try encode(try batch(q, service: service, now: now, context: context))
        case .history:
            let r = try decodeBody(DirectHistoryRequest.self, body, example: #"{"funko_pop_id":"10001","days":90}"#)
            guard let id = r.funkoPopID else {
                throw FunkoError.badRequest("funko_pop_id is required: the catalog id of a Funko Pop, e.g. \"10001\"")
            }
            return try encode(try service.history(popID: id, days: r.days ?? 90, now: now))
        case .health, .modelStatus:
            let action = (try? JSON.decode(ActionRequest.self, from: body))?.action ?? "status"
            switch action {
            case "health": return try encode(app.health(logger: context.logger))
            case "status": return try encode(try app.status(logger: context.logger))
            default: throw FunkoError.badRequest("action \"\(action)\" is not supported here: use health or status")
            }
        case .retrain:
            let r = try decodeBody(ActionRequest.self, body, example: #"{"action":"retrain"}"#)
            guard r.action == "retrain" else {
                throw FunkoError.badRequest(
                    "action \"\(r.action ?? "")\" is not supported: send {\"action\":\"retrain\"} (optionally \"force\": true)"
                )
            }
            return try encode(try retrain(force: r.force ?? false, context: context))
        case nil:
            throw FunkoError.badRequest("this function has no operation")
        }
    }

    // MARK: Helpers

    func json<T: Encodable>(_ status: Int, _ value: T, context: LambdaContext) throws -> HTTPResult {
        HTTPResult(
            status: status, headers: ["content-type": "application/json", "x-request-id": context.requestID],
            body: try encode(value))
    }

    func encode<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try JSON.encode(value).utf8) }

    func errorResult(_ e: FunkoError, context: LambdaContext) -> HTTPResult {
        let body =
            (try? encode(ErrorBody(e, requestID: context.requestID)))
            ?? Array(#"{"error":{"code":"internal_error","message":"unencodable error"}}"#.utf8)
        return HTTPResult(
            status: e.status, headers: ["content-type": "application/json", "x-request-id": context.requestID],
            body: body)
    }

    func decodeBody<T: Decodable>(_ type: T.Type, _ body: [UInt8], example: String) throws -> T {
        guard !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            throw FunkoError.badRequest("request body is empty: send a JSON object such as \(example)")
        }
        do {
            return try JSON.decode(type, from: body)
        } catch let e as FunkoError {
            throw e
        } catch DecodingError.typeMismatch(let expected, let ctx) {
            guard let field = ctx.codingPath.last?.stringValue else {
                throw FunkoError.badRequest("request body must be a JSON object such as \(example)")
            }
            throw FunkoError.badRequest(
                "\(field) has the wrong type: expected \(expected == String.self ? "a string" : expected == Int.self ? "an integer" : "\(expected)"), as in \(example)"
            )
        } catch {
            throw FunkoError.badRequest("request body is not valid JSON: send a JSON object such as \(example)")
        }
    }

    func intParameter(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let v = Int(text), range.contains(v) else {
            throw FunkoError.badRequest(
                "\(name) must be an integer from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
        }
        return v
    }
}

/// A 405 carries the methods the path does accept, for the `Allow` header.
struct MethodNotAllowed: Error {
    var allowed: String
    var error: FunkoError
}

struct ActionRequest: Decodable {
    var action: String?
    var force: Bool?
}

struct DirectHistoryRequest: Decodable {
    var funkoPopID: String?
    var days: Int?
    enum CodingKeys: String, CodingKey {
        case funkoPopID = "funko_pop_id"
        case days
    }
}
