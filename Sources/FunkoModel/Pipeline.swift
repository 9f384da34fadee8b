import FunkoCore
import FunkoFeatures

/// `datasets/<version>/schema.json`: what the CSV files hold and everything needed to rebuild
/// their rows exactly (vocabularies, cutoff, windows), so a model trained on them elsewhere can be
/// evaluated and served here.
public struct DatasetSchema: Codable, Equatable, Sendable {
    public var version: String
    public var createdAt: String
    public var format: String
    public var label: String
    public var targetTransform: TargetTransform
    /// Nil in datasets written before the reference was a setting: they used the mean of the last 5.
    public var referencePrice: ReferencePrice?
    public var featureNames: [String]
    public var vocabularies: Encoders
    /// The newest sale in the dataset: rows are rebuilt from the sales up to it.
    public var cutoff: String
    public var sales: Int
    public var windows: [String: DataWindow]
    public var files: [String: String]
    /// SageMaker's XGBoost hyperparameters for this dataset (`num_round` with early stopping on
    /// the validation channel).
    public var hyperparameters: [String: String]

    enum CodingKeys: String, CodingKey {
        case version
        case createdAt = "created_at"
        case format, label
        case targetTransform = "target_transform"
        case referencePrice = "reference_price"
        case featureNames = "feature_names"
        case vocabularies, cutoff, sales, windows, files, hyperparameters
    }
}

/// A dataset ready to write: the rows, the gate's report, and the schema.
public struct Dataset {
    public let data: TrainingData
    public let quality: QualityReport
    public let schema: DatasetSchema
    public var version: String { schema.version }
}

/// The dataset pipeline (docs/architecture.md, "The retraining path"): sales → point-in-time
/// features → data-quality gate → versioned train/validation/test CSV files in SageMaker's format
/// (label first, no header).
public enum Pipeline {
    public static func build(
        _ table: SalesTable, config: TrainingConfig, limits: QualityLimits = QualityLimits(),
        version: String, now: EpochSeconds, progress: Progress? = nil
    ) throws -> Dataset {
        let data = try TrainingData.prepare(table, config: config, progress: progress)
        let quality = DataQuality.check(table, features: data.features, limits: limits, now: now)
        let schema = DatasetSchema(
            version: version, createdAt: Time.iso8601(now),
            format:
                "text/csv: one sale per line, no header, label in the first column, then the features in feature_names order; an empty field is a missing value",
            label: config.transform == .logRatio
                ? "ln(price / reference price)" : config.transform == .log ? "ln(price)" : "price",
            targetTransform: config.transform, referencePrice: config.reference, featureNames: Feature.names,
            vocabularies: data.encoders,
            cutoff: Time.iso8601(data.split.last), sales: table.count, windows: data.windows,
            files: ["train": "train.csv", "validation": "validation.csv", "test": "test.csv"],
            hyperparameters: config.sageMakerHyperparameters)
        return Dataset(data: data, quality: quality, schema: schema)
    }

    /// Writes `quality.json` always (a failed gate is a report worth reading) and the CSV files
    /// and `schema.json` only when the gate passed; a failed gate then stops the run.
    public static func write(_ dataset: Dataset, to store: ObjectStore) throws {
        let p = ArtifactKey.dataset(dataset.version)
        try store.put(p + "quality.json", Array(try JSON.encode(dataset.quality, pretty: true).utf8))
        guard dataset.quality.passed else {
            throw FunkoError.badRequest(
                "data quality gate failed: \(dataset.quality.failureSummary) (report: \(store.location(of: p + "quality.json")))"
            )
        }
        let d = dataset.data
        for (name, idx) in [("train", d.split.train), ("validation", d.split.validation), ("test", d.split.test)] {
            try store.put(p + "\(name).csv", SageMakerCSV.bytes(d.inputs(idx), labels: d.labels(idx)))
        }
        try store.put(p + "schema.json", Array(try JSON.encode(dataset.schema, pretty: true).utf8))
    }

    /// The dataset's rows rebuilt from the store's sales: the sales up to the cutoff, with the
    /// dataset's vocabularies and window boundaries. Sales imported since with older dates add
    /// rows; both models are scored on the same rows either way.
    public static func rebuild(_ schema: DatasetSchema, from table: SalesTable, config: TrainingConfig) throws
        -> TrainingData
    {
        guard let cutoff = Time.parseISO8601(schema.cutoff),
            let validationStart = schema.windows["validation"].flatMap({ Time.parseISO8601($0.from) }),
            let testStart = schema.windows["test"].flatMap({ Time.parseISO8601($0.from) })
        else {
            throw FunkoError.badRequest(
                "dataset \(schema.version): schema.json lacks a valid cutoff or validation and test windows")
        }
        var upTo = SalesTable(pops: table.pops)
        upTo.reserve(table.count)
        for i in 0..<table.count where table.soldAt[i] <= cutoff {
            upTo.pop.append(table.pop[i])
            upTo.soldAt.append(table.soldAt[i])
            upTo.price.append(table.price[i])
            upTo.condition.append(table.condition[i])
            upTo.marketplace.append(table.marketplace[i])
        }
        var config = config
        config.transform = schema.targetTransform
        config.reference = schema.referencePrice ?? .meanLast5
        return try TrainingData.prepare(
            upTo, config: config, encoders: schema.vocabularies,
            windows: (validationStart: validationStart, testStart: testStart))
    }
}

extension TrainingConfig {
    /// The same model on SageMaker's built-in XGBoost 1.7-1: `num_round` is the ceiling and
    /// early stopping on the `validation` channel picks the rounds, as in local training.
    public var sageMakerHyperparameters: [String: String] {
        var h = Dictionary(uniqueKeysWithValues: parameters.filter { !["nthread", "verbosity"].contains($0.0) })
        h["num_round"] = String(maxRounds)
        h["early_stopping_rounds"] = String(earlyStoppingRounds)
        return h
    }
}
