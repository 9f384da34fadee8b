import AWSClients
import FunkoAPI
import FunkoCore
import FunkoFeatures
import FunkoHTTP
import FunkoModel
import FunkoRetrain
import FunkoStore
import LambdaRuntime

/// What a function keeps between invocations: the store connection, the artifact store (local
/// folder or S3), and the champion model (in-process trees, or its metadata plus the SageMaker
/// endpoint). Built once at initialisation (the cold start), refreshed only when the champion changes.
public final class FunkoApp {
    public let settings: HandlerSettings
    public let store: Store
    public let repository: ModelRepository
    private let aws: AWSConfig?
    private let runtime: SageMakerRuntimeClient?
    private let sagemaker: SageMakerClient?
    private(set) var model: InferenceBackend?
    private var checkedAt = 0.0
    /// Served rows of this warm function, checked for drift against the model's training summary.
    public let drift = DriftMonitor()
    private var served: Served?

    /// What the last request served, for its metric line.
    public struct Served {
        public var prices: [Double]
        public var drift: DriftReport?
    }

    /// `loadModel` false: only the store and artifact store (retraining from the command line).
    public init(settings: HandlerSettings, logger: Logger, loadModel: Bool = true) throws {
        self.settings = settings
        let needsAWS =
            settings.modelBucket != nil || settings.inferenceMode == .sagemaker || settings.trainingMode == .sagemaker
            || settings.databaseURLParameter != nil
        let aws = needsAWS ? try AWSConfig.resolve(environment: settings.environment) : nil
        self.aws = aws
        var databaseURL = settings.databaseURL
        if let aws, let parameter = settings.databaseURLParameter {
            databaseURL = try SSMClient(config: aws).parameter(parameter)
        }
        store = try databaseURL.map { try PostgresStore(url: $0) } ?? SQLiteStore(path: settings.databasePath)
        if let aws, let bucket = settings.modelBucket {
            repository = ModelRepository(
                store: S3ObjectStore(s3: S3Client(config: aws), bucket: bucket, prefix: settings.modelPrefix))
        } else {
            repository = ModelRepository(store: LocalObjectStore(root: settings.dataDir))
        }
        if let aws, settings.inferenceMode == .sagemaker {
            runtime = SageMakerRuntimeClient(config: aws, timeout: settings.endpointTimeoutSeconds)
            sagemaker = SageMakerClient(config: aws)
        } else {
            runtime = nil
            sagemaker = nil
        }
        checkedAt = Time.monotonic()
        guard loadModel else { return }
        do {
            if let champion = try repository.champion() {
                let version = servingVersion(champion, logger: logger)
                model = try load(version)
                logger.info(
                    "model loaded",
                    [
                        "modelVersion": .string(version), "inferenceMode": .string(settings.inferenceMode.rawValue),
                        "artifacts": .string(repository.store.description),
                    ])
            } else {
                logger.warn(
                    "no champion model yet: predictions answer 503 until one is trained",
                    ["artifacts": .string(repository.store.description)])
            }
        } catch {
            logger.error("model could not be loaded: predictions answer 503", ["error": .string("\(error)")])
        }
    }

    /// The version whose metadata matches what answers. Embedded: the champion. SageMaker: the
    /// champion once the endpoint runs its config; during the minutes an UpdateEndpoint takes,
    /// the endpoint still serves the previous trees, which need the previous vocabularies.
    func servingVersion(_ champion: ChampionRecord, logger: Logger) -> String {
        guard let sagemaker, let endpoint = settings.endpointName, let config = champion.endpointConfig,
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

    /// Embedded: the trees from model.tar.gz. SageMaker: only metadata.json; the endpoint has the trees.
    private func load(_ version: String) throws -> InferenceBackend {
        if let runtime, let endpoint = settings.endpointName {
            return SageMakerBackend(
                metadata: try repository.metadata(version: version), endpoint: endpoint, runtime: runtime)
        }
        return try repository.load(version: version)
    }

    /// The serving model, reloaded if `champion.json` names another version (checked at most
    /// every `modelRefreshSeconds`, so warm functions pick up promotions without a redeploy).
    public func currentModel(logger: Logger) -> InferenceBackend? {
        let now = Time.monotonic()
        guard now - checkedAt >= settings.modelRefreshSeconds else { return model }
        checkedAt = now
        do {
            // Already serving the champion: no endpoint check needed.
            guard let champion = try repository.champion(), champion.version != model?.metadata.version else {
                return model
            }
            let version = servingVersion(champion, logger: logger)
            guard version != model?.metadata.version else { return model }
            model = try load(version)
            drift.reset()
            logger.info("model reloaded", ["modelVersion": .string(version)])
        } catch {
            logger.error("model refresh failed; keeping the loaded model", ["error": .string("\(error)")])
        }
        return model
    }

    /// Retraining as configured: SageMaker training jobs when `TRAINING_MODE=sagemaker`, and
    /// promotion onto the endpoint when one is named together with the SageMaker role.
    public func retrainService() throws -> RetrainService {
        var service = RetrainService(store: store, repository: repository)
        guard let aws else { return service }
        let client = sagemaker ?? SageMakerClient(config: aws)
        guard let role = settings.sageMakerRoleARN else { return service }
        let image =
            settings.environment["TRAINING_IMAGE"]?.nilIfEmpty ?? SageMakerClient.xgboostImage(region: aws.region)
        guard let image else {
            throw FunkoError.badRequest(
                "no SageMaker XGBoost image is known for region \(aws.region): set TRAINING_IMAGE")
        }
        if settings.trainingMode == .sagemaker, let s3 = repository.store as? S3ObjectStore {
            var training = SageMakerTraining(sagemaker: client, artifacts: s3, roleARN: role, image: image)
            training.instanceType = settings.trainingInstanceType
            training.jobPrefix = settings.trainingJobPrefix
            service.training = training
        }
        if let endpoint = settings.endpointName {
            var deployment = EndpointDeployment(sagemaker: client, endpointName: endpoint, roleARN: role, image: image)
            deployment.instanceType = settings.endpointInstanceType
            service.deployment = deployment
        }
        return service
    }

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
        guard let sagemaker, let name = settings.endpointName else {
            return EndpointStatus(name: nil, status: "not_used")
        }
        do {
            return EndpointStatus(name: name, status: try sagemaker.describeEndpoint(name)?.status ?? "NotFound")
        } catch {
            return EndpointStatus(name: name, status: "Unreachable: \(error)")
        }
    }

    public func status(logger: Logger) throws -> ModelStatus {
        try service(logger: logger).status(inferenceMode: settings.inferenceMode.rawValue, endpoint: endpointStatus())
    }

    /// Database reachable, a model loaded, and in sagemaker mode the endpoint InService.
    public func health(logger: Logger) -> HealthResponse {
        var checks: [String: String] = [:]
        do {
            _ = try store.counts()
            checks["database"] = "ok"
        } catch { checks["database"] = "\(error)" }
        let m = currentModel(logger: logger)
        checks["model"] = m == nil ? "no trained model: run `funko train` or the retrain-trigger function" : "ok"
        if settings.inferenceMode == .sagemaker {
            let e = endpointStatus()
            checks["endpoint"] = e.status == "InService" ? "ok" : "endpoint \(e.name ?? "") is \(e.status)"
        }
        return HealthResponse(
            status: checks.values.allSatisfy { $0 == "ok" } ? "ok" : "unavailable", checks: checks,
            modelVersion: m?.metadata.version)
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
                endpoint, csv: SageMakerCSV.rows(rows), rows: rows.rows, deadline: deadline)
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
