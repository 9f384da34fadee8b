import FunkoApp
import FunkoCore
import FunkoHandlers
import FunkoModel
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
    /// The hyperparameters of the candidates it trains (tests train small ones).
    public var training = TrainingConfig()
    /// One EMF line per invocation: latency, errors, what the run decided (dimension Trigger:
    /// schedule, job or manual), the candidate's and champion's MAE, and the data age.
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
        var measured: [MetricsLogger.Metric] = []
        var dimensions: [String: String] = [:]
        defer {
            metrics.emitInvocation(
                started: started, status: status, requestID: context.requestID, extra: measured,
                dimensions: dimensions)
        }
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
            dimensions["Trigger"] = Self.trigger(of: parsed)
            let outcome = logged(try outcome(of: parsed, context: context), context: context)
            measured = Self.metrics(of: outcome.status, outcome: outcome) + dataAge()
            return try RequestBody.encode(outcome)
        } catch {
            status = (error as? FunkoError)?.status ?? 500
            // A run that was asked for and broke down failed; a malformed event is no run.
            if dimensions["Trigger"] != nil { measured = Self.metrics(of: .trainingFailed, outcome: nil) + dataAge() }
            throw error
        }
    }

    /// What started the run, as the metrics' Trigger dimension: the weekly schedule, a training
    /// job's end (of a run the schedule or a person started), or a person.
    static func trigger(of event: LambdaEvent) -> String {
        switch event {
        case .eventBridge(let e) where e.detailType == TrainingJobEvent.detailType: "job"
        case .eventBridge(let e) where e.isSchedule: "schedule"
        default: "manual"
        }
    }

    /// 1 for the run's outcome, 0 for the other three; the MAEs when the run scored a candidate.
    /// Runs that only started or are still waiting for a training job decided nothing yet.
    static func metrics(of status: RetrainOutcome.Status, outcome: RetrainOutcome?) -> [MetricsLogger.Metric] {
        // A baseline taking over is a promotion: what serves changed (the decision log says why).
        let decided: [MetricName: Set<RetrainOutcome.Status>] = [
            .retrainPromoted: [.promoted, .baselinePromoted], .retrainKeptChampion: [.keptChampion],
            .retrainRefused: [.rejectedData], .retrainFailed: [.trainingFailed],
        ]
        guard decided.values.contains(where: { $0.contains(status) }) else { return [] }
        var list = decided.map { MetricsLogger.Metric($0.key, $0.value.contains(status) ? 1 : 0, .count) }
        if let mae = outcome?.metrics?.mae { list.append(.init(.candidateMAE, mae)) }
        if let mae = outcome?.championMAE { list.append(.init(.championMAE, mae)) }
        return list
    }

    /// Hours since the newest sale, as every run sees the store (nil when the store cannot say).
    func dataAge() -> [MetricsLogger.Metric] {
        guard let age = try? app.store.counts().aged(now: clock()).ageHours else { return [] }
        return [.init(.dataAgeHours, age)]
    }

    func outcome(of event: LambdaEvent, context: LambdaContext) throws -> RetrainOutcome {
        switch event {
        case .eventBridge(let e) where e.detailType == TrainingJobEvent.detailType:
            let job = try TrainingJobEvent(e)
            context.logger.info(
                "training job state change",
                ["trainingJob": .string(job.name), "jobStatus": .string(job.status), "eventId": .string(e.id)])
            return try retrainService().complete(job: job.name, now: clock())
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
        try retrainService().run(now: clock(), force: force) { context.logger.info($0) }
    }

    func retrainService() throws -> RetrainService {
        var service = try app.retrainService()
        service.config = training
        return service
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
