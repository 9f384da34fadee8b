import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoApp
@testable import FunkoCore
@testable import FunkoData
@testable import FunkoFeatures
@testable import FunkoHandlers
@testable import FunkoModel
@testable import FunkoRetrain
@testable import FunkoStore
@testable import LambdaEvents
@testable import LambdaRuntime

/// Monitoring: the data-quality gate before training (schema, ranges, missing rates, duplicates,
/// volume), and drift at serving time (PSI against the training summary, in EMF metric lines).
@Suite(.serialized, .ownThread) struct MonitoringTests {
    @Test func psiIsZeroForTheTrainingDistributionAndGrowsWithTheShift() {
        let values = (0..<5000).map { Float($0 % 100) }
        let d = Distribution(values: values)
        #expect(PSI.index(values, against: d) < 1e-9)
        let slightly = values.map { $0 + 3 }
        let far = values.map { $0 * 3 + 50 }
        #expect(PSI.index(slightly, against: d) < PSI.threshold)
        #expect(PSI.index(far, against: d) > 1)
        // Missing values are a bin of their own.
        #expect(PSI.index(values.map { $0 < 50 ? .nan : $0 }, against: d) > PSI.threshold)
    }

    /// A data set with every problem the gate exists for: nothing is trained or promoted, and
    /// the report names each problem.
    @Test func injectedProblemsFailTheGateByNameAndNothingIsPromoted() throws {
        let (dir, settings) = try HandlerFixture.shared.copy()
        let repo = ModelRepository(store: LocalObjectStore(root: settings.dataDir))
        var table = try SQLiteStore(path: settings.databasePath).salesTable(since: nil)
        let n = table.count
        for i in stride(from: 0, to: n, by: 97) { table.price[i] = -table.price[i] }  // negative prices
        for i in 0..<(n / 10) {  // a tenth of the feed replayed under new ids
            table.append(
                pop: table.pop[i], soldAt: table.soldAt[i], price: table.price[i],
                condition: Condition(score: Int(table.condition[i]))!,
                marketplace: Marketplace.from(code: table.marketplace[i]))
        }
        let last = table.soldAt.max()!  // a tenfold volume spike
        for i in 0..<n where table.soldAt[i] > last - 7 * secondsPerDay {
            for k in 1...12 {
                table.append(
                    pop: table.pop[i], soldAt: table.soldAt[i] - Int64(k * 60), price: table.price[i] + Double(k),
                    condition: .mint, marketplace: .ebay)
            }
        }
        for p in table.pops.indices { table.pops[p].baseEstimatedValue = .nan }  // a feature column with no values
        table.sortByPopAndTime()

        let service = RetrainService(store: try SQLiteStore(path: settings.databasePath), repository: repo)
        let outcome = try service.run(sales: table, now: Time.now())
        #expect(outcome.status == .rejectedData)
        #expect(!outcome.promoted)
        #expect(outcome.candidate == nil)
        let report = try #require(outcome.quality)
        let failed = Set(report.checks.filter { !$0.passed }.map(\.name))
        #expect(
            failed.isSuperset(of: ["price_range", "duplicates", "missing_base_estimated_value", "weekly_volume"]),
            "\(failed)")
        for phrase in [
            "sales with a zero, negative or non-finite price", "duplicated sales",
            "base_estimated_value is missing on 100.00% of rows",
            "the newest week has",
        ] {
            #expect(outcome.reason.contains(phrase), "\(phrase) not in \(outcome.reason)")
        }
        // The report is kept with the rejected dataset; no CSV, no model, the champion unchanged.
        let saved = try JSON.decode(
            QualityReport.self, from: try Files.read(dir.file("store/datasets/\(outcome.dataset!)/quality.json")))
        #expect(saved == report)
        #expect(!Files.exists(dir.file("store/datasets/\(outcome.dataset!)/train.csv")))
        #expect(try repo.champion()?.version == "fixture")
        #expect(try repo.versions() == ["fixture"])
        #expect(try service.decisions().last == outcome)
    }

    /// Served rows that move away from the training data: the PSI crosses its threshold and the
    /// function's metric line says so; the same requests on the real data do not, whether asked
    /// at the reference's time or with the store a day and a half behind the clock.
    @Test func shiftedServingDataRaisesTheDriftMetric() throws {
        func metricLines(priceFactor: Double, hoursAfterReference: Int64 = 36) throws -> [[String: JSONValue]] {
            let (dir, settings) = try HandlerFixture.shared.copy()
            if priceFactor != 1 {
                let db = try SQLiteConnection(path: settings.databasePath)
                try db.exec("UPDATE price_history SET price = price * \(priceFactor)")
            }
            let function = try HandlerFixture.shared.function("predict-batch", configuration: settings.configuration)
            // A pinned clock: the answers must not depend on the hour the suite runs.
            let metadata = try ModelRepository(store: LocalObjectStore(root: settings.dataDir)).metadata(
                version: "fixture")
            let referenceTime = try #require(metadata.trainingSummary.serving?.at.flatMap(Time.parseISO8601))
            function.clock = { referenceTime + hoursAfterReference * 3600 }
            let lines = Mutex()
            let captured = Box<[String]>([])
            function.metrics = MetricsLogger(function: "predict-batch") { line in
                lines.locked { captured.value.append(line) }
            }
            let ids = try SQLiteStore(path: settings.databasePath).pops().map(\.id)
            for chunk in stride(from: 0, to: 150, by: 50) {
                let body = try JSON.encode(["funko_pop_ids": Array(ids[chunk..<min(chunk + 50, ids.count)])])
                let event = HTTPEvent(
                    method: "POST", path: "/predict/batch", query: [:], headers: ["content-type": "application/json"],
                    body: Array(body.utf8))
                let r = try HTTPResult.decode(
                    try function.handle(try event.encodedV2(requestID: "r\(chunk)", time: 0), context: testContext()))
                #expect(r.status == 200)
            }
            _ = dir
            return try captured.value.map { try JSON.decode([String: JSONValue].self, from: $0) }
        }
        let shifted = try metricLines(priceFactor: 10)
        #expect(shifted.count == 3)
        for line in shifted {  // every line is EMF: namespace, dimension, metric names
            let spec = line["_aws"]?["CloudWatchMetrics"]?.array?.first
            #expect(spec?["Namespace"]?.string == "FunkoPrice")
            #expect(line["Function"]?.string == "predict-batch")
            #expect(line["Latency"] != nil)
            #expect(line["Errors"] == .number(0))
            #expect(line["PredictedPrice"]?.array?.count == 50)
        }
        let check = try #require(shifted.last { $0["DriftDetected"] != nil })  // after 100 rows
        #expect(check["DriftDetected"] == .number(1))
        #expect((check["PredictionPSI"]?.number ?? 0) > PSI.threshold)
        #expect(check["driftedFeatures"]?.array?.contains(.string("avg_price_30d")) == true, "\(check)")
        let names =
            check["_aws"]?["CloudWatchMetrics"]?.array?.first?["Metrics"]?.array?.compactMap { $0["Name"]?.string }
            ?? []
        #expect(
            Set(names).isSuperset(of: [
                "Latency", "Errors", "PredictedPrice", "PredictionPSI", "MaxFeaturePSI", "DriftDetected",
            ]))

        for hours: Int64 in [0, 36] {
            let steady = try metricLines(priceFactor: 1, hoursAfterReference: hours)
            let control = try #require(steady.last { $0["DriftDetected"] != nil })
            #expect(control["DriftDetected"] == .number(0), "\(hours) h: \(control)")
        }
    }
}
