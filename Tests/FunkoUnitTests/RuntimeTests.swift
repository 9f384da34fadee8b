import FlyingFox
import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import LambdaRuntime

/// A scripted Runtime API. It exists to produce faults the real Lambda service (and lambda-local)
/// cannot be asked for on demand: failing `next` calls and replies without a request id.
final class ScriptedRuntimeAPI: @unchecked Sendable {
    enum Next {
        case status(Int)
        case noRequestID
        case event(id: String, deadlineMs: Int64, body: String)
    }

    private let lock = Mutex()
    private var script: [Next]
    private(set) var requests: [(method: String, path: String, headers: [String: String], body: String)] = []
    let server: HTTPServer
    var port: UInt16 = 0

    init(_ script: [Next]) async throws {
        self.script = script
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled)
        await server.appendRoute("*") { [unowned self] request in
            var headers: [String: String] = [:]
            for (k, v) in request.headers { headers[k.rawValue.lowercased()] = v }
            let body = String(decoding: try await request.bodyData, as: UTF8.self)
            return self.lock.locked {
                self.requests.append((request.method.rawValue, request.path, headers, body))
                guard request.path.hasSuffix("/invocation/next") else {
                    return HTTPResponse(statusCode: .accepted, body: Data(#"{"status":"OK"}"#.utf8))
                }
                switch self.script.isEmpty ? .status(500) : self.script.removeFirst() {
                case .status(let code):
                    return HTTPResponse(statusCode: HTTPStatusCode(code, phrase: "Scripted"), body: Data("{}".utf8))
                case .noRequestID:
                    return HTTPResponse(statusCode: .ok, body: Data("{}".utf8))
                case .event(let id, let deadline, let body):
                    return HTTPResponse(
                        statusCode: .ok,
                        headers: [
                            HTTPHeader("Lambda-Runtime-Aws-Request-Id"): id,
                            HTTPHeader("Lambda-Runtime-Deadline-Ms"): String(deadline),
                            HTTPHeader("Lambda-Runtime-Invoked-Function-Arn"):
                                "arn:aws:lambda:us-east-1:000000000000:function:test",
                            HTTPHeader("Lambda-Runtime-Trace-Id"): "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
                        ], body: Data(body.utf8))
                }
            }
        }
        Task { try await server.run() }
        // FlyingFox gives up after 5 s by default; under ThreadSanitizer on a busy machine
        // starting the listener alone can take longer.
        try await server.waitUntilListening(timeout: 60)
        if case .ip4(_, let p) = await server.listeningAddress { port = p }
    }

    var snapshot: [(method: String, path: String, headers: [String: String], body: String)] { lock.locked { requests } }
}

/// Records what the runtime hands it; "boom" events fail.
final class RecordingHandler: LambdaHandler, @unchecked Sendable {
    var seen: [(context: LambdaContext, event: String, trace: String?, remaining: Double, at: Int64)] = []
    func handle(_ event: [UInt8], context: LambdaContext) throws -> [UInt8] {
        let text = String(decoding: event, as: UTF8.self)
        seen.append(
            (
                context, text, getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) }, context.remainingTime,
                Time.nowMilliseconds()
            ))
        if text == "boom" { throw FunkoError.badRequest("boom happened") }
        return Array("echo:\(text)".utf8)
    }
}

@Suite(.serialized, .ownThread) struct RuntimeTests {
    /// Runs the real loop on a thread until `answers` invocations were answered.
    func runLoop(_ api: ScriptedRuntimeAPI, handler: RecordingHandler, answers: Int) async throws {
        // Used by the loop's thread only, while this test waits.
        nonisolated(unsafe) let client = RuntimeClient(endpoint: "127.0.0.1:\(api.port)")
        let done = DispatchSemaphore(value: 0)
        Thread {
            LambdaRuntime.loop(client: client, handler: handler, logger: Logger()) {
                api.snapshot.filter { $0.path.hasSuffix("/response") || $0.path.hasSuffix("/error") }.count < answers
            }
            done.signal()
        }.start()
        let finished = await withCheckedContinuation { c in
            DispatchQueue.global().async { c.resume(returning: done.wait(timeout: .now() + 20) == .success) }
        }
        #expect(finished, "the loop did not answer \(answers) invocations in time")
    }

