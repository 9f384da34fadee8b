import FlyingFox
import FlyingSocks
import Foundation

/// What the Lambda service does for one function, on this machine: serves the Runtime API
/// (2018-06-01) to a handler process it starts and restarts, and the emulator's Invoke API
/// (2015-03-31), one invocation at a time, with the service's timeout and crash semantics.
///
/// `start()` listens, then starts the handler; `invoke(_:)` queues an event and waits for the
/// answer; `stop()` kills the handler and closes the server (call it: the routes hold the emulator).
public actor LambdaEmulator {
    public struct Configuration: Sendable {
        /// The handler executable and its arguments.
        public var command: [String]
        public var host: String
        /// 0 picks a free port; `port` tells which after `start()`.
        public var port: UInt16
        /// Seconds an invocation may run before the handler is killed.
        public var timeout: Double
        public var functionName: String
        public var memoryMB: Int
        /// The function's own variables (as in its Lambda configuration), over the inherited ones.
        public var environment: [String: String]
        /// Where the handler's stdout and stderr (its logs) go, appended; nil: our stderr.
        public var logFile: String?

        /// `functionName` defaults to the handler's file name.
        public init(
            command: [String], host: String = "127.0.0.1", port: UInt16 = 9001, timeout: Double = 30,
            functionName: String? = nil, memoryMB: Int = 128, environment: [String: String] = [:],
            logFile: String? = nil
        ) {
            self.logFile = logFile
            self.command = command
            self.host = host
            self.port = port
            self.timeout = timeout
            self.functionName = functionName ?? URL(fileURLWithPath: command.first ?? "function").lastPathComponent
            self.memoryMB = memoryMB
            self.environment = environment
        }
    }

    public let configuration: Configuration
    /// The port the Runtime and Invoke APIs listen on (the real one when configured with 0).
    public private(set) var port: UInt16 = 0

    private struct Invocation {
        let id: String
        let event: [UInt8]
        let reply: CheckedContinuation<(body: [UInt8], functionError: Bool), any Error>
        /// Whether a runtime has taken the event with `next`.
        var taken = false
    }

    /// Invocations not yet started, oldest first.
    private var queue: [Invocation] = []
    /// The one invocation being served: waiting for a `next`, or taken and not yet answered.
    private var current: Invocation?
    /// `next` requests waiting for an event.
    private var waitingRuntimes: [CheckedContinuation<Delivery, any Error>] = []
    private var runtime: RuntimeProcess?
    /// Counts handler starts, so an exit notice from an earlier process is recognised and ignored.
    private var generation = 0
    /// How many times a handler process was started (cold starts).
    public var starts: Int { generation }
    /// What the current handler posted to `/init/error`, reported if it then exits.
    private var initError: [UInt8]?
    private var timer: Task<Void, Never>?
    private var server: HTTPServer?
    private var serverTask: Task<Void, any Error>?
    private var phase = Phase.new

    private enum Phase { case new, starting, running, stopped }

    public init(_ configuration: Configuration) {
        self.configuration = configuration
    }

    /// Listens on `host:port`, then starts the handler. Throws if the port is taken or the
    /// handler cannot be started.
    public func start() async throws {
        guard phase == .new else { throw LambdaEmulatorError.notRunning }
        phase = .starting
        let server = HTTPServer.withoutNagle(
            address: try Self.address(configuration.host, configuration.port), timeout: Self.noTimeout)
        await addRoutes(to: server)
        let task = Task { try await server.run() }
        self.server = server
        serverTask = task
        // Whichever comes first: listening, or run() ending with the reason (e.g. the port is taken).
        let listening = Task { try await server.waitUntilListening(timeout: 60) }
        Task {
            _ = await task.result
            listening.cancel()
        }
        do {
            do {
                try await listening.value
            } catch is CancellationError {
                if case .failure(let error) = await task.result {
                    throw LambdaEmulatorError.cannotListen(
                        "\(configuration.host):\(configuration.port): \(error.localizedDescription)")
                }
                throw LambdaEmulatorError.notRunning
            }
            switch await server.listeningAddress {
            case .ip4(_, let port), .ip6(_, let port): self.port = port
            default: throw LambdaEmulatorError.notRunning
            }
            // stop() may have run while this waited; then no handler may start.
            guard phase == .starting else { throw LambdaEmulatorError.notRunning }
            try startRuntime()
            phase = .running
        } catch {
            await stop()
            throw error
        }
    }

    /// Runs one event through the handler, after any invocations queued before it. A function
    /// error (posted `/error`, timeout, crash, init failure) is an answer with `functionError`, not
    /// a throw; this throws only when the emulator is not running or the handler cannot be started.
    public func invoke(_ event: [UInt8]) async throws -> (body: [UInt8], functionError: Bool) {
        guard phase == .running else { throw LambdaEmulatorError.notRunning }
        return try await withCheckedThrowingContinuation { reply in
            queue.append(Invocation(id: UUID().uuidString.lowercased(), event: event, reply: reply))
            startNextInvocation()
        }
    }

    /// Kills the handler, fails whatever is still waiting, and closes the server.
    public func stop() async {
        phase = .stopped
        timer?.cancel()
        runtime?.kill()
        runtime = nil
        releaseWaitingRuntimes()
        for invocation in [current].compactMap({ $0 }) + queue {
            invocation.reply.resume(throwing: LambdaEmulatorError.notRunning)
        }
        current = nil
        queue = []
        if let server {
            await server.stop(timeout: 0)
        }
        _ = await serverTask?.result
        server = nil
        serverTask = nil
    }

    // MARK: Invocation lifecycle

    private func startNextInvocation() {
        guard current == nil, !queue.isEmpty else { return }
        let invocation = queue.removeFirst()
        if runtime == nil {
            do {
                try startRuntime()
            } catch {
                invocation.reply.resume(throwing: error)
                startNextInvocation()
                return
            }
        }
        current = invocation
        // A handler that never comes for the event (a hung init) gets AWS's init limit, or the
        // function timeout if longer; the invocation's own clock starts when `next` takes it.
        armTimer(for: invocation.id, seconds: max(Self.initTimeout, configuration.timeout))
        deliver()
    }

    /// Hands the current event to a waiting `next`, once.
    private func deliver() {
        guard var invocation = current, !invocation.taken, !waitingRuntimes.isEmpty else { return }
        let deadline = Date().addingTimeInterval(configuration.timeout)
        invocation.taken = true
        current = invocation
        armTimer(for: invocation.id, seconds: configuration.timeout)
        waitingRuntimes.removeFirst().resume(
            returning: Delivery(
                requestID: invocation.id, event: invocation.event, deadline: deadline,
                functionARN: "arn:aws:lambda:\(Environment.region):000000000000:function:\(configuration.functionName)")
        )
    }

    private func finishCurrent(_ body: [UInt8], functionError: Bool) {
        guard let invocation = current else { return }
        timer?.cancel()
        current = nil
        invocation.reply.resume(returning: (body, functionError))
        startNextInvocation()
    }

    private func armTimer(for id: String, seconds: Double) {
        timer?.cancel()
        timer = Task { [weak self] in
            guard (try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))) != nil else { return }
            await self?.timedOut(id, after: seconds)
        }
    }

    /// As AWS does: the answer is a timeout error and the sandbox is discarded, so the next
    /// invocation starts a fresh handler.
    private func timedOut(_ id: String, after seconds: Double) {
        guard current?.id == id else { return }
        runtime?.kill()
        runtime = nil
        releaseWaitingRuntimes()
        let elapsed = String(format: "%.2f", seconds)
        finishCurrent(
            ErrorBody.encode("Task timed out after \(elapsed) seconds", type: "Sandbox.Timedout"),
            functionError: true)
    }

    private func runtimeExited(generation: Int, reason: String) {
        guard generation == self.generation, runtime != nil else { return }
        runtime = nil
        releaseWaitingRuntimes()
        guard let invocation = current else { return }
        let body =
            initError
            ?? ErrorBody.encode(
                "RequestId: \(invocation.id) Error: Runtime exited with error: \(reason)", type: "Runtime.ExitError")
        finishCurrent(body, functionError: true)
    }

    private func startRuntime() throws {
        generation += 1
        initError = nil
        let generation = self.generation
        runtime = try RuntimeProcess.start(configuration, apiAddress: "\(configuration.host):\(port)") {
            [weak self] reason in
            Task { await self?.runtimeExited(generation: generation, reason: reason) }
        }
    }

    /// `next` requests from a process that is gone would swallow the next event: answer them now.
    private func releaseWaitingRuntimes() {
        for waiter in waitingRuntimes {
            waiter.resume(throwing: RuntimeGone())
        }
        waitingRuntimes = []
    }

    // MARK: Runtime API

    private func addRoutes(to server: HTTPServer) async {
        await server.appendRoute("GET /2018-06-01/runtime/invocation/next") { _ in
            try await self.nextInvocation().response
        }
        await server.appendRoute("POST /2018-06-01/runtime/invocation/:id/response") { request in
            await self.answer(request, functionError: false)
        }
        await server.appendRoute("POST /2018-06-01/runtime/invocation/:id/error") { request in
            await self.answer(request, functionError: true)
        }
        await server.appendRoute("POST /2018-06-01/runtime/init/error") { request in
            await self.recordInitError(request)
        }
        await server.appendRoute("POST /2015-03-31/functions/:name/invocations") { request in
            let result = try await self.invoke([UInt8](try await request.bodyData))
            var headers: HTTPHeaders = [.contentType: "application/json"]
            if result.functionError {
                headers[HTTPHeader("X-Amz-Function-Error")] = "Unhandled"
            }
            return HTTPResponse(statusCode: .ok, headers: headers, body: Data(result.body))
        }
    }

    /// Long-polls: a `next` waits for as long as it takes (the server's own timeout is disabled).
    private func nextInvocation() async throws -> Delivery {
        // A request that arrives after its process was killed or exited: no process to serve.
        guard runtime != nil else { throw RuntimeGone() }
        return try await withCheckedThrowingContinuation { waiter in
            waitingRuntimes.append(waiter)
            deliver()
        }
    }

    private func answer(_ request: HTTPRequest, functionError: Bool) async -> HTTPResponse {
        let body = (try? await request.bodyData).map { [UInt8]($0) } ?? []
        guard let invocation = current, invocation.taken,
            invocation.id == request.routeParameters["id"]
        else {
            return .runtimeAPI(.badRequest, #"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#)
        }
        finishCurrent(body, functionError: functionError)
        return .runtimeAPI(.accepted, #"{"status":"OK"}"#)
    }

    private func recordInitError(_ request: HTTPRequest) async -> HTTPResponse {
        let body = (try? await request.bodyData).map { [UInt8]($0) } ?? []
        let errorType = request.headers[HTTPHeader("Lambda-Runtime-Function-Error-Type")] ?? "Runtime.Unknown"
        initError = body.isEmpty ? ErrorBody.encode("Init error", type: errorType) : body
        return .runtimeAPI(.accepted, #"{"status":"OK"}"#)
    }

    // MARK: Helpers

    /// Lambda's limit for a handler's initialisation.
    private static let initTimeout: Double = 10

    /// Far longer than any invocation: FlyingFox would otherwise answer a long-polling `next` with 500.
    private static let noTimeout: TimeInterval = 365 * 24 * 3600

    private static func address(_ host: String, _ port: UInt16) throws -> sockaddr_in {
        do {
            return try .inet(ip4: host == "localhost" ? "127.0.0.1" : host, port: port)
        } catch {
            throw LambdaEmulatorError.badHost(host)
        }
    }
}

public enum LambdaEmulatorError: Error, CustomStringConvertible {
    /// Not started yet, or stopped.
    case notRunning
    case badHost(String)
    case cannotListen(String)
    case cannotStartHandler(String)

    public var description: String {
        switch self {
        case .notRunning: "the local Lambda is not running"
        case .badHost(let host): "the host must be an IPv4 address or localhost, not \(host)"
        case .cannotListen(let reason): "cannot listen on \(reason)"
        case .cannotStartHandler(let reason): "cannot start the handler: \(reason)"
        }
    }
}

/// The answer to a `next` request whose process was killed or exited.
private struct RuntimeGone: Error {}
