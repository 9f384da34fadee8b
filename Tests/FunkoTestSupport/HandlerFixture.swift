import Foundation
import FunkoApp
import FunkoCore
import FunkoData
import FunkoHandlers
import FunkoModel
import FunkoStore
import FunkoTraining
import LambdaEvents
import LambdaRuntime
import RetrainHandler

/// What each sample event in events/ must produce: the function that takes it, the status (nil
/// for direct invocations, which answer with the payload itself or a function error), and a
/// fragment of the answer. The binary tests drive the same table through lambda-local.
package struct SampleEvent: Sendable, CustomStringConvertible {
    package var file: String
    package var function: String
    package var status: Int?
    package var contains: [String]
    package var functionError: String? = nil
    package var description: String { file }

    package static let all: [SampleEvent] = [
        .init(
            file: "predict.json", function: "predict", status: 200,
            contains: [
                #""funko_pop_id":"10001""#, #""predicted_price":"#, #""price_range":{"max":"#, #""confidence_score":"#,
                #""condition":"mint""#,
            ]),
        .init(
            file: "predict-defaults.json", function: "predict", status: 200,
            contains: [#""funko_pop_id":"10002""#, #""marketplace":"ebay""#]),
        .init(
            file: "predict-base64-body.json", function: "predict", status: 200,
            contains: [#""funko_pop_id":"10003""#, #""condition":"good""#]),
        .init(
            file: "predict-rest-v1.json", function: "predict", status: 200,
            contains: [#""funko_pop_id":"10005""#, #""marketplace":"amazon""#]),
        .init(
            file: "predict-function-url.json", function: "predict", status: 200,
            contains: [#""funko_pop_id":"10006""#, #""marketplace":"funko_shop""#]),
        .init(
            file: "predict-direct.json", function: "predict", status: nil,
            contains: [#""funko_pop_id":"10001""#, #""condition":"near_mint""#]),
        .init(
            file: "predict-batch.json", function: "predict-batch", status: 200,
            contains: [#""predictions":[{"#, #""funko_pop_id":"99999""#, #""code":"not_found""#, #""model_version":"#]),
        .init(
            file: "history.json", function: "history", status: 200,
            contains: [#""funko_pop_id":"10001""#, #""days":90"#, #""daily":["#, #""summary":{"#]),
        .init(
            file: "health.json", function: "status", status: 200, contains: [#""status":"ok""#, #""database":"ok""#]),
        .init(
            file: "model-status.json", function: "status", status: 200,
            contains: [#""status":"ok""#, #""inference_mode":"embedded""#, #""baselines":{"#]),
        .init(
            file: "pops-search.json", function: "history", status: 200,
            contains: [#""pops":[{"#, #""character":"Black Widow""#, #""last_sale":{"price":"#, #""total":"#]),
        .init(
            file: "pop.json", function: "history", status: 200,
            contains: [#""funko_pop_id":"10001""#, #""funko_number":"#, #""release_date":""#, #""last_sale":"#]),
        .init(
            file: "bad/predict-malformed-json.json", function: "predict", status: 400,
            contains: ["request body is not valid JSON"]),
        .init(
            file: "bad/predict-wrong-type.json", function: "predict", status: 400,
            contains: ["future_days must be an integer from 0 to 365"]),
        .init(
            file: "bad/predict-unknown-condition.json", function: "predict", status: 400,
            contains: [#"condition \"pristine\" is not accepted: use one of mint, near_mint, good, fair, poor"#]),
        .init(
            file: "bad/predict-unknown-marketplace.json", function: "predict", status: 400,
            contains: [
                #"marketplace \"craigslist\" is not accepted: use one of ebay, mercari, amazon, whatnot, facebook, funko_shop, other"#
            ]),
        .init(
            file: "bad/predict-future-days-negative.json", function: "predict", status: 400,
            contains: ["future_days must be an integer from 0 to 365 (got -1)"]),
        .init(
            file: "bad/predict-future-days-366.json", function: "predict", status: 400,
            contains: ["future_days must be an integer from 0 to 365 (got 366)"]),
        .init(
            file: "bad/predict-missing-id.json", function: "predict", status: 400,
            contains: ["funko_pop_id is required"]),
        .init(
            file: "bad/predict-unknown-pop.json", function: "predict", status: 404,
            contains: [#"unknown funko_pop_id \"99999\""#]),
        .init(
            file: "bad/predict-control-character-id.json", function: "predict", status: 400,
            contains: [#"funko_pop_id contains a control character (U+0000)"#]),
        .init(
            file: "bad/history-control-character-id.json", function: "history", status: 400,
            contains: [#"funko_pop_id contains a control character (U+0000)"#]),
        .init(
            file: "bad/predict-wrong-method.json", function: "predict", status: 405,
            contains: ["method GET is not allowed on /predict: use POST"]),
        .init(
            file: "bad/predict-oversized-body.json", function: "predict", status: 413,
            contains: ["bytes; the limit is 65536"]),
        .init(
            file: "bad/predict-batch-101-ids.json", function: "predict-batch", status: 400,
            contains: ["funko_pop_ids must hold 1 to 100 ids (got 101)"]),
        .init(
            file: "bad/predict-batch-empty.json", function: "predict-batch", status: 400,
            contains: ["funko_pop_ids must hold 1 to 100 ids (got 0)"]),
        .init(
            file: "bad/pops-limit-out-of-range.json", function: "history", status: 400,
            contains: [#"limit must be an integer from 1 to 50 (got \"51\")"#, #""field":"limit""#]),
        .init(
            file: "bad/pop-unknown.json", function: "history", status: 404,
            contains: [#"unknown funko_pop_id \"99999\""#]),
        .init(
            file: "bad/history-unknown-pop.json", function: "history", status: 404,
            contains: [#"unknown funko_pop_id \"99999\""#]),
        .init(
            file: "bad/history-days-out-of-range.json", function: "history", status: 400,
            contains: [#"days must be an integer from 1 to 3650 (got \"0\")"#]),
        .init(
            file: "bad/predict-direct-unknown-condition.json", function: "predict", status: nil,
            contains: [#"condition \"shiny\" is not accepted"#], functionError: "BadRequest"),
    ]

    package static let retrain: [SampleEvent] = [
        .init(
            file: "retrain-schedule.json", function: "retrain-trigger", status: nil,
            contains: [#""status":""#, #""quality":{"#, #""passed":true"#]),
        .init(
            file: "retrain-manual.json", function: "retrain-trigger", status: nil,
            contains: [#""status":""#, #""reason":""#]),
    ]

    package static func routes(of function: String) -> [Route] {
        switch function {
        case "predict": [.predict]
        case "predict-batch": [.predictBatch]
        case "history": [.history, .pops, .pop]
        default: [.modelStatus, .health]
        }
    }

    /// The event file's bytes (a missing or unreadable file fails the test that reads it).
    package var bytes: [UInt8] { get throws { try Files.read("\(packageRoot)/events/\(file)") } }
}

/// A store with two years of a small market ending yesterday and a trained champion.
package final class HandlerFixture: Sendable {
    private static let instance = Shared { try HandlerFixture() }
    /// Built on first use and shared; a failure to build it fails each test that asks for it.
    package static var shared: HandlerFixture { get throws { try instance.get() } }

    package let dir: TempDir
    package var databasePath: String { dir.file("funko.sqlite") }
    package var dataDir: String { dir.file("store") }

    /// The app's configuration over this store and model folder.
    package var configuration: AppConfiguration {
        var c = AppConfiguration()
        c.store = .sqlite(path: databasePath)
        c.artifactFolder = dataDir
        return c
    }

    private init() throws {
        dir = try TempDir()
        var c = MarketGenerator.Config()
        c.pops = 150
        c.days = 500
        c.seed = 4
        c.salesRate = 0.2
        let store = try SQLiteStore(path: dir.file("funko.sqlite"))
        _ = try MarketGenerator(config: c).write(to: store)
        let repo = ModelRepository(store: LocalObjectStore(root: dir.file("store")))
        let now = Time.now()
        let model = try Trainer.train(
            try store.salesTable(since: nil), config: quickConfig(), version: "fixture", trainedAt: now)
        try repo.save(model)
        try repo.promote("fixture", reason: "test fixture", at: now)
    }

    /// Environment for the handler binaries.
    package var environment: [String: String] { ["FUNKO_DB": databasePath, "FUNKO_DATA_DIR": dataDir] }

    /// The API function of that name over this fixture (or over `configuration`).
    package func function(_ name: String, configuration: AppConfiguration? = nil) throws -> FunkoFunction {
        let app = try App(configuration: configuration ?? self.configuration, logger: Logger())
        let f = FunkoFunction(routes: SampleEvent.routes(of: name), app: app)
        f.metrics = MetricsLogger(function: name) { _ in }  // metric lines are checked in MonitoringTests
        return f
    }

    /// The retrain-trigger function over `configuration` (a copy of this fixture: it changes the champion).
    /// It trains small candidates (`quickConfig`), as the fixture's model was.
    package func retrainFunction(configuration: AppConfiguration) throws -> RetrainFunction {
        let f = RetrainFunction(app: try App(configuration: configuration, logger: Logger(), loadModel: false))
        f.training = quickConfig()
        return f
    }

    /// A private copy of this fixture (retraining changes the champion): the folder, and the
    /// store file and model folder in it.
    package func copy() throws -> (TempDir, FixtureFiles) {
        let copy = try TempDir()
        for item in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            try FileManager.default.copyItem(atPath: "\(dir.path)/\(item)", toPath: copy.file(item))
        }
        return (copy, FixtureFiles(databasePath: copy.file("funko.sqlite"), dataDir: copy.file("store")))
    }
}

/// A store file and a model folder, and the app configuration over them.
package struct FixtureFiles: Sendable {
    package var databasePath: String
    package var dataDir: String

    package var configuration: AppConfiguration {
        var c = AppConfiguration()
        c.store = .sqlite(path: databasePath)
        c.artifactFolder = dataDir
        return c
    }
}

/// A Lambda invocation context with 30 seconds to go.
package func testContext() -> LambdaContext {
    LambdaContext(
        requestID: "test-\(UUID().uuidString)", deadlineMilliseconds: Time.nowMilliseconds() + 30_000,
        invokedFunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:test", traceID: nil)
}
