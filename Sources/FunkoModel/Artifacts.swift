import FunkoCore
import FunkoFeatures

/// `models/champion.json`: which version serves.
public struct ChampionRecord: Codable, Equatable, Sendable {
    public var version: String
    public var promotedAt: String
    public var reason: String
    public var previous: String?
    /// The SageMaker endpoint config that serves this version, when promotion moved an endpoint:
    /// until the endpoint runs it, sagemaker-mode functions keep the previous version's metadata.
    public var endpointConfig: String?
    /// Trees or a baseline; a champion.json from before baselines could serve names a model.
    public var predictor: Predictor
    enum CodingKeys: String, CodingKey {
        case version
        case promotedAt = "promoted_at"
        case reason, previous
        case endpointConfig = "endpoint_config"
        case predictor
    }
    public init(
        version: String, promotedAt: String, reason: String, previous: String?, endpointConfig: String? = nil,
        predictor: Predictor = .model
    ) {
        self.version = version
        self.promotedAt = promotedAt
        self.reason = reason
        self.previous = previous
        self.endpointConfig = endpointConfig
        self.predictor = predictor
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            version: try c.decode(String.self, forKey: .version),
            promotedAt: try c.decode(String.self, forKey: .promotedAt),
            reason: try c.decode(String.self, forKey: .reason),
            previous: try c.decodeIfPresent(String.self, forKey: .previous),
            endpointConfig: try c.decodeIfPresent(String.self, forKey: .endpointConfig),
            predictor: try c.decodeIfPresent(Predictor.self, forKey: .predictor) ?? .model)
    }
}

/// A model ready to predict: trees and metadata.
public final class LoadedModel {
    public let metadata: ModelMetadata
    public let trees: TreeEnsemble
    public init(metadata: ModelMetadata, trees: TreeEnsemble) {
        self.metadata = metadata
        self.trees = trees
    }
}

/// The artifact layout, the same in a local folder and in S3 (docs/architecture.md, "Where state
/// lives"): every key is built here.
public enum ArtifactKey {
    public static let models = "models/"
    public static let datasets = "datasets/"
    /// Which version serves.
    public static let champion = "models/champion.json"
    /// Every retraining decision, oldest first.
    public static let decisions = "models/decisions.json"

    public static func model(_ version: String) -> String { "models/\(version)/" }
    public static func archive(_ version: String) -> String { model(version) + "model.tar.gz" }
    public static func metadata(_ version: String) -> String { model(version) + "metadata.json" }
    public static func evaluation(_ version: String) -> String { model(version) + "evaluation.json" }
    /// The files a model version consists of; the evaluation is optional.
    public static func modelFiles(_ version: String) -> [String] {
        [archive(version), metadata(version), evaluation(version)]
    }

    public static func dataset(_ version: String) -> String { "datasets/\(version)/" }
    /// Where SageMaker training jobs write: `training-output/<job>/output/model.tar.gz`.
    public static let trainingOutput = "training-output"
    public static func datasetFile(_ version: String, _ name: String) -> String { dataset(version) + name }
}

/// Saves and loads model versions and the champion pointer (the `models/` part of `ArtifactKey`).
public struct ModelRepository {
    public let store: ObjectStore
    public init(store: ObjectStore) { self.store = store }

    public static let modelFileName = "xgboost-model"

    public func save(_ model: TrainedModel) throws {
        let v = model.metadata.version
        let mtime = Time.parseISO8601(model.metadata.trainedAt) ?? 0
        try store.put(
            ArtifactKey.archive(v), try TarGz.archive([(Self.modelFileName, model.file)], mtime: mtime))
        try save(model.metadata, model.evaluation)
    }

    /// A baseline version has no trees: its metadata and evaluation are all of it.
    public func save(_ baseline: BaselineVersion) throws { try save(baseline.metadata, baseline.evaluation) }

    private func save(_ metadata: ModelMetadata, _ evaluation: EvaluationReport) throws {
        try store.put(ArtifactKey.metadata(metadata.version), Array(try JSON.encode(metadata, pretty: true).utf8))
        try store.put(ArtifactKey.evaluation(metadata.version), Array(try JSON.encode(evaluation, pretty: true).utf8))
    }

    public func champion() throws -> ChampionRecord? { try Self.decodeChampion(try store.get(ArtifactKey.champion)) }

    static func decodeChampion(_ bytes: [UInt8]?) throws -> ChampionRecord? {
        try bytes.map { try JSON.decode(ChampionRecord.self, from: $0, file: ArtifactKey.champion) }
    }

