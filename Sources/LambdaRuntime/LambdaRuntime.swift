import FunkoCore
import FunkoHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// The runtime loop, as small as AWS's own C++ runtime: initialise once, then forever
/// next → handle → response (or error). A handler error never ends the process; a failed `next`
/// is retried with capped exponential backoff; a failed initialisation goes to `init/error`.
/// A Runtime API that refuses connections `maxUnreachable` times in a row is gone (the sandbox
/// is shutting down, or lambda-local has ended), and the process exits, as AWS's C++ runtime does.
public enum LambdaRuntime {
    public static func run(_ initialise: (Logger) throws -> LambdaHandler) -> Never {
        StartupProfile.begin()
        let logger = Logger()
        guard let endpoint = getenv("AWS_LAMBDA_RUNTIME_API").map({ String(cString: $0) }) else {
            logger.error(
                "AWS_LAMBDA_RUNTIME_API is not set: run this binary in Lambda, or locally through scripts/invoke or lambda-local"
            )
            exit(1)
        }
        let client = RuntimeClient(endpoint: endpoint)
        StartupProfile.mark("runtime client")
        guard let handler = start(client: client, logger: logger, initialise) else { exit(1) }
        StartupProfile.mark("initialised")
        guard loop(client: client, handler: handler, logger: logger) else {
            logger.error("the Runtime API at \(endpoint) refused \(maxUnreachable) connections in a row; exiting")
            exit(1)
        }
        exit(0)
    }

    static let maxUnreachable = 10

    /// Initialisation, once per process; a failure is reported to `init/error` (and the caller exits).
    public static func start(client: RuntimeClient, logger: Logger, _ initialise: (Logger) throws -> LambdaHandler)
        -> LambdaHandler?
    {
        do {
            return try initialise(logger)
        } catch {
            let (type, message) = describe(error)
            logger.error("initialisation failed", ["errorType": .string(type), "errorMessage": .string(message)])
            try? client.initError(errorType: type, message: message)
            return nil
        }
    }

    /// next → handle → respond, while `proceed` says so (always, in Lambda). False when it ended
    /// because the Runtime API stopped accepting connections.
    @discardableResult
    public static func loop(
        client: RuntimeClient, handler: LambdaHandler, logger: Logger, proceed: () -> Bool = { true }
    ) -> Bool {
        let backoff = Backoff(base: 0.01, cap: 2)
        var failures = 0
        var refused = 0
        var coldStart = true
        while proceed() {
            let invocation: RuntimeClient.Invocation
            do {
                invocation = try client.next()
                failures = 0
                refused = 0
            } catch {
                if let e = error as? HTTPError, e.kind == .connect {
                    refused += 1
                    if refused >= maxUnreachable { return false }
                } else {
                    refused = 0
                }
                let delay = backoff.delay(attempt: failures)
                failures += 1
                logger.warn(
                    "next invocation failed; retrying",
                    ["error": .string("\(error)"), "retryInSeconds": .number(delay)])
                usleep(useconds_t(delay * 1_000_000))
                continue
            }
            if coldStart { StartupProfile.mark("first event received") }
            serve(invocation, with: handler, client: client, coldStart: coldStart)
            if coldStart, let fields = StartupProfile.finish() { logger.info("cold start", fields) }
            coldStart = false
        }
        return true
    }

    /// One invocation: export the trace id, run the handler, report the outcome. `coldStart`: the
    /// process's first, whose answer ends a `StartupProfile` step.
    static func serve(
        _ invocation: RuntimeClient.Invocation, with handler: LambdaHandler, client: RuntimeClient,
        coldStart: Bool = false
    ) {
        let ctx = invocation.context
        TraceEnvironment.set(ctx.traceID)
        let outcome = Result(catching: { try handler.handle(invocation.event, context: ctx) })
        if coldStart { StartupProfile.mark("first answer") }
        switch outcome {
        case .success(let body):
            do { try client.respond(requestID: ctx.requestID, body: body) } catch {
                ctx.logger.error("could not deliver the response", ["error": .string("\(error)")])
            }
        case .failure(let error):
            let (type, message) = describe(error)
            ctx.logger.error("invocation failed", ["errorType": .string(type), "errorMessage": .string(message)])
            do { try client.fail(requestID: ctx.requestID, errorType: type, message: message) } catch {
                ctx.logger.error("could not report the error", ["error": .string("\(error)")])
            }
        }
    }

    static func describe(_ error: Error) -> (type: String, message: String) {
        if let e = error as? LambdaReportableError { return (e.errorType, e.errorMessage) }
        return (String(describing: type(of: error)), String(describing: error))
    }
}
