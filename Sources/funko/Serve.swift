import ArgumentParser
import Dispatch
import FlyingFox
import Foundation
import FunkoApp
import FunkoCore
import FunkoHandlers
import LambdaEvents
import LambdaLocal
import LambdaRuntime

/// `funko serve`: the HTTP API on this machine. Each request becomes the payload-2.0 event API
/// Gateway would send and goes through the same handler code as the Lambda functions.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the web app and the HTTP API on this machine (the API's routes, as API Gateway would).")
    @OptionGroup var options: AppOptions
    @Option(help: "Port to listen on (0 picks a free one).") var port: UInt16 = 8000
    @Option(help: "IPv4 address to listen on.") var host = "127.0.0.1"
    @Option(help: "The web app's folder, served at / (its index.html must exist).") var web = "web"
    @Option(help: "A web origin that may call the API from a browser (CORS); repeatable (env CORS_ALLOWED_ORIGINS).")
    var corsOrigin: [String] = []
    @Option(
        help:
            "API requests answered at once: that many function instances, each with its own store connection and model, as that many warm Lambda instances (default 1: one at a time, as one instance)."
    )
    var instances: Int?

    func validate() throws {
        if let instances, !(1...64).contains(instances) {
            throw ValidationError("--instances must be from 1 to 64")
        }
    }

    func run() async throws {
        try await FunkoCLI.runAsync {
            var configuration = try options.configuration()
            if !corsOrigin.isEmpty {
                configuration.corsOrigins = try AppConfiguration.origins(
                    "--cors-origin", corsOrigin.joined(separator: ","))
            }
            // One by default: on 2 cores a second instance gave no consistent gain in three runs of
            // scripts/bench load (docs/benchmarks.md); more may pay on a machine with cores to spare.
            let count = instances ?? 1
            let functions = try (0..<count).map { _ in
                FunkoFunction(routes: Route.allCases, app: try App(configuration: configuration, logger: Logger()))
            }
            let files = StaticFiles(folder: web)
            if files == nil { writeStderr("no web app in \(web) (no index.html): serving the API only\n") }
            let address: sockaddr_in
            do { address = try .inet(ip4: host, port: port) } catch {
                throw FunkoError.badRequest("--host \"\(host)\" is not an IPv4 address")
            }
            // A parent may start us with SIGTERM/SIGINT blocked (the mask is inherited); a server
            // must still stop when asked.
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGTERM)
            sigaddset(&signals, SIGINT)
            sigprocmask(SIG_UNBLOCK, &signals, nil)
            let server = HTTPServer.withoutNagle(
                address: address, timeout: 60, handler: LocalGateway(functions: FunctionPool(functions), files: files))
            let announce = Task { [host, port] in
                try await server.waitUntilListening()
                var actual = port  // --port 0 picks a free one
                if case .ip4(_, let p) = await server.listeningAddress { actual = p }
                let routes = Route.allCases.map { "\($0.method) \($0.path)" }.joined(separator: ", ")
                print(
                    "serving http://\(host):\(actual)\(files == nil ? "" : " (the web app at /)"); the API: \(routes) (\(count) at a time); Ctrl-C stops"
                )
                fflush(nil)  // every stream: `stdout` itself is a C global that Swift 6 will not touch from a task
            }
            defer { announce.cancel() }
            do { try await server.run() } catch {
                throw FunkoError.unavailable("cannot serve on \(host):\(port): \(error)")
            }
        }
    }
}

/// Request → payload-2.0 event → a `FunkoFunction` of the pool → HTTP response, for the API's
/// paths; the web app's files for the rest.
final class LocalGateway: HTTPHandler, Sendable {
    private let functions: FunctionPool
    private let files: StaticFiles?

    init(functions: FunctionPool, files: StaticFiles?) {
        self.functions = functions
        self.files = files
    }

    static let phrases = [
        200: "OK", 204: "No Content", 304: "Not Modified", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 413: "Content Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
        503: "Service Unavailable",
    ]

