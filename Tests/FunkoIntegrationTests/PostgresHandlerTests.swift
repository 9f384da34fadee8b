import Foundation
import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import FunkoApp
@testable import FunkoCore
@testable import FunkoFeatures
@testable import FunkoHandlers
@testable import FunkoModel
@testable import FunkoRetrain
@testable import FunkoStore
@testable import LambdaEvents
@testable import LambdaLocal
@testable import LambdaRuntime

/// The handler fixture's catalog and sales copied into a PostgreSQL database, so the handlers,
/// the pipeline and retraining can be checked against the SQLite answers.
final class PostgresFixture: @unchecked Sendable {
    private static let instance = Shared { try PostgresFixture(server: try Postgres.shared) }
    /// Built on first use; a failure fails each test that asks for it.
    static var shared: PostgresFixture { get throws { try instance.get() } }
    let url: String

    init(server: Postgres) throws {
        url = try server.freshDatabase()
        let sqlite = try SQLiteStore(path: HandlerFixture.shared.databasePath)
        let pg = try PostgresStore(url: url)
        let pops = try sqlite.pops()
        _ = try pg.upsertPops(pops)
        _ = try pg.insertSales(try pops.flatMap { try sqlite.sales(popID: $0.id, from: 0, until: .max) })
    }

    /// The handler fixture's configuration with this database instead of the SQLite file.
    var configuration: AppConfiguration {
        get throws {
            var c = try HandlerFixture.shared.configuration
            c.store = .postgres(url: url)
            return c
        }
    }
}

@Suite(.serialized, .ownThread) struct PostgresHandlerTests {
    @Test func everySampleEventAnswersOnPostgresExactlyAsOnSQLite() throws {
        let clock = Time.now()
        for function in ["predict", "predict-batch", "history", "status"] {
            let sqlite = try HandlerFixture.shared.function(function)
            let pg = try HandlerFixture.shared.function(function, configuration: PostgresFixture.shared.configuration)
            sqlite.clock = { clock }
            pg.clock = { clock }
            for sample in SampleEvent.all where sample.function == function {
                let context = testContext()
                let a = try? sqlite.handle(sample.bytes, context: context)
                let b = try? pg.handle(sample.bytes, context: context)
                #expect(a == b, "\(sample.file)")
                if let status = sample.status, let b {
                    #expect(try HTTPResult.decode(b).status == status, "\(sample.file)")
                }
            }
        }
    }

    @Test func thePipelineWritesTheSameDatasetFromBothStores() throws {
        let now = Time.now()
        var files: [String: [[UInt8]]] = [:]
        for store in [
            try SQLiteStore(path: HandlerFixture.shared.databasePath) as Store,
            try PostgresStore(url: PostgresFixture.shared.url),
        ] {
            let dir = try TempDir()
            let dataset = try Pipeline.build(
                try store.salesTable(since: nil), config: quickConfig(), version: "v1", now: now)
            try Pipeline.write(dataset, to: LocalObjectStore(root: dir.path))
            for name in ["train.csv", "validation.csv", "test.csv", "schema.json", "quality.json"] {
                files[name, default: []].append(try Files.read(dir.file("datasets/v1/\(name)")))
            }
        }
        for (name, both) in files {
            try #require(both.count == 2, "\(name)")
            #expect(both[0] == both[1], "\(name)")
            #expect(!both[0].isEmpty, "\(name)")
        }
    }

    @Test func retrainingRunsOnPostgres() throws {
        let dir = try TempDir()
        try FileManager.default.copyItem(atPath: HandlerFixture.shared.dataDir, toPath: dir.file("store"))
        var configuration = try PostgresFixture.shared.configuration
        configuration.artifactFolder = dir.file("store")
        let function = try HandlerFixture.shared.retrainFunction(configuration: configuration)
        #expect(function.app.store is PostgresStore)
        let outcome = try JSON.decode(
            RetrainOutcome.self, from: try function.handle(SampleEvent.retrain[0].bytes, context: testContext()))
        #expect(outcome.quality?.passed == true, "\(outcome.reason)")
        #expect([.promoted, .keptChampion].contains(outcome.status), "\(outcome.reason)")
        #expect(Files.exists(dir.file("store/datasets/\(outcome.candidate!)/train.csv")))
        #expect(Files.exists(dir.file("store/models/\(outcome.candidate!)/model.tar.gz")))
    }

    /// A batch of 100 Pops reads the catalog and the sales in one query each, whatever its size
    /// (two round trips to a Supabase database in another zone instead of 200), and answers
    /// exactly as on SQLite.
    @Test func aBatchOf100TakesAtMostThreeDatabaseRoundTrips() throws {
        let clock = Time.now()
        let pg = try HandlerFixture.shared.function(
            "predict-batch", configuration: PostgresFixture.shared.configuration)
        let sqlite = try HandlerFixture.shared.function("predict-batch")
        pg.clock = { clock }
        sqlite.clock = { clock }
        let store = try #require(pg.app.store as? PostgresStore)
        for ids in [(0..<100).map { String(10001 + $0) }, ["10001"], ["10001", "99999", "10001"]] {
            let event = try SampleEvent.batch(ids: ids)
            let context = testContext()
            let before = store.roundTrips
            let answer = try pg.handle(event, context: context)
            #expect(store.roundTrips - before <= 3, "\(ids.count) ids: \(store.roundTrips - before) round trips")
            let result = try HTTPResult.decode(answer)
            #expect(result.status == 200, "\(String(decoding: result.body, as: UTF8.self))")
            #expect(answer == (try sqlite.handle(event, context: context)))
        }
    }

