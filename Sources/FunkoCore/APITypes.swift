/// The HTTP API's request and response bodies (docs/api.md), defined once for the CLI, the local
/// server and the Lambda handlers. JSON keys are snake_case as the API documents them.

public struct PriceRange: Codable, Equatable, Sendable {
    public var min: Double
    public var max: Double
    public init(min: Double, max: Double) {
        self.min = min
        self.max = max
    }
}

public struct PredictionFactors: Codable, Equatable, Sendable {
    public var isChase: Int
    public var isExclusive: Int
    public var isVaulted: Int
    public var condition: String
    public var marketplace: String
    public var daysSinceRelease: Int

    enum CodingKeys: String, CodingKey {
        case isChase = "is_chase"
        case isExclusive = "is_exclusive"
        case isVaulted = "is_vaulted"
        case condition, marketplace
        case daysSinceRelease = "days_since_release"
    }

    public init(
        isChase: Int, isExclusive: Int, isVaulted: Int, condition: String, marketplace: String, daysSinceRelease: Int
    ) {
        self.isChase = isChase
        self.isExclusive = isExclusive
        self.isVaulted = isVaulted
        self.condition = condition
        self.marketplace = marketplace
        self.daysSinceRelease = daysSinceRelease
    }
}

public struct Prediction: Codable, Equatable, Sendable {
    public var funkoPopID: String
    public var funkoName: String
    public var series: String
    public var predictedPrice: Double
    public var confidenceScore: Double
    public var priceRange: PriceRange
    public var factors: PredictionFactors
    public var predictionDate: String
    public var modelVersion: String

    enum CodingKeys: String, CodingKey {
        case funkoPopID = "funko_pop_id"
        case funkoName = "funko_name"
        case series
        case predictedPrice = "predicted_price"
        case confidenceScore = "confidence_score"
        case priceRange = "price_range"
        case factors
        case predictionDate = "prediction_date"
        case modelVersion = "model_version"
    }

    public init(
        funkoPopID: String, funkoName: String, series: String, predictedPrice: Double,
        confidenceScore: Double, priceRange: PriceRange, factors: PredictionFactors,
        predictionDate: String, modelVersion: String
    ) {
        self.funkoPopID = funkoPopID
        self.funkoName = funkoName
        self.series = series
        self.predictedPrice = predictedPrice
        self.confidenceScore = confidenceScore
        self.priceRange = priceRange
        self.factors = factors
        self.predictionDate = predictionDate
        self.modelVersion = modelVersion
    }
}

public struct HistorySale: Codable, Equatable, Sendable {
    public var soldAt: String
    public var price: Double
    public var condition: String
    public var marketplace: String
    enum CodingKeys: String, CodingKey {
        case soldAt = "sold_at"
        case price, condition, marketplace
    }
    public init(soldAt: String, price: Double, condition: String, marketplace: String) {
        self.soldAt = soldAt
        self.price = price
        self.condition = condition
        self.marketplace = marketplace
    }
}

public struct HistoryDay: Codable, Equatable, Sendable {
    public var date: String
    public var avgPrice: Double
    public var count: Int
    enum CodingKeys: String, CodingKey {
        case date
        case avgPrice = "avg_price"
        case count
    }
    public init(date: String, avgPrice: Double, count: Int) {
        self.date = date
        self.avgPrice = avgPrice
        self.count = count
    }
}

public struct HistorySummary: Codable, Equatable, Sendable {
    public var count: Int
    public var min: Double?
    public var max: Double?
    public var mean: Double?
    public var median: Double?
    public var avgPrice7d: Double?
    public var avgPrice30d: Double?
    public var avgPrice90d: Double?
    public var priceVolatility30d: Double?
    enum CodingKeys: String, CodingKey {
        case count, min, max, mean, median
        case avgPrice7d = "avg_price_7d"
        case avgPrice30d = "avg_price_30d"
        case avgPrice90d = "avg_price_90d"
        case priceVolatility30d = "price_volatility_30d"
    }
    public init(
        count: Int, min: Double?, max: Double?, mean: Double?, median: Double?, avgPrice7d: Double?,
        avgPrice30d: Double?, avgPrice90d: Double?, priceVolatility30d: Double?
    ) {
        self.count = count
        self.min = min
        self.max = max
        self.mean = mean
        self.median = median
        self.avgPrice7d = avgPrice7d
        self.avgPrice30d = avgPrice30d
        self.avgPrice90d = avgPrice90d
        self.priceVolatility30d = priceVolatility30d
    }

    /// Nil values are written as JSON null, so the shape is the same for every Pop.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(min, forKey: .min)
        try c.encode(max, forKey: .max)
        try c.encode(mean, forKey: .mean)
        try c.encode(median, forKey: .median)
        try c.encode(avgPrice7d, forKey: .avgPrice7d)
        try c.encode(avgPrice30d, forKey: .avgPrice30d)
        try c.encode(avgPrice90d, forKey: .avgPrice90d)
        try c.encode(priceVolatility30d, forKey: .priceVolatility30d)
    }
}