    /// Makes `version` the champion. `previous` is read in the same update, so two promotions
    /// at once chain instead of one forgetting the other; promoting the champion again (a
    /// redelivered event) keeps its `previous`, so a rollback still has somewhere to go.
    public func promote(
        _ version: String, reason: String, at: EpochSeconds, endpointConfig: String? = nil,
        predictor: Predictor = .model
    ) throws {
        try store.update(ArtifactKey.champion) { bytes in
            let current = try Self.decodeChampion(bytes)
            let previous = current?.version == version ? current?.previous : current?.version
            let record = ChampionRecord(
                version: version, promotedAt: Time.iso8601(at), reason: reason, previous: previous,
                endpointConfig: endpointConfig, predictor: predictor)
            return Array(try JSON.encode(record, pretty: true).utf8)
        }
    }

    public func metadata(version: String) throws -> ModelMetadata {
        guard let bytes = try store.get(ArtifactKey.metadata(version)) else {
            throw FunkoError.unavailable(
                "model \(version) has no metadata.json in \(store.description): train it again or pick another version")
        }
        return try JSON.decode(ModelMetadata.self, from: bytes, file: ArtifactKey.metadata(version))
    }

    public func evaluation(version: String) throws -> EvaluationReport? {
        try store.get(ArtifactKey.evaluation(version)).map {
            try JSON.decode(EvaluationReport.self, from: $0, file: ArtifactKey.evaluation(version))
        }
    }

    /// The trees of `version`, or of the champion when nil (a model, not a baseline).
    public func load(version: String? = nil) throws -> LoadedModel {
        let v = try resolve(version)
        let m = try metadata(version: v)
        guard m.predictor == .model else {
            throw FunkoError.badRequest(
                "version \(v) is the \(m.predictor) predictor, which has no trees: pick a trained model version")
        }
        return try trees(v, metadata: m)
    }

    /// What answers for `version` (the champion when nil): its trees, or the baseline it names.
    public func servable(version: String? = nil) throws -> InferenceBackend {
        let v = try resolve(version)
        let m = try metadata(version: v)
        return m.predictor == .model ? try trees(v, metadata: m) : try BaselinePredictor(metadata: m)
    }

    private func resolve(_ version: String?) throws -> String {
        guard let v = try version ?? champion()?.version else {
            throw FunkoError.unavailable("no trained model in \(store.description): run `funko train` first")
        }
        return v
    }

    private func trees(_ v: String, metadata: ModelMetadata) throws -> LoadedModel {
        guard let archive = try store.get(ArtifactKey.archive(v)) else {
            throw FunkoError.unavailable(
                "model \(v) has no model.tar.gz in \(store.description): run `funko train` again")
        }
        StartupProfile.mark("model fetch")
        guard let trees = try TarGz.extract(archive)[Self.modelFileName] else {
            throw FunkoError.unavailable("model \(v): model.tar.gz holds no \(Self.modelFileName)")
        }
        StartupProfile.mark("inflate")
        try metadata.checkFeatures()
        let model = LoadedModel(metadata: metadata, trees: try TreeEnsemble(xgboostModel: trees))
        StartupProfile.mark("model load")
        return model
    }

    /// The newest version with trees (names sort by training time), trained or not promoted.
    public func latestTrained() throws -> String? {
        for v in try versions().reversed() where try metadata(version: v).predictor == .model { return v }
        return nil
    }

    /// Versions that have a metadata.json, oldest first.
    public func versions() throws -> [String] {
        try store.list(ArtifactKey.models).map { String($0.dropFirst(ArtifactKey.models.count)) }.filter {
            !$0.hasSuffix(".json")
        }
        .sorted()
    }

    /// A fresh version id from the training time: `YYYYMMDD-HHMMSS`, with a suffix if taken by
    /// a model or a dataset. Probes keys instead of listing (a listing of a big bucket is slow).
    public func newVersion(at t: EpochSeconds) throws -> String {
        let digits = Time.iso8601(t).filter(\.isNumber)  // 2026-11-25T03:15:00Z
        let base = "\(digits.prefix(8))-\(digits.dropFirst(8).prefix(6))"
        var v = base
        var k = 2
        while try store.get(ArtifactKey.metadata(v)) != nil
            || store.get(ArtifactKey.datasetFile(v, "quality.json")) != nil
        {
            v = "\(base)-\(k)"
            k += 1
        }
        return v
    }
}
