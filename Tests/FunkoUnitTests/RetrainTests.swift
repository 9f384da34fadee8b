import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoAPI
@testable import FunkoApp
@testable import FunkoCore
@testable import FunkoData
@testable import FunkoFeatures
@testable import FunkoHandlers
@testable import FunkoModel
@testable import FunkoRetrain
@testable import FunkoStore
@testable import LambdaRuntime
@testable import RetrainHandler

@Suite(.serialized, .ownThread) struct RetrainTests {
    @Test func scheduledAndManualEventsRetrainAndRecordTheDecision() throws {
        let (dir, settings) = try HandlerFixture.shared.copy()
        let function = try HandlerFixture.shared.retrainFunction(configuration: settings.configuration)
        var outcomes: [RetrainOutcome] = []
        for sample in SampleEvent.retrain {
            let answer = try function.handle(sample.bytes, context: testContext())
            let text = String(decoding: answer, as: UTF8.self)
            for fragment in sample.contains { #expect(text.contains(fragment), "\(fragment) in \(text.prefix(300))") }
            outcomes.append(try JSON.decode(RetrainOutcome.self, from: answer))
        }
        #expect(outcomes.allSatisfy { $0.quality?.passed == true })
        #expect(outcomes.allSatisfy { $0.candidate != nil })
        let repo = ModelRepository(store: LocalObjectStore(root: settings.dataDir))
        let log = try JSON.decode([RetrainOutcome].self, from: try Files.read(dir.file("store/models/decisions.json")))
        #expect(log == outcomes)
        // Promotion happened only when the candidate beat the champion on the same rows.
        for o in outcomes where o.promoted { #expect(o.reason.contains("< champion MAE")) }
        for o in outcomes where !o.promoted { #expect(o.reason.contains("is not below champion MAE")) }
        let expectedChampion = outcomes.last { $0.promoted }?.candidate ?? "fixture"
        #expect(try repo.champion()?.version == expectedChampion)
        for file in ["quality.json", "schema.json", "train.csv", "validation.csv", "test.csv"] {
            #expect(Files.exists(dir.file("store/datasets/\(outcomes[0].candidate!)/\(file)")), "\(file)")
        }
    }

    @Test func badDataFailsTheQualityGateAndNothingIsPromoted() throws {
        let (dir, settings) = try HandlerFixture.shared.copy()
        let store = try SQLiteStore(path: dir.file("funko.sqlite"))
        // A tenfold volume spike in the newest week, and a tenth of the feed replayed under new ids.
        let table = try store.salesTable(since: nil)
        var spike = newestWeekSpike(table)
        for i in 0..<(table.count / 10) {
            spike.append(
                Sale(
                    popID: table.pops[Int(table.pop[i])].id, soldAt: table.soldAt[i], price: table.price[i],
                    condition: Condition(score: Int(table.condition[i]))!,
                    marketplace: Marketplace.from(code: table.marketplace[i]),
                    source: "dup", externalID: "dup-\(i)"))
        }
        _ = try store.insertSales(spike)
        let service = RetrainService(
            store: store, repository: ModelRepository(store: LocalObjectStore(root: settings.dataDir)))
        let outcome = try service.run(now: Time.now())
        #expect(outcome.status == .rejectedData)
        #expect(!outcome.promoted)
        #expect(outcome.candidate == nil)
        let failed = Set((outcome.quality?.checks ?? []).filter { !$0.passed }.map(\.name))
        #expect(failed.isSuperset(of: ["weekly_volume", "duplicates"]), "\(failed)")
        #expect(outcome.reason.contains("data quality gate failed"))
        #expect(outcome.reason.contains("the newest week has"))
        #expect(try service.repository.champion()?.version == "fixture")
        #expect(try service.repository.versions() == ["fixture"])
        _ = dir
    }

    /// A SageMaker-trained model is finished on its dataset's rows, rebuilt from the store:
    /// the same windows even when older sales were imported in between, and nothing after the cutoff.
    @Test func aDatasetRebuildsWithItsOwnWindows() throws {
        let table = smallMarket(pops: 60).salesTable()
        let dataset = try Pipeline.build(table, config: quickConfig(), version: "v", now: Time.now())
        var later = table
        // An old import, and a sale after the cutoff.
        later.append(
            pop: 0, soldAt: table.soldAt.min()! - 400 * secondsPerDay, price: 12, condition: .mint, marketplace: .ebay)
        later.append(
            pop: 1, soldAt: table.soldAt.max()! + secondsPerDay, price: 15, condition: .mint, marketplace: .ebay)
        later.sortByPopAndTime()
        let rebuilt = try Pipeline.rebuild(dataset.schema, from: later, config: quickConfig())
        #expect(rebuilt.split.validationStart == dataset.data.split.validationStart)
        #expect(rebuilt.split.testStart == dataset.data.split.testStart)
        #expect(rebuilt.split.test.count == dataset.data.split.test.count)
        #expect(rebuilt.split.validation.count == dataset.data.split.validation.count)
        #expect(rebuilt.split.train.count == dataset.data.split.train.count + 1)
        #expect(rebuilt.encoders == dataset.data.encoders)
    }

    @Test func qualityGateNamesEachProblem() {
        var table = smallMarket(pops: 60).salesTable()
        table.price[3] = -4
        table.price[4] = 0
        var features = FeatureBuilder.trainingRows(table, encoders: Encoders(fitting: table.pops))
        for r in 0..<features.rows { features.values[r * features.columns + Feature.avgPrice90d.rawValue] = .nan }
        let report = DataQuality.check(table, features: features)
        #expect(!report.passed)
        let failed = report.checks.filter { !$0.passed }
        #expect(failed.map(\.name).contains("price_range"))
        #expect(failed.map(\.name).contains("missing_avg_price_90d"))
        #expect(report.failureSummary.contains("2 sales with a zero, negative or non-finite price"))
        #expect(report.failureSummary.contains("avg_price_90d is missing on 100.00% of rows"))
        let clean = smallMarket(pops: 60).salesTable()
        #expect(
            DataQuality.check(
                clean, features: FeatureBuilder.trainingRows(clean, encoders: Encoders(fitting: clean.pops))
            ).passed)
    }
}
