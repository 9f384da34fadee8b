import FunkoTestSupport
import Testing

@testable import FunkoApp
@testable import FunkoCore
@testable import FunkoHandlers
@testable import FunkoStore
@testable import LambdaEvents
@testable import LambdaRuntime
@testable import RetrainHandler

/// The metric lines an operator's alarms and dashboard read: the data's age from every health
/// check and retraining run, and what each retraining run decided. The drift metrics are checked
/// in MonitoringTests; `everyListedMetricIsWrittenBySomeFunction` joins them all up.
@Suite(.serialized, .ownThread) struct OperationsMetricTests {
    /// EMF lines written by one function, decoded.
    final class Captured: @unchecked Sendable {
        private let lock = Mutex()
        private var lines: [String] = []
        func append(_ line: String) { lock.locked { lines.append(line) } }
        func decoded() throws -> [[String: JSONValue]] {
            try lock.locked { lines }.map { try JSON.decode([String: JSONValue].self, from: $0) }
        }
    }

    static func names(_ line: [String: JSONValue]) -> Set<String> {
        Set(
            line["_aws"]?["CloudWatchMetrics"]?.array?.first?["Metrics"]?.array?.compactMap { $0["Name"]?.string } ?? []
        )
    }

    /// A health check three days after the newest sale reports about 72 hours, in its answer and
    /// in its metric line (the data-freshness alarm's input).
    @Test func healthChecksReportTheAgeOfTheNewestSale() throws {
        let status = try HandlerFixture.shared.function("status")
        let newest = try #require(
            try SQLiteStore(path: try HandlerFixture.shared.databasePath).counts().lastSale.flatMap(Time.parseISO8601))
        status.clock = { newest + 3 * secondsPerDay }
        let captured = Captured()
        status.metrics = MetricsLogger(function: "status") { captured.append($0) }
        let answer = try HTTPResult.decode(
            try status.handle(try SampleEvent.all.first { $0.file == "health.json" }!.bytes, context: testContext()))
        #expect(answer.status == 200)
        let health = try JSON.decode(HealthResponse.self, from: answer.body)
        #expect(health.dataAgeHours == 72)
        // The scheduled health check is a direct invocation: the same number.
        _ = try status.handle(Array(#"{"action":"health"}"#.utf8), context: testContext())
        let lines = try captured.decoded()
        #expect(lines.count == 2)
        for line in lines {
            #expect(line["DataAgeHours"] == .number(72))
            #expect(Self.names(line).contains("DataAgeHours"))
        }
        // GET /model/status shows the same age with the catalog.
        let model = try HTTPResult.decode(
            try status.handle(
                try SampleEvent.all.first { $0.file == "model-status.json" }!.bytes, context: testContext()))
        #expect(try JSON.decode(ModelStatus.self, from: model.body).catalog?.ageHours == 72)
    }

    /// `GET /model/status` counts the catalog at most once a minute (a scan of every sale): a sale
    /// added meanwhile shows a minute after the last count, not before.
    @Test func modelStatusCountsTheCatalogAtMostOnceAMinute() throws {
        let (dir, files) = try HandlerFixture.shared.copy()
        defer { withExtendedLifetime(dir) {} }  // the copy is removed with its TempDir
        let status = try HandlerFixture.shared.function("status", configuration: files.configuration)
        let event = try SampleEvent.all.first { $0.file == "model-status.json" }!.bytes
        let store = try SQLiteStore(path: files.databasePath)
        let start = try #require(store.counts().lastSale.flatMap(Time.parseISO8601)) + secondsPerDay
        func sales(at now: EpochSeconds) throws -> Int? {
            status.clock = { now }
            let answer = try HTTPResult.decode(try status.handle(event, context: testContext()))
            return try JSON.decode(ModelStatus.self, from: answer.body).catalog?.sales
        }
        let before = try #require(try sales(at: start))
        let pop = try #require(store.pops().first)
        #expect(
            try store.insertSales([
                Sale(
                    popID: pop.id, soldAt: start, price: 12, condition: .mint, marketplace: .ebay, source: "test",
                    externalID: "status-count")
            ]) == 1)
        #expect(try sales(at: start + 59) == before)
        #expect(try sales(at: start + 60) == before + 1)
    }

