import FunkoCore
import FunkoFeatures
import FunkoModel
import FunkoStore

/// The operations behind the HTTP API and the CLI: predict, history, status. One instance is
/// built at start-up (Lambda init) and reused for every request.
public final class PriceService {
    public let store: Store
    public let model: InferenceBackend?
    /// Sees every served batch: its feature rows and predicted prices (drift monitoring).
    public var observer: ((FeatureMatrix, [Double]) -> Void)?

    public init(store: Store, model: InferenceBackend?) {
        self.store = store
        self.model = model
    }

    public struct BatchResult: Sendable {
        public var predictions: [Prediction]
        public var errors: [(id: String, error: FunkoError)]
    }

    public func predict(_ query: PredictQuery, now: EpochSeconds, deadline: Int64? = nil) throws -> Prediction {
        let result = try predictBatch(query, now: now, deadline: deadline)
        if let e = result.errors.first { throw e.error }
        return result.predictions[0]
    }

    /// All known ids in one model call; unknown ids come back in `errors`.
    public func predictBatch(_ query: PredictQuery, now: EpochSeconds, deadline: Int64? = nil) throws -> BatchResult {
        guard let model else {
            throw FunkoError.unavailable("no trained model is available: run `funko train` (or check the model store)")
        }
        var pops: [FunkoPop] = []
        var errors: [(String, FunkoError)] = []
        var seen = Set<String>()
        let ids = query.ids.filter { seen.insert($0).inserted }
        let catalog = try store.pops(ids: ids)
        for id in ids {
            if let p = catalog[id] {
                pops.append(p)
            } else {
                errors.append((id, .notFound("unknown funko_pop_id \"\(id)\": no such Pop in the catalog")))
            }
        }
        guard !pops.isEmpty else { return BatchResult(predictions: [], errors: errors) }
        let target = now + EpochSeconds(query.futureDays) * secondsPerDay
        let (table, queries) = try servingInputs(
            pops, now: now, target: target, condition: query.condition, marketplace: query.marketplace)
        let rows = FeatureBuilder.rows(for: queries, sales: table, encoders: model.metadata.vocabularies)
        let outputs = try model.predictTargets(rows, deadline: deadline)
        let predictions = pops.enumerated().map { i, pop -> Prediction in
            let e = model.metadata.estimate(features: rows, row: i, prediction: outputs[i])
            return Prediction(
                funkoPopID: pop.id, funkoName: pop.name, series: pop.series, predictedPrice: roundCents(e.price),
                confidenceScore: (e.confidence * 100).rounded() / 100,
                priceRange: PriceRange(min: roundCents(e.low), max: roundCents(e.high)),
                factors: PredictionFactors(
                    isChase: pop.isChase ? 1 : 0, isExclusive: pop.isExclusive ? 1 : 0,
                    isVaulted: pop.isVaulted(at: target) ? 1 : 0, condition: query.condition.rawValue,
                    marketplace: query.marketplace.rawValue,
                    daysSinceRelease: Int(rows[i, .daysSinceRelease])),
                predictionDate: Time.iso8601(target), modelVersion: model.metadata.version)
        }
        observer?(rows, predictions.map(\.predictedPrice))
        return BatchResult(predictions: predictions, errors: errors)
    }

    /// The Pops' sales before `now` and one question per Pop: features at `target`, windows ending at `now`.
    private func servingInputs(
        _ pops: [FunkoPop], now: EpochSeconds, target: EpochSeconds, condition: Condition,
        marketplace: Marketplace
    ) throws -> (SalesTable, [FeatureQuery]) {
        var table = SalesTable(pops: pops)
        var queries: [FeatureQuery] = []
        // The whole history, in one query for the batch: last sales may be old.
        let history = try store.sales(popIDs: pops.map(\.id), from: 0, until: now)
        for (i, pop) in pops.enumerated() {
            for s in history[pop.id] ?? [] {
                table.append(
                    pop: Int32(i), soldAt: s.soldAt, price: s.price, condition: s.condition, marketplace: s.marketplace)
            }
            queries.append(
                FeatureQuery(
                    pop: Int32(i), time: target, windowEnd: now, condition: condition, marketplace: marketplace))
        }
        return (table, queries)
    }

    /// `GET /pops`: the catalog search, best matches first.
    public func searchCatalog(_ search: CatalogSearch, now: EpochSeconds) throws -> CatalogSearchResponse {
        let page = try store.searchPops(search)
        return CatalogSearchResponse(
            pops: page.hits.map { Self.entry($0.pop, $0.lastSale, now: now) }, total: page.total)
    }