    func handleRequest(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
        let isAPI = Route.allCases.contains { $0.match(request.path) != nil }
        if !isAPI, let files, request.method == .GET || request.method == .HEAD {
            let answer = files.answer(path: request.path, ifNoneMatch: request.headers[HTTPHeader("If-None-Match")])
            return response(status: answer.status, headers: answer.headers, body: answer.body)
        }
        return try await callFunction(request)
    }

    func response(status: Int, headers: [String: String], body: [UInt8]) -> FlyingFox.HTTPResponse {
        var out = HTTPHeaders()
        for (k, v) in headers { out[HTTPHeader(k)] = v }
        return FlyingFox.HTTPResponse(
            statusCode: HTTPStatusCode(status, phrase: Self.phrases[status] ?? ""), headers: out, body: Data(body))
    }

    func callFunction(_ request: FlyingFox.HTTPRequest) async throws -> FlyingFox.HTTPResponse {
        var headers: [String: String] = [:]
        for (k, v) in request.headers { headers[k.rawValue.lowercased()] = v }
        var query: [String: String] = [:]
        for q in request.query { query[q.name] = q.value }
        let requestID = UUID().uuidString.lowercased()
        let event = HTTPEvent(
            format: .v2, method: request.method.rawValue, path: request.path, query: query, headers: headers,
            body: Array(try await request.bodyData), apiRequestID: requestID)
        let bytes = try event.encodedV2(requestID: requestID, time: Time.now())
        let context = LambdaContext(
            requestID: requestID, deadlineMilliseconds: Time.nowMilliseconds() + 30_000,
            invokedFunctionARN: "arn:aws:lambda:local:000000000000:function:funko-serve", traceID: nil)
        let answer = try await functions.handle(bytes, context: context)
        let result = try HTTPResult.decode(answer)
        return response(
            status: result.status, headers: result.headers.merging(["x-content-type-options": "nosniff"]) { a, _ in a },
            body: result.body)
    }
}

/// The API's function instances. Each answers one request at a time, as a warm Lambda instance
/// does (a `FunkoFunction` and its `App` keep per-instance state: the store connection, the
/// model, the served rows of the drift check); requests beyond the pool's size wait for a free
/// instance, oldest first. The handler runs on a Dispatch thread, not on the server's
/// cooperative threads, so static files and the other connections keep being served meanwhile.
/// (`@unchecked`: `free` and `waiting` are used only under `lock`, and an instance is handed to
/// one request at a time, so its non-Sendable state is never shared.)
final class FunctionPool: @unchecked Sendable {
    private let lock = Mutex()
    private var free: [FunkoFunction]
    private var waiting: [CheckedContinuation<Instance, Never>] = []
    let size: Int

    /// A function instance in transit between the pool and the one request that holds it.
    private struct Instance: @unchecked Sendable {
        let function: FunkoFunction
    }

    init(_ functions: [FunkoFunction]) {
        precondition(!functions.isEmpty, "a pool needs an instance")
        free = functions
        size = functions.count
    }

    func handle(_ event: [UInt8], context: LambdaContext) async throws -> [UInt8] {
        let instance = await checkOut()
        defer { checkIn(instance) }
        return try await withCheckedThrowingContinuation { reply in
            DispatchQueue.global().async {
                reply.resume(with: Result { try instance.function.handle(event, context: context) })
            }
        }
    }

    private func checkOut() async -> Instance {
        await withCheckedContinuation { (waiter: CheckedContinuation<Instance, Never>) in
            let ready: Instance? = lock.locked {
                if let f = free.popLast() { return Instance(function: f) }
                waiting.append(waiter)
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }

    /// Hands the instance to the oldest waiting request, or back to the pool (one decision under
    /// the lock, so a request that starts waiting meanwhile is not missed).
    private func checkIn(_ instance: Instance) {
        let next: CheckedContinuation<Instance, Never>? = lock.locked {
            if waiting.isEmpty {
                free.append(instance.function)
                return nil
            }
            return waiting.removeFirst()
        }
        next?.resume(returning: instance)
    }
}