    /// Each retraining run says what it decided, under the dimension of what started it.
    @Test func retrainingRunsReportTheirOutcome() throws {
        let (dir, files) = try HandlerFixture.shared.copy()
        let retrain = try HandlerFixture.shared.retrainFunction(configuration: files.configuration)
        let captured = Captured()
        retrain.metrics = MetricsLogger(function: "retrain-trigger") { captured.append($0) }

        // A scheduled run on good data: promoted or kept, with both MAEs.
        let schedule = try SampleEvent.retrain.first { $0.file == "retrain-schedule.json" }!.bytes
        let decided = try JSON.decode(
            RetrainHandlerOutcome.self, from: try retrain.handle(schedule, context: testContext()))
        // A scheduled run on data the quality gate refuses.
        let store = try SQLiteStore(path: files.databasePath)
        _ = try store.insertSales(newestWeekSpike(try store.salesTable(since: nil)))
        let refused = try JSON.decode(
            RetrainHandlerOutcome.self, from: try retrain.handle(schedule, context: testContext()))
        #expect(refused.status == "rejected_data")
        // A manual run that cannot even read its store fails.
        try SQLiteConnection(path: files.databasePath).exec("DROP TABLE price_history")
        #expect(throws: (any Error).self) {
            try retrain.handle(Array(#"{"action":"retrain"}"#.utf8), context: testContext())
        }
        withExtendedLifetime(dir) {}

        let lines = try captured.decoded()
        #expect(lines.count == 3)
        let outcomes = ["RetrainPromoted", "RetrainKeptChampion", "RetrainRefused", "RetrainFailed"]
        func flags(_ line: [String: JSONValue]) -> [String: Double] {
            Dictionary(uniqueKeysWithValues: outcomes.compactMap { n in line[n]?.number.map { (n, $0) } })
        }
        let first = try #require(lines.first)
        #expect(first["Trigger"] == .string("schedule"))
        #expect(flags(first)[decided.status == "promoted" ? "RetrainPromoted" : "RetrainKeptChampion"] == 1)
        #expect(flags(first).values.reduce(0, +) == 1)
        #expect(first["CandidateMAE"]?.number != nil)
        #expect(first["ChampionMAE"]?.number != nil)
        #expect((first["DataAgeHours"]?.number ?? -1) >= 0)
        // The Trigger dimension is declared beside Function, so the alarm can pick scheduled runs.
        let dimensions = first["_aws"]?["CloudWatchMetrics"]?.array?.first?["Dimensions"]?.array
        #expect(dimensions?.contains(.array([.string("Function"), .string("Trigger")])) == true)

        #expect(lines[1]["Trigger"] == .string("schedule"))
        #expect(
            flags(lines[1]) == [
                "RetrainPromoted": 0, "RetrainKeptChampion": 0, "RetrainRefused": 1, "RetrainFailed": 0,
            ])
        #expect(lines[1]["CandidateMAE"] == nil)

        #expect(lines[2]["Trigger"] == .string("manual"))
        #expect(flags(lines[2])["RetrainFailed"] == 1)
        #expect(lines[2]["Errors"] == .number(1))
    }

    /// The list (`MetricName`) holds exactly what the functions write: each name appears in a
    /// line of some function.
    @Test func everyListedMetricIsWrittenBySomeFunction() throws {
        var written = Set<String>()
        // predict-batch past its drift window (100 served rows), status, and retrain-trigger.
        let batch = try HandlerFixture.shared.function("predict-batch")
        let captured = Captured()
        batch.metrics = MetricsLogger(function: "predict-batch") { captured.append($0) }
        let ids = try SQLiteStore(path: try HandlerFixture.shared.databasePath).pops().map(\.id)
        for chunk in stride(from: 0, to: 150, by: 50) {
            let body = try JSON.encode(["funko_pop_ids": Array(ids[chunk..<min(chunk + 50, ids.count)])])
            let event = HTTPEvent(method: "POST", path: "/predict/batch", body: Array(body.utf8))
            _ = try batch.handle(try event.encodedV2(requestID: "r", time: 0), context: testContext())
        }
        let status = try HandlerFixture.shared.function("status")
        status.metrics = MetricsLogger(function: "status") { captured.append($0) }
        _ = try status.handle(Array(#"{"action":"health"}"#.utf8), context: testContext())
        let (dir, files) = try HandlerFixture.shared.copy()
        let retrain = try HandlerFixture.shared.retrainFunction(configuration: files.configuration)
        retrain.metrics = MetricsLogger(function: "retrain-trigger") { captured.append($0) }
        _ = try retrain.handle(Array(#"{"action":"retrain"}"#.utf8), context: testContext())
        withExtendedLifetime(dir) {}
        for line in try captured.decoded() { written.formUnion(Self.names(line)) }
        #expect(written == Set(MetricName.allCases.map(\.rawValue)))
    }
}

/// The part of a retraining answer these tests read.
private struct RetrainHandlerOutcome: Decodable {
    let status: String
}
