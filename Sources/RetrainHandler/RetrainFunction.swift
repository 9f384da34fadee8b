import FunkoApp
import FunkoCore
import FunkoHandlers
import FunkoRetrain
import LambdaEvents
import LambdaRuntime

/// The retrain-trigger function: the weekly EventBridge schedule and manual runs
/// (`{"action":"retrain"}`) start a retraining run; SageMaker's "Training Job State Change"
/// events finish one. It serves no HTTP route. Only this function links the retraining library.
public final class RetrainFunction: LambdaHandler {
    public let app: App
    /// For tests: the clock the decisions use.
    public var clock: () -> EpochSeconds = { Time.now() }
    /// One EMF line per invocation: latency and errors.
    public var metrics: MetricsLogger

    public init(app: App) {
        self.app = app
        metrics = MetricsLogger(function: app.configuration.functionName ?? "retrain")
    }

    /// Reads the configuration from the environment and builds the app (the cold start); the
    /// serving model is not needed here.
    public static func make(logger: Logger) throws -> RetrainFunction {
        let configuration = try AppConfiguration.fromEnvironment(processEnvironment())
        return RetrainFunction(app: try App(configuration: configuration, logger: logger, loadModel: false))
    }

    public func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let started = Time.monotonic()
        var status = 200
        defer { metrics.emitInvocation(started: started, status: status, requestID: context.requestID) }
        do {
            let parsed = try LambdaEvent.parse(event)
            if case .http(let request) = parsed {
                // An HTTP caller gets an HTTP answer, like from the API functions.
                let error = FunkoError.notFound(
                    "retrain-trigger serves no HTTP route (got \(request.method) \(request.path)): it takes EventBridge events and {\"action\":\"retrain\"}"
                )
                status = error.status
                return try FunkoFunction.errorResult(error, context: context).encoded(for: request.format)
            }
            return try RequestBody.encode(logged(try outcome(of: parsed, context: context), context: context))
        } catch {
            status = (error as? FunkoError)?.status ?? 500
            throw error
        }
    }

    func outcome(of event: LambdaEvent, context: LambdaContext) throws -> RetrainOutcome {
        switch event {
        case .eventBridge(let e) where e.detailType == TrainingJobEvent.detailType:
            let job = try TrainingJobEvent(e)
            context.logger.info(
                "training job state change",
                ["trainingJob": .string(job.name), "jobStatus": .string(job.status), "eventId": .string(e.id)])
            return try app.retrainService().complete(job: job.name, now: clock())
        case .eventBridge(let e):
            context.logger.info(
                "retraining", ["trigger": .string(e.isSchedule ? "schedule" : e.detailType), "eventId": .string(e.id)])
            return try retrain(force: false, context: context)
        case .direct(let body):
            let r = try RequestBody.decode(ActionRequest.self, body, example: #"{"action":"retrain"}"#)
            guard r.action == "retrain" else {
                throw FunkoError.badRequest(
                    "action \"\(r.action ?? "")\" is not supported: send {\"action\":\"retrain\"} (optionally \"force\": true)"
                )
            }
            return try retrain(force: r.force ?? false, context: context)
        case .http:  // answered in handle(_:context:) before it gets here
            throw FunkoError(.internalError, "an HTTP event reached the retraining operations")
        }
    }

    func retrain(force: Bool, context: LambdaContext) throws -> RetrainOutcome {
        try app.retrainService().run(now: clock(), force: force) { context.logger.info($0) }
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
}