    @Test func failedNextIsRetriedAndHandlerErrorsDoNotStopTheLoop() async throws {
        let deadline = Time.nowMilliseconds() + 600_000
        let api = try await ScriptedRuntimeAPI([
            .status(500), .noRequestID, .status(503),
            .event(id: "req-1", deadlineMs: deadline, body: "hello"),
            .event(id: "req-2", deadlineMs: deadline, body: "boom"),
            .event(id: "req-3", deadlineMs: deadline, body: "again"),
        ])
        let handler = RecordingHandler()
        try await runLoop(api, handler: handler, answers: 3)
        let log = api.snapshot
        #expect(log.filter { $0.path.hasSuffix("/invocation/next") }.count == 6)  // three failures, each retried
        let posts = log.filter { $0.method == "POST" }
        try #require(posts.count == 3)
        #expect(posts[0].path == "/2018-06-01/runtime/invocation/req-1/response")
        #expect(posts[0].body == "echo:hello")
        #expect(posts[1].path == "/2018-06-01/runtime/invocation/req-2/error")
        #expect(posts[1].headers["lambda-runtime-function-error-type"] == "BadRequest")
        let error = try FunkoCore.JSON.decode([String: FunkoCore.JSONValue].self, from: posts[1].body)
        #expect(error["errorType"] == .string("BadRequest"))
        #expect(error["errorMessage"] == .string("boom happened"))
        #expect(posts[2].path == "/2018-06-01/runtime/invocation/req-3/response")  // the loop went on
        // The context the handler saw: request id, deadline, ARN and the exported trace id.
        #expect(handler.seen.map(\.context.requestID) == ["req-1", "req-2", "req-3"])
        #expect(handler.seen[0].context.deadlineMilliseconds == deadline)
        let expected = Double(deadline - handler.seen[0].at) / 1000
        #expect(handler.seen[0].remaining > 0)
        #expect(abs(handler.seen[0].remaining - expected) < 0.05)
        #expect(handler.seen[0].context.invokedFunctionARN == "arn:aws:lambda:us-east-1:000000000000:function:test")
        #expect(handler.seen[0].trace == "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
        await api.server.stop()
    }

    @Test func initialisationFailureGoesToInitError() async throws {
        let api = try await ScriptedRuntimeAPI([])
        let client = RuntimeClient(endpoint: "127.0.0.1:\(api.port)")
        let started = try await onThread {
            LambdaRuntime.start(client: client, logger: Logger()) { _ in
                throw FunkoError.unavailable("database unreachable")
            } != nil
        }
        #expect(!started)
        let posts = api.snapshot.filter { $0.method == "POST" }
        try #require(posts.count == 1)
        #expect(posts[0].path == "/2018-06-01/runtime/init/error")
        #expect(posts[0].headers["lambda-runtime-function-error-type"] == "ServiceUnavailable")
        #expect(posts[0].body.contains("database unreachable"))
        await api.server.stop()
    }

    @Test func backoffIsCappedAndJittered() {
        let b = Backoff(base: 0.01, cap: 2)
        let delays = (0..<20).map { b.delay(attempt: $0) }
        #expect(delays.allSatisfy { $0 >= 0 })
        #expect(delays.allSatisfy { $0 <= 2 })
        #expect(delays.prefix(3).allSatisfy { $0 <= 0.04 })
        #expect(b.delay(attempt: 0) <= 0.01)
        // Full jitter: the waits of one attempt spread over the whole range, not one value.
        let spread = Set((0..<50).map { _ in b.delay(attempt: 30) })
        #expect(spread.count > 40)
        #expect(spread.max()! > 1)
    }

