import FunkoAPI
import FunkoCore
import FunkoModel
import FunkoStore
import LambdaRuntime

/// What a function keeps between invocations: the store connection and the champion model.
/// Built once at initialisation (the cold start), refreshed only when the champion changes.
public final class FunkoApp {
    public let settings: HandlerSettings
    public let store: Store
    public let repository: ModelRepository
    private(set) var model: LoadedModel?
    private var checkedAt = 0.0

    public init(settings: HandlerSettings, logger: Logger) throws {
        self.settings = settings
        store = try SQLiteStore(path: settings.databasePath)
        repository = ModelRepository(store: LocalObjectStore(root: settings.dataDir))
        checkedAt = Time.monotonic()
        do {
            model = try repository.champion() == nil ? nil : try repository.load()
            if let m = model {
                logger.info("model loaded", ["modelVersion": .string(m.metadata.version), "inferenceMode": .string(settings.inferenceMode.rawValue)])
            } else {
                logger.warn("no champion model yet: predictions answer 503 until one is trained", ["dataDir": .string(settings.dataDir)])
            }
        } catch let e as FunkoError {
            logger.error("model could not be loaded: predictions answer 503", ["error": .string(e.message)])
        }
    }

    /// The serving model, reloaded if `champion.json` names another version (checked at most
    /// every `modelRefreshSeconds`, so warm functions pick up promotions without a redeploy).
    public func currentModel(logger: Logger) -> LoadedModel? {
        let now = Time.monotonic()
        guard now - checkedAt >= settings.modelRefreshSeconds else { return model }
        checkedAt = now
        do {
            guard let champion = try repository.champion(), champion.version != model?.metadata.version else { return model }
            model = try repository.load(version: champion.version)
            logger.info("model reloaded", ["modelVersion": .string(champion.version)])
        } catch {
            logger.error("model refresh failed; keeping the loaded model", ["error": .string("\(error)")])
        }
        return model
    }

    public func service(logger: Logger) -> PriceService { PriceService(store: store, model: currentModel(logger: logger)) }

    /// Database reachable and a model loaded.
    public func health(logger: Logger) -> HealthResponse {
        var checks: [String: String] = [:]
        do { _ = try store.counts(); checks["database"] = "ok" } catch { checks["database"] = "\(error)" }
        let m = currentModel(logger: logger)
        checks["model"] = m == nil ? "no trained model: run `funko train` or the retrain-trigger function" : "ok"
        return HealthResponse(status: checks.values.allSatisfy { $0 == "ok" } ? "ok" : "unavailable", checks: checks,
                              modelVersion: m?.metadata.version)
    }
}
