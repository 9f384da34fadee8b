import FunkoTestSupport
import Testing

@testable import FunkoAPI
@testable import FunkoCore
@testable import FunkoFeatures
@testable import FunkoModel
@testable import FunkoStore
@testable import FunkoTraining

@Suite struct RequestValidationTests {
    func predictError(_ body: String) -> FunkoError? {
        do {
            _ = try JSON.decode(PredictRequest.self, from: body).validated()
            return nil
        } catch let e as FunkoError { return e } catch { return FunkoError(.internalError, "\(error)") }
    }

    @Test func acceptsTheDocumentedRequestAndDefaults() throws {
        let q = try JSON.decode(
            PredictRequest.self,
            from: #"{"funko_pop_id":"12345","condition":"near_mint","marketplace":"ebay","future_days":30}"#
        ).validated()
        #expect(q == (try PredictQuery(ids: ["12345"], condition: "near_mint", marketplace: "ebay", futureDays: 30)))
        let d = try JSON.decode(PredictRequest.self, from: #"{"funko_pop_id":12345}"#).validated()
        #expect(d.ids == ["12345"])
        #expect(d.condition == .mint)
        #expect(d.marketplace == .ebay)
        #expect(d.futureDays == 0)
        #expect(
            try JSON.decode(PredictRequest.self, from: #"{"funko_pop_id":"1","condition":2}"#).validated().condition
                == .fair)
    }

    @Test func errorsNameTheFieldAndTheAcceptedValues() {
        let cases: [(String, String)] = [
            (#"{"condition":"mint"}"#, "funko_pop_id is required"),
            (#"{"funko_pop_id":["1"]}"#, "funko_pop_id must be a string"),
            (
                #"{"funko_pop_id":"1","condition":"pristine"}"#,
                "condition \"pristine\" is not accepted: use one of mint, near_mint, good, fair, poor"
            ),
            (#"{"funko_pop_id":"1","condition":9}"#, "condition \"9\" is not accepted"),
            (
                #"{"funko_pop_id":"1","marketplace":"craigslist"}"#,
                "marketplace \"craigslist\" is not accepted: use one of ebay, mercari, amazon, whatnot, facebook, funko_shop, other"
            ),
            (#"{"funko_pop_id":"1","future_days":-1}"#, "future_days must be an integer from 0 to 365 (got -1)"),
            (#"{"funko_pop_id":"1","future_days":366}"#, "future_days must be an integer from 0 to 365 (got 366)"),
            (#"{"funko_pop_id":"1","future_days":"soon"}"#, "future_days must be an integer from 0 to 365"),
            (#"{"funko_pop_id":"1","future_days":1.5}"#, "future_days must be an integer from 0 to 365"),
        ]
        for (body, message) in cases {
            let e = predictError(body)
            #expect(e?.code == .badRequest, "\(body)")
            #expect(e?.message.hasPrefix(message) == true, "\(body) → \(e?.message ?? "no error")")
        }
    }

    /// A NUL would cut an id short in C-string APIs (libpq): "10001\0" must not predict Pop 10001.
    @Test func idsWithControlCharactersAreRefusedByName() throws {
        #expect(
            throws: FunkoError.badRequest(
                #"funko_pop_id contains a control character (U+0000): ids are printable text such as "10001""#,
                field: "funko_pop_id")
        ) { try JSON.decode(PredictRequest.self, from: #"{"funko_pop_id":"10001\u0000"}"#).validated() }
        #expect(
            throws: FunkoError.badRequest(
                #"funko_pop_ids[1] contains a control character (U+001B): ids are printable text such as "10001""#,
                field: "funko_pop_ids")
        ) { try JSON.decode(BatchPredictRequest.self, from: #"{"funko_pop_ids":["10001","10002\u001b"]}"#).validated() }
        #expect(
            throws: FunkoError.badRequest("funko_pop_id is 129 bytes long; ids are at most 128", field: "funko_pop_id")
        ) {
            try PredictRequest(funkoPopID: String(repeating: "9", count: 129)).validated()
        }
        #expect(try PredictRequest(funkoPopID: "Funko Pop! #10001 ü").validated().ids == ["Funko Pop! #10001 ü"])
    }

    @Test func batchRequestsAreBounded() throws {
        let ok = try JSON.decode(BatchPredictRequest.self, from: #"{"funko_pop_ids":["1",2],"marketplace":"amazon"}"#)
            .validated()
        #expect(ok.ids == ["1", "2"])
        #expect(ok.marketplace == .amazon)
        let many = "{\"funko_pop_ids\":[" + (1...101).map { "\"\($0)\"" }.joined(separator: ",") + "]}"
        for (body, message) in [
            (many, "funko_pop_ids must hold 1 to 100 ids (got 101)"),
            (#"{"funko_pop_ids":[]}"#, "funko_pop_ids must hold 1 to 100 ids (got 0)"),
            (#"{"funko_pop_ids":"1"}"#, "funko_pop_ids must be an array"), (#"{}"#, "funko_pop_ids is required"),
        ] {
            do {
                _ = try JSON.decode(BatchPredictRequest.self, from: body).validated()
                Issue.record("accepted \(body)")
            } catch let e as FunkoError {
                #expect(e.message.hasPrefix(message), "\(e.message)")
            }
        }
    }
}

@Suite(.serialized, .ownThread) struct PriceServiceTests {
    /// A trained model over a small market, shared by the service tests.
    static let shared = Shared<(dir: TempDir, store: SQLiteStore, model: LoadedModel, now: EpochSeconds)> {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.file("db.sqlite"))
        let g = smallMarket(pops: 150, days: 600)
        _ = try g.write(to: store)
        let repo = ModelRepository(store: LocalObjectStore(root: dir.path))
        let now = (g.config.endDay + 1) * secondsPerDay
        let model = try Trainer.train(
            try store.salesTable(since: nil), config: quickConfig(), version: "v1", trainedAt: now)
        try repo.save(model)
        try repo.promote("v1", reason: "test", at: now)
        return (dir, store, try repo.load(), now)
    }

    @Test func predictionsHaveTheDocumentedShapeAndCalibratedRange() throws {
        let f = try Self.shared.get()
        let service = PriceService(store: f.store, model: f.model)
        let busiest = try f.store.salesTable(since: nil).popRanges().enumerated().max {
            $0.element.count < $1.element.count
        }!.offset
        let id = try f.store.pops()[busiest].id
        let p = try service.predict(
            try PredictQuery(ids: [id], condition: "mint", marketplace: "ebay", futureDays: 30), now: f.now)
        #expect(p.funkoPopID == id)
        #expect(p.modelVersion == "v1")
        #expect(p.priceRange.min <= p.predictedPrice)
        #expect(p.predictedPrice <= p.priceRange.max)
        #expect(p.confidenceScore > 0)
        #expect(p.confidenceScore <= 1)
        #expect(p.predictionDate == Time.iso8601(f.now + 30 * secondsPerDay))
        let json = try JSON.encode(p)
        for key in [
            "\"funko_name\"", "\"predicted_price\"", "\"confidence_score\"", "\"price_range\":{\"max\"", "\"factors\"",
            "\"days_since_release\"", "\"prediction_date\"", "\"model_version\"",
        ] {
            #expect(json.contains(key), "\(key)")
        }
        // A worse box sells for less; the recent-sales average anchors the price.
        let poor = try service.predict(
            try PredictQuery(ids: [id], condition: "poor", marketplace: "ebay", futureDays: 30), now: f.now)
        #expect(poor.predictedPrice < 0.8 * p.predictedPrice)
        // Confidence is not a constant: asked 120 days after the last sale, the same Pop has no
        // recent support and scores lower.
        let stale = try service.predict(
            try PredictQuery(ids: [id], condition: "mint", marketplace: "ebay", futureDays: 30),
            now: f.now + 120 * secondsPerDay)
        #expect(stale.confidenceScore < p.confidenceScore)
    }

    @Test func batchAnswersKnownIdsInOneCallAndListsUnknownOnes() throws {
        let f = try Self.shared.get()
        let service = PriceService(store: f.store, model: f.model)
        let ids = try f.store.pops().prefix(5).map(\.id)
        let single = try ids.map {
            try service.predict(
                try PredictQuery(ids: [$0], condition: nil, marketplace: nil, futureDays: nil), now: f.now)
        }
        let batch = try service.predictBatch(
            try PredictQuery(ids: ids + ["nope"], condition: nil, marketplace: nil, futureDays: nil), now: f.now)
        #expect(batch.predictions == single)
        try #require(batch.errors.count == 1)
        #expect(batch.errors[0].id == "nope")
        #expect(batch.errors[0].error.code == .notFound)
        #expect(throws: FunkoError.notFound("unknown funko_pop_id \"nope\": no such Pop in the catalog")) {
            try service.predict(
                try PredictQuery(ids: ["nope"], condition: nil, marketplace: nil, futureDays: nil), now: f.now)
        }
    }

    @Test func historySummarisesTheWindow() throws {
        let f = try Self.shared.get()
        let service = PriceService(store: f.store, model: nil)
        let id = try f.store.pops()[0].id
        let h = try service.history(popID: id, days: 365, now: f.now)
        let sales = try f.store.sales(popID: id, from: f.now - 365 * secondsPerDay, until: f.now + 1)
        try #require(h.sales.count == sales.count)
        #expect(h.summary.count == sales.count)
        #expect(h.daily.reduce(0) { $0 + $1.count } == sales.count)
        if let first = sales.first {
            #expect(h.summary.min == sales.map(\.price).min())
            #expect(h.sales[0].soldAt == Time.iso8601(first.soldAt))
        }
        #expect(throws: FunkoError.self) { try service.history(popID: id, days: 0, now: f.now) }
        #expect(throws: FunkoError.self) { try service.history(popID: id, days: 3651, now: f.now) }
        #expect(throws: FunkoError.self) { try service.history(popID: "nope", days: 30, now: f.now) }
    }

    @Test func statusReportsTheModelOrItsAbsence() throws {
        let f = try Self.shared.get()
        let ok = try PriceService(store: f.store, model: f.model).status(catalog: try f.store.counts())
        #expect(ok.status == "ok")
        #expect(ok.modelVersion == "v1")
        #expect(ok.inferenceMode == "embedded")
        #expect(ok.baselines?["last_sale"] != nil)
        let none = try PriceService(store: f.store, model: nil).status(catalog: try f.store.counts())
        #expect(none.status == "no_model")
        #expect(none.modelVersion == nil)
        #expect(throws: FunkoError.self) {
            try PriceService(store: f.store, model: nil).predict(
                try PredictQuery(ids: ["1"], condition: nil, marketplace: nil, futureDays: nil), now: f.now)
        }
    }
}