    /// glibc's setenv keeps every value it replaced, so exporting each invocation's trace id with
    /// it grew a warm function by 14 MB per 100,000 invocations (scripts/bench soak). The variable is now
    /// one buffer rewritten in place: the same pointer for every trace id, the latest value.
    @Test func traceIDIsExportedWithoutGrowingTheEnvironment() {
        defer { TraceEnvironment.set(nil) }
        TraceEnvironment.set("Root=1-00000000-000000000000000000000000;Sampled=0")
        let installed = getenv("_X_AMZN_TRACE_ID")
        for n in 0..<1_000 {
            let trace =
                "Root=1-5759e988-\(String(repeating: "0", count: 20))\(1000 + n);Parent=53995c3f42cd8ad8;Sampled=1"
            TraceEnvironment.set(trace)
            #expect(getenv("_X_AMZN_TRACE_ID") == installed)
            #expect(getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } == trace)
        }
        TraceEnvironment.set("Root=short")
        #expect(getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } == "Root=short")
        // Removed between invocations, or replaced by someone else's setenv: installed again.
        TraceEnvironment.set(nil)
        #expect(getenv("_X_AMZN_TRACE_ID") == nil)
        TraceEnvironment.set("Root=again")
        #expect(getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } == "Root=again")
        setenv("_X_AMZN_TRACE_ID", "Root=theirs", 1)
        TraceEnvironment.set("Root=ours")
        #expect(getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } == "Root=ours")
        // A value longer than the buffer gets a larger one.
        let long = "Root=" + String(repeating: "a", count: 1_000)
        TraceEnvironment.set(long)
        #expect(getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } == long)
    }
}

/// A Runtime API that breaks connections: it cuts an answer in the middle of its body, or closes
/// a connection without answering. Neither Lambda nor FlyingFox can be asked for that, so this is
/// a plain socket server. Each connection takes the next step of the script, handles one request
/// and is closed.
final class BrokenConnectionRuntimeAPI: @unchecked Sendable {
    enum Step {
        /// Headers that promise a body, half of it, then the connection closes.
        case truncated
        /// The request is read; the connection closes without a byte of answer.
        case hangUp
        /// A whole invocation.
        case event(id: String, body: String)
        /// A posted response or error is read and accepted (202).
        case accept
    }

    private let lock = Mutex()
    private var script: [Step]
    private(set) var requests: [(line: String, body: String)] = []
    private let listener: Int32
    let port: UInt16

    init(_ script: [Step]) throws {
        self.script = script
        (listener, port) = try Self.loopbackSocket()
        guard listen(listener, 16) == 0 else { throw FunkoError.unavailable("cannot listen") }
        Thread { [self] in serve() }.start()
    }

    /// A TCP socket bound to a free loopback port, and the port.
    static func loopbackSocket() throws -> (descriptor: Int32, port: UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, bound else { throw FunkoError.unavailable("cannot bind a loopback socket") }
        return (descriptor, UInt16(bigEndian: address.sin_port))
    }

    var snapshot: [(line: String, body: String)] { lock.locked { requests } }

    /// Closing the listener ends the accept loop.
    func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            defer { close(connection) }
            guard let (line, body) = Self.readRequest(connection) else { continue }
            let step: Step = lock.locked {
                requests.append((line, body))
                return script.isEmpty ? .hangUp : script.removeFirst()
            }
            switch step {
            case .truncated:
                let body = #"{"this event":"is cut off here"#
                send(
                    connection,
                    "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: cut\r\n"
                        + "Lambda-Runtime-Deadline-Ms: \(Time.nowMilliseconds() + 60_000)\r\n"
                        + "Content-Length: \(body.utf8.count * 2)\r\nConnection: close\r\n\r\n\(body)")
            case .hangUp:
                break
            case .event(let id, let body):
                send(
                    connection,
                    "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: \(id)\r\n"
                        + "Lambda-Runtime-Deadline-Ms: \(Time.nowMilliseconds() + 60_000)\r\n"
                        + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
            case .accept:
                send(connection, "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            }
        }
    }

    private func send(_ connection: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            sent += n
        }
    }