    /// A server that goes away mid-run: requests during the outage answer 503 with a clear
    /// message; the first request after the restart succeeds in the same handler process.
    @Test func anOutageGives503AndTheSameHandlerRecoversAfterIt() async throws {
        let server = try Postgres()  // its own server: stopping the shared one would break other tests
        let fixture = try PostgresFixture(server: server)
        var env = try HandlerFixture.shared.environment
        env["DATABASE_URL"] = fixture.url
        let e = LambdaEmulator(
            .init(
                command: ["\(HandlerBinaryTests.binDir)/predict"], port: 0, timeout: 60, functionName: "predict",
                environment: env))
        try await e.start()
        let predict = try SampleEvent.all[0].bytes
        func status(_ answer: (body: [UInt8], functionError: Bool)) throws -> (Int, String) {
            let r = try HTTPResult.decode(answer.body)
            return (r.status, String(decoding: r.body, as: UTF8.self))
        }
        #expect(try status(try await e.invoke(predict)).0 == 200)

        try server.stop()
        for _ in 0..<2 {
            let (code, body) = try status(try await e.invoke(predict))
            #expect(code == 503, "\(body)")
            #expect(body.contains(#""code":"service_unavailable""#), "\(body)")
            #expect(
                body.contains(
                    "database unavailable: cannot connect to postgresql://postgres@127.0.0.1:\(server.port)/"),
                "\(body)")
        }
        try server.start()
        let (code, body) = try status(try await e.invoke(predict))
        #expect(code == 200, "\(body)")
        #expect(body.contains(#""predicted_price":"#), "\(body)")
        #expect(await e.starts == 1)  // the handler process was never restarted
        await e.stop()
        try server.stop()
    }
}

/// In the cloud the database URL is an SSM SecureString: the function gets only its name.
@Suite(.serialized, .ownThread) struct DatabaseSecretTests {
    @Test func theHandlerReadsTheDatabaseURLFromSSMAndNeverShowsIt() async throws {
        let moto = try Moto.shared
        let name = "/funko/test-\(UUID().uuidString.prefix(8))/database-url"
        // A password the server does not need (trust auth) but that must stay secret.
        let secretURL = try PostgresFixture.shared.url.replacingOccurrences(
            of: "postgres@", with: "postgres:s3cr3t-pw@")
        let ssm = SSMClient(config: moto.config)
        _ = try ssm.client.send(
            .init(
                operation: "PutParameter", method: "POST", path: "/",
                headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AmazonSSM.PutParameter")],
                body: Array(
                    try JSON.encode([
                        "Name": JSONValue.string(name), "Value": .string(secretURL), "Type": .string("SecureString"),
                    ]).utf8)))
        #expect(try ssm.parameter(name) == secretURL)

        var env = try moto.environment.merging(HandlerFixture.shared.environment) { $1 }
        env["FUNKO_DB"] = "/nonexistent/funko.sqlite"
        env["DATABASE_URL_PARAMETER"] = name
        let e = LambdaEmulator(
            .init(
                command: ["\(HandlerBinaryTests.binDir)/status"], port: 0, timeout: 60, functionName: "status",
                environment: env))
        try await e.start()
        let health = try HTTPResult.decode(try await e.invoke(try Files.read("\(packageRoot)/events/health.json")).body)
        #expect(health.status == 200)
        #expect(String(decoding: health.body, as: UTF8.self).contains(#""database":"ok""#))
        await e.stop()

        // A missing parameter is an init error that names the parameter.
        env["DATABASE_URL_PARAMETER"] = name + "-missing"
        let bad = LambdaEmulator(
            .init(
                command: ["\(HandlerBinaryTests.binDir)/status"], port: 0, timeout: 60, functionName: "status",
                environment: env))
        try await bad.start()
        let answer = try await bad.invoke(try Files.read("\(packageRoot)/events/health.json"))
        let text = String(decoding: answer.body, as: UTF8.self)
        #expect(answer.functionError, "\(text)")
        #expect(text.contains("ParameterNotFound"), "\(text)")
        #expect(text.contains(name + "-missing"), "\(text)")
        await bad.stop()

        // Connection errors show the URL without its password.
        let unreachable = try secretURL.replacingOccurrences(of: ":\(Postgres.shared.port)/", with: ":1/")
        #expect(throws: FunkoError.self) { try PostgresStore(url: unreachable) }
        do { _ = try PostgresStore(url: unreachable) } catch let error as FunkoError {
            #expect(!error.message.contains("s3cr3t-pw"), "\(error.message)")
            #expect(error.message.contains("postgresql://postgres@127.0.0.1:1/"), "\(error.message)")
        }
    }
}