    /// `GET /pops/{funko_pop_id}`: one catalog entry.
    public func catalogEntry(id: String, now: EpochSeconds) throws -> CatalogEntry {
        try PopID.check(id, field: "funko_pop_id")
        guard let pop = try store.pop(id: id) else {
            throw FunkoError.notFound("unknown funko_pop_id \"\(id)\": no such Pop in the catalog")
        }
        return Self.entry(pop, try store.lastSales(popIDs: [id])[id], now: now)
    }

    static func entry(_ pop: FunkoPop, _ last: LastSale?, now: EpochSeconds) -> CatalogEntry {
        CatalogEntry(
            pop, lastSale: last.map { .init(price: roundCents($0.price), soldAt: Time.iso8601($0.soldAt)) }, now: now)
    }

    public static let historyDaysRange = 1...3650

    public func history(popID: String, days: Int, now: EpochSeconds) throws -> HistoryResponse {
        guard Self.historyDaysRange.contains(days) else {
            throw FunkoError.badRequest("days must be an integer from 1 to 3650 (got \(days))", field: "days")
        }
        try PopID.check(popID, field: "funko_pop_id")
        guard let pop = try store.pop(id: popID) else {
            throw FunkoError.notFound("unknown funko_pop_id \"\(popID)\": no such Pop in the catalog")
        }
        let from = now - EpochSeconds(days) * secondsPerDay
        let sales = try store.sales(popID: popID, from: from, until: now + 1)
        var daily: [HistoryDay] = []
        for s in sales {
            let date = Time.isoDate(s.soldAt)
            if daily.last?.date == date {
                let d = daily[daily.count - 1]
                daily[daily.count - 1] = HistoryDay(
                    date: date, avgPrice: (d.avgPrice * Double(d.count) + s.price) / Double(d.count + 1),
                    count: d.count + 1)
            } else {
                daily.append(HistoryDay(date: date, avgPrice: s.price, count: 1))
            }
        }
        daily = daily.map { HistoryDay(date: $0.date, avgPrice: roundCents($0.avgPrice), count: $0.count) }
        let prices = sales.map(\.price).sorted()
        // The window averages come from the feature code itself, so history and predictions agree.
        var table = SalesTable(pops: [pop])
        let windowStart = now - 90 * secondsPerDay
        // The answer's own sales already hold the 90 days when it covers them: no second query.
        let window =
            from <= windowStart
            ? sales.filter { $0.soldAt >= windowStart }
            : try store.sales(popID: popID, from: windowStart, until: now + 1)
        for s in window {
            table.append(pop: 0, soldAt: s.soldAt, price: s.price, condition: s.condition, marketplace: s.marketplace)
        }
        let row = FeatureBuilder.rows(
            for: [FeatureQuery(pop: 0, time: now + 1, windowEnd: now + 1, condition: .mint, marketplace: .ebay)],
            sales: table, encoders: Encoders(fitting: [pop]))
        func value(_ f: Feature) -> Double? { row[0, f].isNaN ? nil : roundCents(Double(row[0, f])) }
        let summary = HistorySummary(
            count: prices.count, min: prices.first, max: prices.last,
            mean: prices.isEmpty ? nil : roundCents(prices.reduce(0, +) / Double(prices.count)),
            median: prices.isEmpty ? nil : roundCents(MetricMath.quantile(sorted: prices, 0.5)),
            avgPrice7d: value(.avgPrice7d), avgPrice30d: value(.avgPrice30d), avgPrice90d: value(.avgPrice90d),
            priceVolatility30d: value(.priceVolatility30d))
        return HistoryResponse(
            funkoPopID: pop.id, funkoName: pop.name, series: pop.series, days: days,
            sales: sales.map {
                HistorySale(
                    soldAt: Time.iso8601($0.soldAt), price: $0.price, condition: $0.condition.rawValue,
                    marketplace: $0.marketplace.rawValue)
            },
            daily: daily, summary: summary)
    }

    /// `endpoint` is the SageMaker endpoint's live status in sagemaker mode; `catalog` the store's
    /// counts (nil when they cannot be read; the caller decides how fresh they must be).
    public func status(
        inferenceMode: String = "embedded", endpoint: EndpointStatus = EndpointStatus(name: nil, status: "not_used"),
        catalog: CatalogCounts?, now: EpochSeconds = Time.now()
    ) throws -> ModelStatus {
        let counts = catalog?.aged(now: now)
        guard let m = model?.metadata else {
            return ModelStatus(
                status: "no_model", modelVersion: nil, trainedAt: nil, metrics: nil, baselines: nil,
                inferenceMode: inferenceMode, endpoint: endpoint, drift: nil, catalog: counts)
        }
        return ModelStatus(
            status: "ok", modelVersion: m.version, predictor: m.predictor.rawValue, trainedAt: m.trainedAt,
            metrics: m.metrics,
            baselines: m.baselineMetrics, inferenceMode: inferenceMode, endpoint: endpoint, drift: nil, catalog: counts)
    }
}
