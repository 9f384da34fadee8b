import AWSSigV4
import Foundation
import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import FunkoAPI
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
@testable import RetrainHandler

/// The random-walk market (`randomWalkMarket`) and the first retraining run on it.
final class RandomWalkFixture: Sendable {
    static let shared = Shared { try RandomWalkFixture() }
    static let pops = 150
    static let days: Int64 = 730
    static let endDay = CivilDate(year: 2025, month: 6, day: 30).dayNumber
    /// The clock of every function here: the morning after the last sale.
    static let now = (endDay + 1) * secondsPerDay

    let dir: TempDir
    /// The first retraining run's decision on the random walk.
    let outcome: RetrainOutcome

    private init() throws {
        dir = try TempDir()
        try Self.walk(
            into: try SQLiteStore(path: dir.file("funko.sqlite")), days: Self.endDay - Self.days + 1...Self.endDay)
        outcome = try Self.retrain(Self.configuration(dir), now: Self.now)
    }

    /// The walk over `days` into `store`, continuing from each Pop's last stored sale.
    static func walk(into store: Store, days: ClosedRange<Int64>, conditions: Bool = false) throws {
        var last: [String: Double] = [:]
        for i in 0..<pops {
            last["rw-\(i)"] = try store.sales(popID: "rw-\(i)", from: 0, until: days.lowerBound * secondsPerDay).last?
                .price
        }
        let market = randomWalkMarket(pops: pops, days: days, conditions: conditions, lastPrices: last)
        _ = try store.upsertPops(market.pops)
        _ = try store.insertSales(market.sales)
    }

    static func configuration(_ dir: TempDir) -> AppConfiguration {
        var c = AppConfiguration()
        c.store = .sqlite(path: dir.file("funko.sqlite"))
        c.artifactFolder = dir.file("store")
        return c
    }

    /// A manual run of the retrain-trigger function, as `{"action":"retrain"}` starts one.
    static func retrain(_ configuration: AppConfiguration, now: EpochSeconds) throws -> RetrainOutcome {
        let f = RetrainFunction(
            app: try App(configuration: configuration, logger: Logger(quiet: true), loadModel: false))
        f.training = quickConfig()
        f.clock = { now }
        let answer = try f.handle(try Files.read("\(packageRoot)/events/retrain-manual.json"), context: testContext())
        return try JSON.decode(RetrainOutcome.self, from: answer)
    }

    /// A private copy (retraining changes the champion).
    func copy() throws -> TempDir {
        let copy = try TempDir()
        for item in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            try FileManager.default.copyItem(atPath: "\(dir.path)/\(item)", toPath: copy.file(item))
        }
        return copy
    }
}

/// An API function over `configuration`, answering at `now`.
func apiFunction(_ name: String, _ configuration: AppConfiguration, now: EpochSeconds = RandomWalkFixture.now) throws
    -> FunkoFunction
{
    let f = FunkoFunction(
        routes: SampleEvent.routes(of: name), app: try App(configuration: configuration, logger: Logger(quiet: true)))
    f.metrics = MetricsLogger(function: name) { _ in }
    f.clock = { now }
    return f
}

func call(_ f: FunkoFunction, _ method: String, _ path: String, body: String = "") throws -> HTTPResult {
    let event = try HTTPEvent(method: method, path: path, body: Array(body.utf8)).encodedV2(requestID: "r", time: 0)
    return try HTTPResult.decode(try f.handle(event, context: testContext()))
}

