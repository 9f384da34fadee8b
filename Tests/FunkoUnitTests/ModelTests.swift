import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoFeatures
@testable import FunkoModel
@testable import FunkoRetrain
@testable import FunkoStore
@testable import FunkoTraining

@Suite struct MetricTests {
    @Test func metricsMatchHandComputedValues() {
        let m = MetricMath.metrics(
            actual: [10, 20, 30], predicted: [12, 18, 33], low: [9, 19, 31], high: [11, 21, 35])
        #expect(abs(m.mae - 7.0 / 3) < 1e-12)
        #expect(abs(m.rmse - (17.0 / 3).squareRoot()) < 1e-12)
        #expect(abs(m.r2 - (1 - 17.0 / 200)) < 1e-12)
        #expect(abs(m.mape - 40.0 / 3) < 1e-9)
        #expect(abs(m.intervalCoverage! - 2.0 / 3) < 1e-12)
    }

    @Test func conformalBoundsUseFiniteSampleOrderStatistics() {
        let nine = MetricMath.conformalBounds(residuals: (1...9).map(Double.init).shuffled(), coverage: 0.8)
        #expect(nine.low == 1)
        #expect(nine.high == 9)
        let nineteen = MetricMath.conformalBounds(residuals: (1...19).map(Double.init).reversed(), coverage: 0.8)
        #expect(nineteen.low == 2)
        #expect(nineteen.high == 18)
        #expect(MetricMath.quantile(sorted: [1, 2, 3, 4], 0.5) == 2.5)
    }

    @Test func confidenceFollowsWidthAndSupport() {
        let narrowBusy = ModelMetadata.confidence(price: 20, low: 19, high: 21, sales90d: 30)
        let narrowQuiet = ModelMetadata.confidence(price: 20, low: 19, high: 21, sales90d: 0)
        let wideBusy = ModelMetadata.confidence(price: 20, low: 10, high: 40, sales90d: 30)
        #expect(narrowBusy > narrowQuiet)
        #expect(narrowBusy > wideBusy)
        #expect(abs(narrowBusy - 1 / 1.1 * (0.5 + 0.5 * 30 / 33)) < 1e-12)
        #expect((0...1).contains(wideBusy))
        #expect((0...1).contains(narrowQuiet))
    }

    @Test func tarGzRoundTripsAndIsReproducible() throws {
        let payload = (0..<5000).map { UInt8($0 % 251) }
        let a = try TarGz.archive([("xgboost-model", payload), ("notes.txt", Array("hi".utf8))], mtime: 1_700_000_000)
        let b = try TarGz.archive([("xgboost-model", payload), ("notes.txt", Array("hi".utf8))], mtime: 1_700_000_000)
        #expect(a == b)
        // gzip magic
        #expect(a[0] == 0x1F)
        #expect(a[1] == 0x8B)
        let files = try TarGz.extract(a)
        #expect(files["xgboost-model"].map(Array.init) == payload)
        #expect(files["notes.txt"].map(Array.init) == Array("hi".utf8))
        #expect(throws: FunkoError.self) { try TarGz.extract(Array(a.prefix(20))) }
    }
}

@Suite(.serialized, .ownThread) struct TrainingTests {
    @Test func trainsSavesLoadsAndPredictsIdentically() throws {
        let dir = try TempDir()
        let table = smallMarket(pops: 150, days: 600).salesTable()
        let repo = ModelRepository(store: LocalObjectStore(root: dir.path))
        let now = Time.parseISO8601("2025-07-01T00:00:00Z")!
        let model = try Trainer.train(
            table, config: quickConfig(), version: try repo.newVersion(at: now), trainedAt: now)
        try repo.save(model)
        let decision = try Champion.compare(candidate: model, table: table, repository: repo, force: false)
        #expect(decision.promoted)
        try repo.promote(model.metadata.version, reason: decision.reason, at: now)
        for key in ["model.tar.gz", "metadata.json", "evaluation.json"] {
            #expect(Files.exists(dir.file("models/20250701-000000/\(key)")), "\(key)")
        }
        #expect(try repo.champion()?.version == "20250701-000000")
        #expect(try repo.newVersion(at: now) == "20250701-000000-2")

        let loaded = try repo.load()
        #expect(loaded.metadata == model.metadata)
        #expect(
            Array(loaded.metadata.featureNames.prefix(18)) == [
                "days_since_release", "release_month", "sale_month", "sale_day_of_week", "is_weekend_sale", "is_chase",
                "is_exclusive", "is_vaulted", "funko_number", "series_encoded", "character_encoded",
                "marketplace_encoded",
                "condition_score", "avg_price_7d", "avg_price_30d", "avg_price_90d", "price_volatility_30d",
                "base_estimated_value",
            ])
        let rows = FeatureBuilder.trainingRows(table, encoders: loaded.metadata.vocabularies).subset(Array(0..<500))
        #expect(try loaded.trees.predict(rows) == model.trees.predict(rows))