public struct HistoryResponse: Codable, Equatable, Sendable {
    public var funkoPopID: String
    public var funkoName: String
    public var series: String
    public var days: Int
    public var sales: [HistorySale]
    public var daily: [HistoryDay]
    public var summary: HistorySummary
    enum CodingKeys: String, CodingKey {
        case funkoPopID = "funko_pop_id"
        case funkoName = "funko_name"
        case series, days, sales, daily, summary
    }
    public init(
        funkoPopID: String, funkoName: String, series: String, days: Int, sales: [HistorySale],
        daily: [HistoryDay], summary: HistorySummary
    ) {
        self.funkoPopID = funkoPopID
        self.funkoName = funkoName
        self.series = series
        self.days = days
        self.sales = sales
        self.daily = daily
        self.summary = summary
    }
}

/// Held-out metrics of one predictor (MAPE in percent; coverage as a fraction, model only).
public struct Metrics: Codable, Equatable, Sendable {
    public var mae: Double
    public var rmse: Double
    public var r2: Double
    public var mape: Double
    public var intervalCoverage: Double?
    enum CodingKeys: String, CodingKey {
        case mae, rmse, r2, mape
        case intervalCoverage = "interval_coverage"
    }
    public init(mae: Double, rmse: Double, r2: Double, mape: Double, intervalCoverage: Double? = nil) {
        self.mae = mae
        self.rmse = rmse
        self.r2 = r2
        self.mape = mape
        self.intervalCoverage = intervalCoverage
    }
}

public struct EndpointStatus: Codable, Equatable, Sendable {
    public var name: String?
    public var status: String
    public init(name: String?, status: String) {
        self.name = name
        self.status = status
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(status, forKey: .status)
    }
    enum CodingKeys: String, CodingKey { case name, status }
}

public struct ModelStatus: Codable, Equatable, Sendable {
    public var status: String
    public var modelVersion: String?
    /// What answers: "model" (the trees) or "baseline:<name>" when no trained model beat that
    /// naive baseline; nil with no champion.
    public var predictor: String?
    public var trainedAt: String?
    public var metrics: Metrics?
    public var baselines: [String: Metrics]?
    public var inferenceMode: String
    public var endpoint: EndpointStatus
    public var drift: [String: Double]?
    public var catalog: CatalogCounts?
    enum CodingKeys: String, CodingKey {
        case status
        case modelVersion = "model_version"
        case predictor
        case trainedAt = "trained_at"
        case metrics, baselines
        case inferenceMode = "inference_mode"
        case endpoint, drift, catalog
    }
    public init(
        status: String, modelVersion: String?, predictor: String? = nil, trainedAt: String?, metrics: Metrics?,
        baselines: [String: Metrics]?, inferenceMode: String, endpoint: EndpointStatus,
        drift: [String: Double]?, catalog: CatalogCounts?
    ) {
        self.status = status
        self.modelVersion = modelVersion
        self.predictor = predictor
        self.trainedAt = trainedAt
        self.metrics = metrics
        self.baselines = baselines
        self.inferenceMode = inferenceMode
        self.endpoint = endpoint
        self.drift = drift
        self.catalog = catalog
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(modelVersion, forKey: .modelVersion)
        try c.encode(predictor, forKey: .predictor)
        try c.encode(trainedAt, forKey: .trainedAt)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(baselines, forKey: .baselines)
        try c.encode(inferenceMode, forKey: .inferenceMode)
        try c.encode(endpoint, forKey: .endpoint)
        try c.encode(drift, forKey: .drift)
        try c.encodeIfPresent(catalog, forKey: .catalog)
    }
}

public struct CatalogCounts: Codable, Equatable, Sendable {
    public var pops: Int
    public var sales: Int
    public var firstSale: String?
    public var lastSale: String?
    /// Hours from the newest sale to the time of the answer: how fresh the data is.
    public var ageHours: Double?
    enum CodingKeys: String, CodingKey {
        case pops, sales
        case firstSale = "first_sale"
        case lastSale = "last_sale"
        case ageHours = "age_hours"
    }

    /// These counts with `ageHours` as of `now` (nil without sales).
    public func aged(now: EpochSeconds) -> CatalogCounts {
        var c = self
        c.ageHours = lastSale.flatMap(Time.parseISO8601).map { (Double(now - $0) / 36).rounded() / 100 }
        return c
    }
    public init(pops: Int, sales: Int, firstSale: String?, lastSale: String?) {
        self.pops = pops
        self.sales = sales
        self.firstSale = firstSale
        self.lastSale = lastSale
    }
}