@Suite(.serialized, .ownThread) struct BaselineChampionTests {
    @Test func whenNoModelBeatsTheLastSaleTheLastSaleServes() throws {
        let fixture = try RandomWalkFixture.shared.get()
        let o = fixture.outcome
        let configuration = RandomWalkFixture.configuration(fixture.dir)
        let repo = ModelRepository(store: LocalObjectStore(root: fixture.dir.file("store")))
        let candidate = try repo.metadata(version: try #require(o.candidate))
        let lastSaleMAE = try #require(candidate.baselineMetrics["last_sale"]).mae

        // The decision log says why.
        #expect(o.status == .baselinePromoted, "\(o.reason)")
        #expect(o.promoted)
        #expect(candidate.metrics.mae > lastSaleMAE)
        #expect(o.reason.contains("no champion yet"), "\(o.reason)")
        #expect(o.reason.contains("does not beat the last_sale baseline"), "\(o.reason)")
        #expect(o.reason.contains("serving the last_sale baseline (MAE $\(formatCents(lastSaleMAE))"), "\(o.reason)")
        #expect(try RetrainService.decodeLog(try repo.store.get(ArtifactKey.decisions)).last == o)

        // champion.json names the baseline; its version has metadata and an evaluation, no trees.
        let champion = try #require(try repo.champion())
        #expect(champion.version == o.champion)
        #expect(champion.predictor == .baseline(.lastSale))
        #expect(
            String(decoding: try #require(try repo.store.get(ArtifactKey.champion)), as: UTF8.self)
                .contains(#""predictor" : "baseline:last_sale""#))
        #expect(try repo.store.get(ArtifactKey.archive(champion.version)) == nil)
        let baseline = try repo.metadata(version: champion.version)
        #expect(baseline.windows == candidate.windows)

        // GET /model/status names it.
        let status = try call(apiFunction("status", configuration), "GET", "/model/status")
        #expect(status.status == 200)
        let s = try JSON.decode(ModelStatus.self, from: status.body)
        #expect(s.predictor == "baseline:last_sale")
        #expect(s.modelVersion == champion.version)

        // POST /predict answers with the Pop's last sale and a range around it.
        let store = try SQLiteStore(path: fixture.dir.file("funko.sqlite"))
        let last = try #require(try store.sales(popID: "rw-7", from: 0, until: RandomWalkFixture.now).last)
        let answer = try call(
            apiFunction("predict", configuration), "POST", "/predict", body: #"{"funko_pop_id":"rw-7"}"#)
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        let p = try JSON.decode(Prediction.self, from: answer.body)
        #expect(p.modelVersion == champion.version)
        #expect(p.predictedPrice == roundCents(last.price))
        #expect(p.priceRange.min < p.predictedPrice && p.predictedPrice < p.priceRange.max)
        #expect(p.confidenceScore > 0 && p.confidenceScore < 1)

        // The served range holds its 80% on the held-out sales, recomputed through the serving code.
        let test = try #require(baseline.windows["test"])
        let report = try repo.servable(version: champion.version).evaluate(
            on: try store.salesTable(since: nil), window: test)
        let coverage = try #require(report.model.intervalCoverage)
        #expect((0.75...0.85).contains(coverage), "coverage \(coverage)")
        #expect(abs(report.model.mae - lastSaleMAE) < 1e-9)
        #expect(baseline.metrics == report.model)
        print(
            "random walk: \(report.rows) held-out sales; model MAE \(candidate.metrics.mae), last_sale MAE \(lastSaleMAE), baseline 80% range coverage \(coverage)"
        )
    }

    /// A year more of the walk, each sale now in a random condition that sets its price: the
    /// model learns the condition's effect, the last sale cannot know it. The candidate beats the
    /// serving baseline on the same held-out sales and replaces it.
    @Test func aCandidateThatBeatsTheServingBaselineReplacesIt() throws {
        let fixture = try RandomWalkFixture.shared.get()
        let dir = try fixture.copy()
        let configuration = RandomWalkFixture.configuration(dir)
        let end = RandomWalkFixture.endDay + 365
        try RandomWalkFixture.walk(
            into: try SQLiteStore(path: dir.file("funko.sqlite")), days: RandomWalkFixture.endDay + 1...end,
            conditions: true)

        let now = (end + 1) * secondsPerDay
        let o = try RandomWalkFixture.retrain(configuration, now: now)
        let repo = ModelRepository(store: LocalObjectStore(root: dir.file("store")))
        let candidate = try repo.metadata(version: try #require(o.candidate))
        #expect(o.status == .promoted, "\(o.reason)")
        #expect(o.reason.contains("< champion MAE"), "\(o.reason)")
        // The baseline champion was scored on the candidate's window: exactly the last sale there.
        let lastSaleMAE = try #require(candidate.baselineMetrics["last_sale"]).mae
        #expect(abs(try #require(o.championMAE) - lastSaleMAE) < 1e-9)
        let champion = try #require(try repo.champion())
        #expect(champion.version == candidate.version)
        #expect(champion.predictor == .model)
        #expect(champion.previous == fixture.outcome.champion)
        let status = try call(apiFunction("status", configuration, now: now), "GET", "/model/status")
        #expect(try JSON.decode(ModelStatus.self, from: status.body).predictor == "model")
    }

    /// With an endpoint configured, promoting or rolling back to a baseline leaves the endpoint
    /// alone: the endpoint here is unusable (the artifacts are not in S3, so a model could not be
    /// put on it), and only the model's rollback trips over that.
    @Test func baselinesAreNeverPutOnTheEndpoint() throws {
        let fixture = try RandomWalkFixture.shared.get()
        let dir = try fixture.copy()
        var service = RetrainService(
            store: try SQLiteStore(path: dir.file("funko.sqlite")),
            repository: ModelRepository(store: LocalObjectStore(root: dir.file("store"))))
        service.config = quickConfig()
        let aws = AWSConfig(
            region: "us-east-1", credentials: AWSCredentials(accessKeyID: "AKIATEST", secretAccessKey: "test"),
            endpointOverrides: [.sagemaker: "http://127.0.0.1:9"])
        service.deployment = EndpointDeployment(
            sagemaker: SageMakerClient(config: aws), endpointName: "funko-endpoint",
            roleARN: "arn:aws:iam::123456789012:role/sm", image: "xgboost")

        // The same market again: the same baseline, recalibrated, takes over from the first.
        let again = try service.run(now: RandomWalkFixture.now + 60)
        #expect(again.status == .baselinePromoted, "\(again.reason)")
        #expect(again.deployment == nil)
        #expect(
            again.reason.contains("recalibrated on newer sales than champion \(try #require(fixture.outcome.champion))")
        )
        let back = try service.rollback(to: fixture.outcome.champion, now: RandomWalkFixture.now + 120)
        #expect(back.status == .rolledBack)
        #expect(back.deployment == nil)
        #expect(try service.repository.champion()?.predictor == .baseline(.lastSale))
        #expect(
            throws: FunkoError.badRequest(
                "the SageMaker endpoint reads models from S3: set MODEL_BUCKET to deploy \(try #require(fixture.outcome.candidate))"
            )
        ) {
            try service.rollback(to: fixture.outcome.candidate, now: RandomWalkFixture.now + 180)
        }
    }

    /// In sagemaker mode a baseline answers in the function: the endpoint named here does not
    /// exist (nothing listens at its address), and the baseline still answers; the refused model,
    /// made champion, cannot.
    @Test func inSageMakerModeTheBaselineAnswersWithoutTheEndpoint() throws {
        let fixture = try RandomWalkFixture.shared.get()
        let dir = try fixture.copy()
        var configuration = RandomWalkFixture.configuration(dir)
        configuration.inferenceMode = .sagemaker
        configuration.endpointName = "funko-no-such-endpoint"
        configuration.awsEnvironment = [
            "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIATEST", "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        ]
        let body = #"{"funko_pop_id":"rw-3"}"#
        let answer = try call(apiFunction("predict", configuration), "POST", "/predict", body: body)
        #expect(answer.status == 200, "\(String(decoding: answer.body, as: UTF8.self))")
        #expect(try JSON.decode(Prediction.self, from: answer.body).modelVersion == fixture.outcome.champion)

        let repo = ModelRepository(store: LocalObjectStore(root: dir.file("store")))
        try repo.promote(try #require(fixture.outcome.candidate), reason: "test: the trees need the endpoint", at: 0)
        let viaEndpoint = try call(apiFunction("predict", configuration), "POST", "/predict", body: body)
        #expect(viaEndpoint.status == 503)
        #expect(String(decoding: viaEndpoint.body, as: UTF8.self).contains("funko-no-such-endpoint"))
    }
}