        // Honest evaluation: the model beats every naive baseline on held-out rows.
        let e = model.evaluation
        #expect(e.rows == model.metadata.windows["test"]!.rows)
        #expect(e.rows > 100)
        for (name, b) in e.baselines { #expect(e.model.mae < b.mae, "\(name)") }
        #expect(e.model.intervalCoverage! > 0.6)
        #expect(e.model.intervalCoverage! < 0.95)
        #expect(Set(e.segments.map(\.segment)).isSuperset(of: ["chase", "exclusive", "vaulted", "price < $15"]))
    }

    /// Through the one promotion path (`RetrainService.conclude`, which `funko train`, `funko
    /// retrain` and the retrain-trigger function share): every decision is logged.
    @Test func aWorseChallengerDoesNotReplaceTheChampion() throws {
        let dir = try TempDir()
        let table = smallMarket(pops: 150, days: 600).salesTable()
        let store = try SQLiteStore(path: dir.file("funko.sqlite"))
        let service = RetrainService(store: store, repository: ModelRepository(store: LocalObjectStore(root: dir.path)))
        let repo = service.repository
        let t0 = Time.parseISO8601("2025-07-01T00:00:00Z")!
        let data = try TrainingData.prepare(table, config: quickConfig())
        let good = try Trainer.train(data, version: "good", trainedAt: t0)
        let first = try service.conclude(
            good, data: data, table: table, quality: nil, trainingJob: nil, force: false, now: t0)
        #expect(first.promoted)
        var weak = quickConfig()
        weak.maxRounds = 1
        let bad = try Trainer.train(table, config: weak, version: "weak", trainedAt: t0 + 60)
        let decision = try service.conclude(
            bad, data: data, table: table, quality: nil, trainingJob: nil, force: false, now: t0 + 60)
        #expect(!decision.promoted)
        #expect(decision.reason.contains("not below champion MAE"))
        #expect(try repo.champion()?.version == "good")
        let forced = try service.conclude(
            bad, data: data, table: table, quality: nil, trainingJob: nil, force: true, now: t0 + 120)
        #expect(forced.promoted)
        #expect(try repo.champion()?.version == "weak")
        #expect(try repo.champion()?.previous == "good")
        #expect(try service.decisions().map(\.status) == [.promoted, .keptChampion, .promoted])
    }

    /// The ablation that justifies the extra features: a model on the 18 base features only
    /// (`FeatureSet.spec`, the first `Feature.specCount` columns) trains, never splits on the
    /// blanked columns, and serves from full rows unchanged.
    @Test func specOnlyModelIgnoresTheExtraColumns() throws {
        let table = smallMarket(pops: 80, days: 500).salesTable()
        var config = quickConfig()
        config.featureSet = .spec
        let model = try Trainer.train(table, config: config, version: "spec", trainedAt: 0)
        #expect(model.metadata.parameters["feature_set"] == "spec")
        let full = FeatureBuilder.trainingRows(table, encoders: model.metadata.vocabularies).subset(Array(0..<300))
        var blank = full
        for r in 0..<blank.rows {
            for c in Feature.specCount..<blank.columns { blank.values[r * blank.columns + c] = .nan }
        }
        #expect(try model.trees.predict(full) == model.trees.predict(blank))
    }

    /// Features are only appended: a champion trained before the last ones existed keeps serving
    /// from the leading columns it knows, and a model with features this build lacks is refused.
    @Test func aModelTrainedOnFewerFeaturesServesFromTheLeadingColumns() throws {
        let dir = try TempDir()
        let table = smallMarket(pops: 60, days: 400).salesTable()
        let repo = ModelRepository(store: LocalObjectStore(root: dir.path))
        var model = try Trainer.train(table, config: quickConfig(), version: "older", trainedAt: 0)
        let known = FeatureSet.dollars.count
        let rows = FeatureBuilder.trainingRows(table, encoders: model.metadata.vocabularies)
        let labels = (0..<rows.rows).map { Float(log(table.price[$0] / 20)) }
        let train = try DMatrix(rows.leading(known), labels: labels)
        let booster = try Booster(params: quickConfig().parameters, cache: [train])
        for round in 0..<10 { try booster.update(iteration: round, train: train) }
        model.file = try booster.save()
        model.trees = try TreeEnsemble(xgboostModel: model.file)
        model.metadata.featureNames = Array(Feature.names.prefix(known))
        try repo.save(model)

        let served = try repo.servable(version: "older").predictTargets(rows, deadline: nil)
        #expect(served == (try booster.predict(rows.leading(known))).map(Double.init))

        model.metadata.version = "foreign"
        model.metadata.featureNames[3] = "moon_phase"
        try repo.save(model)
        let error = try #require(throws: FunkoError.self) { try repo.servable(version: "foreign") }
        #expect(error.code == .unavailable && error.message.contains("moon_phase"), "\(error)")
    }

    @Test func tooLittleDataIsAClearError() throws {
        var table = SalesTable(pops: smallMarket(pops: 2).catalog)
        table.append(pop: 0, soldAt: 1_700_000_000, price: 10, condition: .mint, marketplace: .ebay)
        #expect(throws: FunkoError.self) { try Trainer.train(table, config: quickConfig(), version: "x", trainedAt: 0) }
        #expect(throws: FunkoError.self) {
            try Trainer.train(SalesTable(pops: []), config: quickConfig(), version: "x", trainedAt: 0)
        }
    }
}