    /// The request line and body (by Content-Length); nil when the peer closed first.
    private static func readRequest(_ connection: Int32) -> (String, String)? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        func fill() -> Bool {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return false }
            data += buffer[..<n]
            return true
        }
        let separator = Array("\r\n\r\n".utf8)
        var end: Int?
        while end == nil {
            guard fill() else { return nil }
            end = data.indices.dropLast(3).first { Array(data[$0..<$0 + 4]) == separator }
        }
        let head = String(decoding: data[..<end!], as: UTF8.self)
        let length =
            head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        while data.count < end! + 4 + length {
            guard fill() else { return nil }
        }
        let line = String(head.split(separator: "\r\n").first ?? "")
        return (line, String(decoding: data[(end! + 4)..<(end! + 4 + length)], as: UTF8.self))
    }
}

// In RuntimeTests (serialized): the loop exports each invocation's trace id into the process
// environment, which traceIDIsExportedWithoutGrowingTheEnvironment watches; run side by side,
// one loop's unsetenv showed up in the other test (found by the AddressSanitizer run's timing).
extension RuntimeTests {
    /// A Runtime API that refuses every connection is gone: the loop gives up (and the binary
    /// exits) instead of retrying forever as an orphan.
    @Test func theLoopEndsWhenTheRuntimeAPIRefusesConnections() async throws {
        let (closed, port) = try BrokenConnectionRuntimeAPI.loopbackSocket()
        close(closed)  // a port nobody listens on: connections are refused
        let handler = RecordingHandler()
        let client = RuntimeClient(endpoint: "127.0.0.1:\(port)")
        let ended = try await onThread {
            LambdaRuntime.loop(client: client, handler: handler, logger: Logger(quiet: true))
        }
        #expect(ended == false)
        #expect(handler.seen.isEmpty)
    }

    /// The Runtime API closing connections mid-answer: a cut-off `next`, a `next` with no answer,
    /// and a response whose connection closes before it is accepted. The loop retries `next`,
    /// logs the undelivered response, and serves the following invocations on new connections.
    @Test func theLoopRecoversFromConnectionsClosedMidResponse() async throws {
        let api = try BrokenConnectionRuntimeAPI([
            .truncated, .hangUp,
            .event(id: "req-1", body: "one"), .hangUp,
            .event(id: "req-2", body: "two"), .accept,
            .truncated,
            .event(id: "req-3", body: "three"), .accept,
        ])
        defer { api.stop() }
        let handler = RecordingHandler()
        nonisolated(unsafe) let client = RuntimeClient(endpoint: "127.0.0.1:\(api.port)")
        let done = DispatchSemaphore(value: 0)
        Thread {
            LambdaRuntime.loop(client: client, handler: handler, logger: Logger(quiet: true)) {
                api.snapshot.filter { $0.line.hasPrefix("POST") }.count < 3
            }
            done.signal()
        }.start()
        let finished = await withCheckedContinuation { c in
            DispatchQueue.global().async { c.resume(returning: done.wait(timeout: .now() + 30) == .success) }
        }
        try #require(finished, "the loop did not get past the broken connections")
        let lines = api.snapshot.map(\.line)
        #expect(
            lines == [
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
                "POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1",
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
                "POST /2018-06-01/runtime/invocation/req-2/response HTTP/1.1",
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
                "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
                "POST /2018-06-01/runtime/invocation/req-3/response HTTP/1.1",
            ], "\(lines)")
        // The cut-off event never reached the handler; each whole one did, once.
        #expect(handler.seen.map(\.event) == ["one", "two", "three"])
        #expect(
            api.snapshot.filter { $0.line.hasPrefix("POST") }.map(\.body) == ["echo:one", "echo:two", "echo:three"])
    }
}
