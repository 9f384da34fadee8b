import Foundation
import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import FunkoCore
@testable import FunkoModel
@testable import FunkoStore
@testable import LambdaEvents
@testable import LambdaLocal

/// Faults while a warm function works: the artifact store slow or failing during a model
/// refresh, and PostgreSQL restarted (or the connection dropped) in the middle of a batch. The
/// handler binaries run through lambda-local; the faults are real where they can be (a real
/// PostgreSQL restart, a real lock) and come from the fault proxy where S3 cannot be asked.
@Suite(.serialized, .ownThread) struct FaultTests {
    /// S3 failing (500 on every call) and then slow (5 s per call) while a warm `predict` checks
    /// for a new champion on every request: each request is answered by the model it has,
    /// without waiting out the slow store, and the failure is logged once, not once per check.
    @Test func aWarmFunctionKeepsItsModelWhileS3FailsOrIsSlow() async throws {
        let moto = try Moto.shared
        let bucket = try moto.bucketWithFixtureModel("refresh-faults").name
        let proxy = try await FaultProxy(target: moto.endpoint, script: [])
        let dir = try TempDir()
        var env = try moto.environment.merging(HandlerFixture.shared.environment) { $1 }
        env["MODEL_BUCKET"] = bucket
        env["FUNKO_DATA_DIR"] = "/nonexistent"  // the model must come from S3
        env["AWS_ENDPOINT_URL_S3"] = proxy.endpoint
        env["MODEL_REFRESH_SECONDS"] = "0"  // every request checks champion.json
        let log = dir.file("predict.log")
        let e = LambdaEmulator(
            .init(
                command: ["\(HandlerBinaryTests.binDir)/predict"], port: 0, timeout: 60, functionName: "predict",
                environment: env, logFile: log))
        try await e.start()
        func predict() async throws -> (status: Int, body: String, seconds: Double) {
            let start = Time.monotonic()
            let answer = try await e.invoke(try SampleEvent.all[0].bytes)
            let r = try HTTPResult.decode(answer.body)
            return (r.status, String(decoding: r.body, as: UTF8.self), Time.monotonic() - start)
        }
        func logLines(_ text: String) throws -> Int {
            try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").filter { $0.contains(text) }.count
        }
        let first = try await predict()
        #expect(first.status == 200, "\(first.body)")
        let checks = proxy.requests.count

        proxy.always(
            .status(
                500, "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"))
        for _ in 0..<3 {
            let answer = try await predict()
            #expect(answer.status == 200, "\(answer.body)")
            #expect(answer.body.contains(#""model_version":"fixture""#), "\(answer.body)")
        }
        proxy.always(.hang(5))
        for _ in 0..<2 {
            let answer = try await predict()
            #expect(answer.status == 200, "\(answer.body)")
            #expect(answer.body.contains(#""model_version":"fixture""#), "\(answer.body)")
            // The check gives up after its own short limit instead of waiting for the store.
            #expect(answer.seconds < 4.5, "took \(answer.seconds) s")
        }
        #expect(proxy.requests.count >= checks + 5)  // every request did check
        proxy.always(nil)
        // Until a check gets through (on a loaded machine moto behind the proxy can take longer
        // than the check's 2 s; those checks fail quietly, as the outage's own did).
        var tries = 0
        while try logLines("model refresh works again") == 0, tries < 20 {
            let recovered = try await predict()
            #expect(recovered.status == 200, "\(recovered.body)")
            tries += 1
        }
        #expect(await e.starts == 1)
        await e.stop()
        await proxy.server.stop()
        let logs = try String(contentsOfFile: log, encoding: .utf8)
        #expect(try logLines("model refresh failed") == 1, "\(logs)")
        #expect(try logLines("model refresh works again") == 1, "\(logs)")
        let failed = logs.split(separator: "\n").first { $0.contains("works again") }.flatMap {
            try? JSON.decode([String: JSONValue].self, from: String($0))["failedChecks"]
        }
        #expect((failed?.number ?? 0) >= 5, "\(logs)")  // the five failing requests, and any slow ones after
    }