public struct ErrorBody: Codable, Equatable, Sendable {
    public struct Detail: Codable, Equatable, Sendable {
        public var code: String
        public var message: String
        public var requestID: String?
        /// The request field the error concerns, when it concerns one.
        public var field: String?
        enum CodingKeys: String, CodingKey {
            case code, message, field
            case requestID = "request_id"
        }
        public init(code: String, message: String, requestID: String? = nil, field: String? = nil) {
            self.code = code
            self.message = message
            self.requestID = requestID
            self.field = field
        }
    }
    public var error: Detail
    public init(_ e: FunkoError, requestID: String? = nil) {
        error = Detail(code: e.code.rawValue, message: e.message, requestID: requestID, field: e.field)
    }
}

/// `POST /predict/batch` answer: unknown ids in `errors`, the rest answered.
public struct BatchPredictionResponse: Codable, Equatable, Sendable {
    public struct ItemError: Codable, Equatable, Sendable {
        public var funkoPopID: String
        public var error: ErrorBody.Detail
        enum CodingKeys: String, CodingKey {
            case funkoPopID = "funko_pop_id"
            case error
        }
        public init(funkoPopID: String, error: ErrorBody.Detail) {
            self.funkoPopID = funkoPopID
            self.error = error
        }
    }
    public var predictions: [Prediction]
    public var errors: [ItemError]
    public var modelVersion: String?
    enum CodingKeys: String, CodingKey {
        case predictions, errors
        case modelVersion = "model_version"
    }
    public init(predictions: [Prediction], errors: [ItemError], modelVersion: String?) {
        self.predictions = predictions
        self.errors = errors
        self.modelVersion = modelVersion
    }
}

/// `GET /health`: 200 when every check is "ok", else 503.
public struct HealthResponse: Codable, Equatable, Sendable {
    public var status: String
    public var checks: [String: String]
    public var modelVersion: String?
    /// Hours since the newest sale in the store (nil when the store has none or is unreachable).
    public var dataAgeHours: Double?
    enum CodingKeys: String, CodingKey {
        case status, checks
        case modelVersion = "model_version"
        case dataAgeHours = "data_age_hours"
    }
    public init(status: String, checks: [String: String], modelVersion: String?, dataAgeHours: Double? = nil) {
        self.status = status
        self.checks = checks
        self.modelVersion = modelVersion
        self.dataAgeHours = dataAgeHours
    }
}

/// One Pop as the catalog lists it (`GET /pops`, `GET /pops/{funko_pop_id}`).
public struct CatalogEntry: Codable, Equatable, Sendable {
    public struct LastSale: Codable, Equatable, Sendable {
        public var price: Double
        public var soldAt: String
        enum CodingKeys: String, CodingKey {
            case price
            case soldAt = "sold_at"
        }
        public init(price: Double, soldAt: String) {
            self.price = price
            self.soldAt = soldAt
        }
    }

    public var funkoPopID: String
    public var funkoName: String
    public var series: String
    public var character: String
    public var funkoNumber: Int
    public var isChase: Bool
    public var isExclusive: Bool
    public var isVaulted: Bool
    public var releaseDate: String
    public var imageURL: String?
    public var lastSale: LastSale?

    enum CodingKeys: String, CodingKey {
        case funkoPopID = "funko_pop_id"
        case funkoName = "funko_name"
        case series, character
        case funkoNumber = "funko_number"
        case isChase = "is_chase"
        case isExclusive = "is_exclusive"
        case isVaulted = "is_vaulted"
        case releaseDate = "release_date"
        case imageURL = "image_url"
        case lastSale = "last_sale"
    }

    /// The entry of `pop` as of `now` (vaulted only once its vault date has passed).
    public init(_ pop: FunkoPop, lastSale: LastSale?, now: EpochSeconds) {
        funkoPopID = pop.id
        funkoName = pop.name
        series = pop.series
        character = pop.character
        funkoNumber = pop.funkoNumber
        isChase = pop.isChase
        isExclusive = pop.isExclusive
        isVaulted = pop.isVaulted(at: now)
        releaseDate = Time.isoDate(pop.releaseDate)
        imageURL = pop.imageURL
        self.lastSale = lastSale
    }

    /// Nil values are written as JSON null, so every entry has the same keys.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(funkoPopID, forKey: .funkoPopID)
        try c.encode(funkoName, forKey: .funkoName)
        try c.encode(series, forKey: .series)
        try c.encode(character, forKey: .character)
        try c.encode(funkoNumber, forKey: .funkoNumber)
        try c.encode(isChase, forKey: .isChase)
        try c.encode(isExclusive, forKey: .isExclusive)
        try c.encode(isVaulted, forKey: .isVaulted)
        try c.encode(releaseDate, forKey: .releaseDate)
        try c.encode(imageURL, forKey: .imageURL)
        try c.encode(lastSale, forKey: .lastSale)
    }
}

/// `GET /pops`: one page of matches, best first, and how many matched in all.
public struct CatalogSearchResponse: Codable, Equatable, Sendable {
    public var pops: [CatalogEntry]
    public var total: Int
    public init(pops: [CatalogEntry], total: Int) {
        self.pops = pops
        self.total = total
    }
}
