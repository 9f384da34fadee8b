import AWSClients
import FunkoAPI
import FunkoCore
import FunkoFeatures
import FunkoHTTP
import FunkoModel
import FunkoStore

/// The one factory: the store, the artifact store (local folder or S3), the AWS clients and the
/// serving model, built from an `AppConfiguration`. The Lambda functions build it once at
/// initialisation (the cold start); `funko serve` and every CLI command build it the same way.
/// Not thread-safe: one invocation at a time, as a Lambda instance runs them.
public final class App {
    public let configuration: AppConfiguration
    public let store: Store
    public let repository: ModelRepository
    /// Resolved when the configuration needs AWS (S3 artifacts, the endpoint, SageMaker training, SSM).
    public let aws: AWSConfig?
    private let runtime: SageMakerRuntimeClient?
    /// The SageMaker control plane, when sagemaker inference needs to see the endpoint's status.
    public let sagemaker: SageMakerClient?
    private(set) var model: InferenceBackend?
    private var checkedAt = 0.0
    /// Reads `champion.json` for the refresh checks: one short attempt, so a slow or failing
    /// artifact store delays the request that runs the check by `pointerTimeout` at most.
    private let championPointer: ModelRepository
    static let pointerTimeout = 2.0
    /// Refresh checks failed in a row (the artifact store slow or down); the first one is logged.
    private var refreshFailures = 0
    /// Served rows of this warm process, checked for drift against the model's training summary.
    public let drift = DriftMonitor()
    private var served: Served?

    /// What the last request served, for its metric line.
    public struct Served {
        public var prices: [Double]
        public var drift: DriftReport?
    }

    /// `loadModel` false: the store and the artifact store only (data and retraining commands);
    /// `loadChampion()` loads the model later.
    public init(configuration: AppConfiguration, logger: Logger, loadModel: Bool = true) throws {
        let configuration = try configuration.validated()
        self.configuration = configuration
        let aws =
            configuration.usesAWS
            ? try AWSConfig.resolve(environment: configuration.awsEnvironment, profile: configuration.awsProfile) : nil
        self.aws = aws
        StartupProfile.mark("settings")
        store = try Self.openStore(configuration.store, aws: aws)
        StartupProfile.mark("store open")
        repository = ModelRepository(store: try Self.artifactStore(configuration.artifacts, aws: aws))
        championPointer = ModelRepository(
            store: try Self.artifactStore(configuration.artifacts, aws: aws, timeout: Self.pointerTimeout))
        if let aws, configuration.inferenceMode == .sagemaker {
            runtime = SageMakerRuntimeClient(config: aws, timeout: configuration.endpointTimeoutSeconds)
            sagemaker = SageMakerClient(config: aws)
        } else {
            runtime = nil
            sagemaker = nil
        }
        checkedAt = Time.monotonic()
        guard loadModel else { return }
        do {
            if try loadChampion(logger: logger) == nil {
                logger.warn(
                    "no champion model yet: predictions answer 503 until one is trained",
                    ["artifacts": .string(repository.store.description)])
            } else if let m = model {
                logger.info(
                    "model loaded",
                    [
                        "modelVersion": .string(m.metadata.version),
                        "inferenceMode": .string(configuration.inferenceMode.rawValue),
                        "artifacts": .string(repository.store.description),
                    ])
            }
        } catch {
            logger.error("model could not be loaded: predictions answer 503", ["error": .string("\(error)")])
        }
    }

    static func openStore(_ location: AppConfiguration.StoreLocation, aws: AWSConfig?) throws -> Store {
        switch location {
        case .sqlite(let path): return try SQLiteStore(path: path)
        case .postgres(let url): return try PostgresStore(url: url)
        case .postgresURLInSSM(let parameter):
            guard let aws else { throw FunkoError.badRequest("DATABASE_URL_PARAMETER needs AWS settings to read SSM") }
            let url = try SSMClient(config: aws).parameter(parameter)
            StartupProfile.mark("database URL from SSM")
            return try PostgresStore(url: url)
        }
    }