    /// A batch of 100 is held in the middle (after its catalog read, on its sales read) by
    /// a real table lock; then the server restarts, or only the batch's connection is dropped.
    /// The batch answers 503 with the reason or succeeds whole after reconnecting; never half.
    @Test func postgresRestartedOrDroppedMidBatchNeverGivesHalfAnAnswer() async throws {
        let server = try Postgres()  // its own server: restarting the shared one would break other tests
        let fixture = try PostgresFixture(server: server)
        let database = String(fixture.url.split(separator: "/").last!)
        var env = try HandlerFixture.shared.environment
        env["DATABASE_URL"] = fixture.url
        let e = LambdaEmulator(
            .init(
                command: ["\(HandlerBinaryTests.binDir)/predict-batch"], port: 0, timeout: 120,
                functionName: "predict-batch", environment: env))
        try await e.start()
        let ids = (0..<100).map { String(10001 + $0) }
        let event = try SampleEvent.batch(ids: ids)
        func batch() async throws -> (status: Int, body: String) {
            let r = try HTTPResult.decode(try await e.invoke(event).body)
            return (r.status, String(decoding: r.body, as: UTF8.self))
        }
        func sql(_ statement: String) throws -> String {
            let r = try runProcess(
                "\(server.bin)/psql",
                ["-h", "127.0.0.1", "-p", String(server.port), "-U", "postgres", "-d", database, "-tAc", statement])
            guard r.status == 0 else { throw FunkoError.unavailable("psql: \(r.stderr)") }
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let waitingBackends =
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        /// Waits until the batch's connection waits for the lock (it has read the catalog by then).
        func waitUntilTheBatchIsHeld() async throws -> String {
            for _ in 0..<600 {
                let pid = try sql(waitingBackends)
                if !pid.isEmpty { return pid }
                try await Task.sleep(nanoseconds: 50_000_000)  // polling a condition, not a fixed wait
            }
            throw FunkoError.unavailable("the batch never waited for the lock")
        }
        func strip(_ s: String) -> String {
            s.replacingOccurrences(of: #""prediction_date":"[^"]*""#, with: "", options: .regularExpression)
        }

        let undisturbed = try await batch()
        try #require(undisturbed.status == 200, "\(undisturbed.body)")
        #expect(undisturbed.body.components(separatedBy: #""predicted_price":"#).count - 1 == 100)

        // 1. Only the batch's connection is dropped: it reconnects and the batch succeeds whole.
        var holder = try LockHolder(server: server, database: database)
        let dropped = Task { try await batch() }
        let pid = try await waitUntilTheBatchIsHeld()
        #expect(try sql("SELECT pg_terminate_backend(\(pid))") == "t")
        let again = try await waitUntilTheBatchIsHeld()  // the same batch, on a new connection
        #expect(again != pid)
        holder.release()
        let afterDrop = try await dropped.value
        #expect(afterDrop.status == 200, "\(afterDrop.body)")
        #expect(strip(afterDrop.body) == strip(undisturbed.body))

        // 2. The server restarts while the batch is held: 503 with the reason, no predictions.
        holder = try LockHolder(server: server, database: database)
        let restarted = Task { try await batch() }
        _ = try await waitUntilTheBatchIsHeld()
        try server.stop()
        let duringRestart = try await restarted.value
        #expect(duringRestart.status == 503, "\(duringRestart.body)")
        #expect(duringRestart.body.contains(#""code":"service_unavailable""#), "\(duringRestart.body)")
        #expect(duringRestart.body.contains("database unavailable"), "\(duringRestart.body)")
        #expect(!duringRestart.body.contains("predicted_price"), "\(duringRestart.body)")
        holder.release()
        try server.start()
        let afterRestart = try await batch()
        #expect(afterRestart.status == 200, "\(afterRestart.body)")
        #expect(strip(afterRestart.body) == strip(undisturbed.body))
        #expect(await e.starts == 1)  // one warm process throughout
        await e.stop()
        try server.stop()
    }
}

extension SampleEvent {
    /// The sample batch event with `ids` (known to the fixture) in its body.
    static func batch(ids: [String]) throws -> [UInt8] {
        var event = try JSON.decode(
            [String: JSONValue].self, from: try Files.read("\(packageRoot)/events/predict-batch.json"))
        let body: [String: JSONValue] = [
            "funko_pop_ids": .array(ids.map(JSONValue.string)), "condition": .string("near_mint"),
            "marketplace": .string("whatnot"), "future_days": .number(7),
        ]
        event["body"] = .string(try JSON.encode(body))
        if case .object(var headers) = event["headers"] {
            headers["content-length"] = nil  // the sample's is for its own body
            event["headers"] = .object(headers)
        }
        return Array(try JSON.encode(event).utf8)
    }
}

/// A psql session holding `LOCK TABLE price_history` (the sales) in an open transaction until released (or until
/// the server goes away).
struct LockHolder {
    private let process = Process()
    private let input = Pipe()

    init(server: Postgres, database: String) throws {
        process.executableURL = URL(fileURLWithPath: "\(server.bin)/psql")
        process.arguments = ["-h", "127.0.0.1", "-p", String(server.port), "-U", "postgres", "-d", database, "-q"]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN; LOCK TABLE price_history IN ACCESS EXCLUSIVE MODE;\n".utf8))
        // Wait for the lock to be held, so the next query of anyone else on sales waits for it.
        let check = [
            "-h", "127.0.0.1", "-p", String(server.port), "-U", "postgres", "-d", database, "-tAc",
            "SELECT count(*) FROM pg_locks WHERE relation = 'price_history'::regclass AND mode = 'AccessExclusiveLock' AND granted",
        ]
        for _ in 0..<600 {
            if try runProcess("\(server.bin)/psql", check).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
            {
                return
            }
            Thread.sleep(forTimeInterval: 0.05)  // polling a condition, not a fixed wait
        }
        throw FunkoError.unavailable("the lock on price_history was never granted")
    }

    /// Ends the transaction and the session.
    func release() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
