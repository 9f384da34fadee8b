import Foundation
import Testing

@testable import FunkoAPI
@testable import FunkoApp
@testable import FunkoCore
@testable import FunkoData
@testable import FunkoHandlers
@testable import FunkoModel
@testable import FunkoStore
@testable import LambdaEvents
@testable import LambdaRuntime
@testable import RetrainHandler

/// What each sample event in events/ must produce: the function that takes it, the status (nil
/// for direct invocations, which answer with the payload itself or a function error), and a
/// fragment of the answer. The binary tests drive the same table through lambda-local.
struct SampleEvent: Sendable, CustomStringConvertible {
    var file: String
    var function: String
    var status: Int?
    var contains: [String]
    var functionError: String? = nil
    var description: String { file }

    static let all: [SampleEvent] = [
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
            file: "bad/history-unknown-pop.json", function: "history", status: 404,
            contains: [#"unknown funko_pop_id \"99999\""#]),
        .init(
            file: "bad/history-days-out-of-range.json", function: "history", status: 400,
            contains: [#"days must be an integer from 1 to 3650 (got \"0\")"#]),
        .init(
            file: "bad/predict-direct-unknown-condition.json", function: "predict", status: nil,
            contains: [#"condition \"shiny\" is not accepted"#], functionError: "BadRequest"),
    ]

    static let retrain: [SampleEvent] = [
        .init(
            file: "retrain-schedule.json", function: "retrain-trigger", status: nil,
            contains: [#""status":""#, #""quality":{"#, #""passed":true"#]),
        .init(
            file: "retrain-manual.json", function: "retrain-trigger", status: nil,
            contains: [#""status":""#, #""reason":""#]),
    ]

    static func routes(of function: String) -> [Route] {
        switch function {
        case "predict": [.predict]
        case "predict-batch": [.predictBatch]
        case "history": [.history]
        default: [.modelStatus, .health]
        }
    }

    var bytes: [UInt8] { try! Files.read("\(packageRoot)/events/\(file)") }
}

/// A store with two years of a small market ending yesterday and a trained champion.
final class HandlerFixture: @unchecked Sendable {
    static let shared = HandlerFixture()
    let dir = TempDir()
    var databasePath: String { dir.file("funko.sqlite") }
    var dataDir: String { dir.file("store") }

    /// The app's configuration over this store and model folder.
    var configuration: AppConfiguration {
        var c = AppConfiguration()
        c.store = .sqlite(path: databasePath)
        c.artifactFolder = dataDir
        return c
    }

    init() {
        var c = MarketGenerator.Config()
        c.pops = 150
        c.days = 500
        c.seed = 4
        c.salesRate = 0.2
        let store = try! SQLiteStore(path: dir.file("funko.sqlite"))
        _ = try! MarketGenerator(config: c).write(to: store)
        let repo = ModelRepository(store: LocalObjectStore(root: dir.file("store")))
        let now = Time.now()
        let model = try! Trainer.train(
            try! store.salesTable(since: nil), config: quickConfig(), version: "fixture", trainedAt: now)
        try! repo.save(model)
        try! repo.promote("fixture", reason: "test fixture", at: now)
    }

    /// Environment for the handler binaries.
    var environment: [String: String] { ["FUNKO_DB": databasePath, "FUNKO_DATA_DIR": dataDir] }

    /// The API function of that name over this fixture (or over `configuration`).
    func function(_ name: String, configuration: AppConfiguration? = nil) throws -> FunkoFunction {
        let app = try App(configuration: configuration ?? self.configuration, logger: Logger())
        let f = FunkoFunction(routes: SampleEvent.routes(of: name), app: app)
        f.metrics = MetricsLogger(function: name) { _ in }  // metric lines are checked in MonitoringTests
        return f
    }

    /// The retrain-trigger function over `configuration` (a copy of this fixture: it changes the champion).
    func retrainFunction(configuration: AppConfiguration) throws -> RetrainFunction {
        RetrainFunction(app: try App(configuration: configuration, logger: Logger(), loadModel: false))
    }
}

func testContext() -> LambdaContext {
    LambdaContext(
        requestID: "test-\(UUID().uuidString)", deadlineMilliseconds: Time.nowMilliseconds() + 30_000,
        invokedFunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:test", traceID: nil)
}

@Suite(.serialized, .ownThread) struct HandlerTests {
    @Test(arguments: SampleEvent.all) func sampleEventGetsTheDocumentedAnswer(_ sample: SampleEvent) throws {
        let function = try HandlerFixture.shared.function(sample.function)
        let context = testContext()
        do {
            let answer = try function.handle(sample.bytes, context: context)
            #expect(sample.functionError == nil, "expected a function error")
            let body: String
            if let status = sample.status {
                let result = try HTTPResult.decode(answer)
                #expect(result.status == status)
                #expect(result.headers["content-type"] == "application/json")
                #expect(result.headers["x-request-id"] == context.requestID)
                body = String(decoding: result.body, as: UTF8.self)
                if status >= 400 { #expect(body.contains(#""request_id":"\#(context.requestID)""#)) }
            } else {
                body = String(decoding: answer, as: UTF8.self)
            }
            for fragment in sample.contains {
                #expect(body.contains(fragment), "\(fragment) not in \(body.prefix(400))")
            }
        } catch let e as FunkoError {
            #expect(sample.functionError == e.errorType, "\(e)")
            for fragment in sample.contains {
                #expect(e.message.contains(fragment.replacingOccurrences(of: #"\""#, with: "\"")))
            }
        }
    }

    @Test func predictionAnswersHaveTheSpecFieldsAndTypes() throws {
        let function = try HandlerFixture.shared.function("predict")
        let result = try HTTPResult.decode(try function.handle(SampleEvent.all[0].bytes, context: testContext()))
        let p = try JSON.decode(Prediction.self, from: result.body)  // every field present with its type
        #expect(p.priceRange.min <= p.predictedPrice && p.predictedPrice <= p.priceRange.max)
        #expect((0...1).contains(p.confidenceScore) && p.modelVersion == "fixture")
        let batch = try JSON.decode(
            BatchPredictionResponse.self,
            from: try HTTPResult.decode(
                try HandlerFixture.shared.function("predict-batch").handle(
                    SampleEvent.all[6].bytes, context: testContext())
            ).body)
        #expect(batch.predictions.count == 4 && batch.errors.map(\.funkoPopID) == ["99999"])
        let history = try JSON.decode(
            HistoryResponse.self,
            from: try HTTPResult.decode(
                try HandlerFixture.shared.function("history").handle(SampleEvent.all[7].bytes, context: testContext())
            ).body)
        #expect(history.days == 90 && history.summary.count == history.sales.count)
    }

    @Test func aFunctionAnswersOnlyItsOwnRoutes() throws {
        let predict = try HandlerFixture.shared.function("predict")
        // SampleEvent.all[7] is GET /history.
        let result = try HTTPResult.decode(try predict.handle(SampleEvent.all[7].bytes, context: testContext()))
        #expect(result.status == 404)
        #expect(String(decoding: result.body, as: UTF8.self).contains("this function serves POST /predict"))
        #expect(throws: FunkoError.self) { try predict.handle(SampleEvent.retrain[0].bytes, context: testContext()) }
    }

    @Test func withoutAModelPredictionsAre503AndHealthSaysWhy() throws {
        let dir = TempDir()
        var configuration = HandlerFixture.shared.configuration
        configuration.artifactFolder = dir.path
        let predict = try HandlerFixture.shared.function("predict", configuration: configuration)
        let r = try HTTPResult.decode(try predict.handle(SampleEvent.all[0].bytes, context: testContext()))
        #expect(r.status == 503)
        #expect(String(decoding: r.body, as: UTF8.self).contains("no trained model is available"))
        let status = try HandlerFixture.shared.function("status", configuration: configuration)
        let h = try HTTPResult.decode(
            try status.handle(Files.read("\(packageRoot)/events/health.json"), context: testContext()))
        #expect(h.status == 503 && String(decoding: h.body, as: UTF8.self).contains("no trained model"))
    }

    @Test func eventsAreRecognisedByShape() throws {
        for (file, kind) in [
            ("predict.json", "http"), ("predict-rest-v1.json", "http"), ("predict-function-url.json", "http"),
            ("retrain-schedule.json", "eventBridge"), ("predict-direct.json", "direct"),
            ("retrain-manual.json", "direct"),
        ] {
            let e = try LambdaEvent.parse(try Files.read("\(packageRoot)/events/\(file)"))
            switch e {
            case .http(let h):
                #expect(kind == "http", "\(file)")
                #expect(h.method == "POST")
            case .eventBridge(let b): #expect(kind == "eventBridge" && b.isSchedule, "\(file)")
            case .direct: #expect(kind == "direct", "\(file)")
            }
        }
        guard case .http(let v1) = try LambdaEvent.parse(try Files.read("\(packageRoot)/events/predict-rest-v1.json"))
        else { return }
        #expect(v1.format == .v1 && v1.path == "/predict")
        guard
            case .http(let b64) = try LambdaEvent.parse(
                try Files.read("\(packageRoot)/events/predict-base64-body.json"))
        else { return }
        #expect(String(decoding: b64.body, as: UTF8.self).contains("10003"))
        // funko serve's events round-trip through the same parser.
        let local = HTTPEvent(
            method: "GET", path: "/history/10001", query: ["days": "30"], headers: ["accept": "application/json"])
        guard case .http(let back) = try LambdaEvent.parse(try local.encodedV2(requestID: "r", time: 0)) else {
            Issue.record("not http")
            return
        }
        #expect(back.path == "/history/10001" && back.query == ["days": "30"] && back.method == "GET")
    }

    @Test func binaryResponseBodiesTravelBase64Encoded() throws {
        let r = HTTPResult(status: 200, headers: [:], body: [0xFF, 0x00, 0x10])
        let encoded = String(decoding: try r.encoded(for: .v2), as: UTF8.self)
        #expect(encoded.contains(#""isBase64Encoded":true"#))
        #expect(try HTTPResult.decode(Array(encoded.utf8)).body == [0xFF, 0x00, 0x10])
    }
}