    /// `timeout`: one attempt of at most that many seconds per S3 call, instead of retries.
    static func artifactStore(
        _ location: AppConfiguration.ArtifactLocation, aws: AWSConfig?, timeout: Double? = nil
    ) throws -> ObjectStore {
        switch location {
        case .folder(let path): return LocalObjectStore(root: path)
        case .s3(let bucket):
            guard let aws else { throw FunkoError.badRequest("MODEL_BUCKET needs AWS settings (AWS_REGION)") }
            let s3 = S3Client(config: aws)
            if let timeout {
                s3.client.timeout = timeout
                s3.client.retry = RetryPolicy(maxAttempts: 1)
            }
            return S3ObjectStore(s3: s3, bucket: bucket.name, prefix: bucket.prefix)
        }
    }

    /// Loads the champion (the version that matches what answers) and serves it from now on;
    /// nil when no model has been promoted yet.
    @discardableResult
    public func loadChampion(logger: Logger = Logger(quiet: true)) throws -> InferenceBackend? {
        guard let champion = try repository.champion() else { return nil }
        model = try load(servingVersion(champion, logger: logger))
        return model
    }

    /// The version whose metadata matches what answers. Embedded: the champion. SageMaker: the
    /// champion once the endpoint runs its config; during the minutes an UpdateEndpoint takes,
    /// the endpoint still serves the previous trees, which need the previous vocabularies.
    func servingVersion(_ champion: ChampionRecord, logger: Logger) -> String {
        guard let sagemaker, let endpoint = configuration.endpointName, let config = champion.endpointConfig,
            let previous = champion.previous
        else { return champion.version }
        do {
            let live = try sagemaker.describeEndpoint(endpoint)
            if live?.configName == config { return champion.version }
            logger.info(
                "endpoint not yet on the champion's config: serving the previous version",
                [
                    "champion": .string(champion.version), "previous": .string(previous),
                    "endpointConfig": live?.configName.map(JSONValue.string) ?? .null,
                    "endpointStatus": .string(live?.status ?? "NotFound"),
                ])
            return previous
        } catch {
            logger.warn("endpoint status unknown; assuming the champion serves", ["error": .string("\(error)")])
            return champion.version
        }
    }

    /// Embedded: the trees from model.tar.gz. SageMaker: only metadata.json; the endpoint has the
    /// trees. A baseline answers in the function in both modes: no endpoint serves it.
    private func load(_ version: String) throws -> InferenceBackend {
        if let runtime, let endpoint = configuration.endpointName {
            let metadata = try repository.metadata(version: version)
            guard metadata.predictor == .model else { return try BaselinePredictor(metadata: metadata) }
            try metadata.checkFeatures()
            return SageMakerBackend(metadata: metadata, endpoint: endpoint, runtime: runtime)
        }
        return try repository.servable(version: version)
    }

    /// The serving model, reloaded if `champion.json` names another version (checked at most
    /// every `modelRefreshSeconds`, so warm functions pick up promotions without a redeploy).
    /// When the artifact store is slow or down, the loaded model goes on serving.
    public func currentModel(logger: Logger) -> InferenceBackend? {
        let now = Time.monotonic()
        guard now - checkedAt >= configuration.modelRefreshSeconds else { return model }
        checkedAt = now
        do {
            try refresh(logger: logger)
        } catch {
            refreshFailures += 1
            // Once per outage, not once per check: the same error every minute would bury
            // everything else the function logs.
            if refreshFailures == 1 {
                logger.error(
                    "model refresh failed; serving the loaded model until a check succeeds",
                    [
                        "error": .string("\(error)"),
                        "modelVersion": model.map { .string($0.metadata.version) } ?? .null,
                    ])
            }
            return model
        }
        if refreshFailures > 0 {
            logger.info("model refresh works again", ["failedChecks": .number(Double(refreshFailures))])
            refreshFailures = 0
        }
        return model
    }

    private func refresh(logger: Logger) throws {
        // Already serving the champion: no endpoint check needed.
        guard let champion = try championPointer.champion(), champion.version != model?.metadata.version else {
            return
        }
        let version = servingVersion(champion, logger: logger)
        guard version != model?.metadata.version else { return }
        model = try load(version)
        drift.reset()
        logger.info("model reloaded", ["modelVersion": .string(version)])
    }

    /// The operations over the current model; what they serve is kept for the metric line.
    public func service(logger: Logger) -> PriceService {
        let m = currentModel(logger: logger)
        let service = PriceService(store: store, model: m)
        served = nil
        if let summary = m?.metadata.trainingSummary {
            let reference = summary.serving ?? summary.sales
            service.observer = { [weak self] rows, prices in
                guard let self else { return }
                self.served = Served(
                    prices: prices, drift: self.drift.observe(rows, predictions: prices, reference: reference))
            }
        }
        return service
    }

    /// The last request's predictions and drift check, once.
    public func takeServed() -> Served? {
        defer { served = nil }
        return served
    }

    /// The endpoint's live status in sagemaker mode (DescribeEndpoint), "not_used" when embedded.
    public func endpointStatus() -> EndpointStatus {
        guard let sagemaker, let name = configuration.endpointName else {
            return EndpointStatus(name: nil, status: "not_used")
        }
        do {
            return EndpointStatus(name: name, status: try sagemaker.describeEndpoint(name)?.status ?? "NotFound")
        } catch {
            return EndpointStatus(name: name, status: "Unreachable: \(error)")
        }
    }

    public func status(logger: Logger, now: EpochSeconds = Time.now()) throws -> ModelStatus {
        try service(logger: logger).status(
            inferenceMode: configuration.inferenceMode.rawValue, endpoint: endpointStatus(),
            catalog: catalogCounts(now: now), now: now)
    }

    /// The store's counts, read at most once per `catalogCountsSeconds` (nil when the store cannot
    /// be read; that is not kept). Counting every sale is a scan in SQLite and PostgreSQL alike
    /// (about 15 ms at 200,000 sales, most of a `/model/status` answer), and the counts change
    /// with imports, not from one request to the next.
    func catalogCounts(now: EpochSeconds) -> CatalogCounts? {
        if let cached = countsCache, now >= cached.at, now - cached.at < Self.catalogCountsSeconds {
            return cached.counts
        }
        guard let counts = try? store.counts() else { return nil }
        countsCache = (counts, now)
        return counts
    }

    static let catalogCountsSeconds: EpochSeconds = 60
    private var countsCache: (counts: CatalogCounts, at: EpochSeconds)?

    /// Database reachable, a model loaded, and in sagemaker mode the endpoint InService; with how
    /// old the newest sale is.
    public func health(logger: Logger, now: EpochSeconds = Time.now()) -> HealthResponse {
        var checks: [String: String] = [:]
        var age: Double?
        do {
            age = try store.counts().aged(now: now).ageHours
            checks["database"] = "ok"
        } catch { checks["database"] = "\(error)" }
        let m = currentModel(logger: logger)
        checks["model"] = m == nil ? "no trained model: run `funko train` or the retrain-trigger function" : "ok"
        if configuration.inferenceMode == .sagemaker {
            let e = endpointStatus()
            checks["endpoint"] = e.status == "InService" ? "ok" : "endpoint \(e.name ?? "") is \(e.status)"
        }
        return HealthResponse(
            status: checks.values.allSatisfy { $0 == "ok" } ? "ok" : "unavailable", checks: checks,
            modelVersion: m?.metadata.version, dataAgeHours: age)
    }
}

/// Inference on a SageMaker endpoint: the feature rows go as CSV in one InvokeEndpoint call; the
/// answers are target-space predictions, post-processed like in-process ones.
public final class SageMakerBackend: InferenceBackend {
    public let metadata: ModelMetadata
    let endpoint: String
    let runtime: SageMakerRuntimeClient
    public var mode: String { "sagemaker" }

    public init(metadata: ModelMetadata, endpoint: String, runtime: SageMakerRuntimeClient) {
        self.metadata = metadata
        self.endpoint = endpoint
        self.runtime = runtime
    }

    public func predictTargets(_ rows: FeatureMatrix, deadline: Int64?) throws -> [Double] {
        do {
            return try runtime.invokeEndpoint(
                endpoint, csv: SageMakerCSV.rows(metadata.inputs(rows)), rows: rows.rows, deadline: deadline)
        } catch let e as AWSError {
            throw FunkoError.unavailable("SageMaker endpoint \(endpoint) failed: \(e)")
        } catch let e as HTTPError {
            throw FunkoError.unavailable(
                e.kind == .timeout
                    ? "SageMaker endpoint \(endpoint) did not answer in time (\(e.message))"
                    : "SageMaker endpoint \(endpoint) could not be reached: \(e.message)")
        }
    }
}
