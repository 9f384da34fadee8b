import FunkoCore
import FunkoFeatures

public struct TrainingConfig: Sendable {
    public var transform: TargetTransform = .logRatio
    public var reference: ReferencePrice = .meanLast5
    public var maxRounds = 2000
    public var earlyStoppingRounds = 50
    public var learningRate = 0.05
    public var maxDepth = 7
    public var minChildWeight = 5.0
    public var subsample = 0.8
    public var colsampleByTree = 0.8
    public var lambda = 1.0
    public var seed = 0
    /// 0 = all cores.
    public var threads = 0
    /// The newest `testFraction` of the time range is the test window, the `validationFraction`
    /// before it the validation window (early stopping and interval calibration).
    public var validationFraction = 0.1
    public var testFraction = 0.1
    public var nominalCoverage = 0.8
    /// Only the 18 documented features as model inputs (for measuring what the extras add); the
    /// reference price of the target transform is unchanged.
    public var featureSet = FeatureSet.all
    /// The trees' starting prediction; nil: 0 for log_ratio (the reference is right), libxgboost's
    /// default (0.5) otherwise. A setting only to measure the choice (docs/model.md).
    public var baseScore: Double?
    public init() {}

    public var parameters: [(String, String)] {
        [
            ("objective", "reg:squarederror"), ("eval_metric", "rmse"), ("tree_method", "hist"),
            ("eta", "\(learningRate)"), ("max_depth", "\(maxDepth)"), ("min_child_weight", "\(minChildWeight)"),
            ("subsample", "\(subsample)"), ("colsample_bytree", "\(colsampleByTree)"), ("lambda", "\(lambda)"),
            ("seed", "\(seed)"), ("nthread", "\(threads)"), ("verbosity", "0"),
        ]
            // Log-ratio trees start from "the reference is right" (0), not libxgboost 1.7's default
            // of 0.5: on the real resale set that offset cost 40% of MAE (docs/model.md).
            + ((baseScore ?? (transform == .logRatio ? 0 : nil)).map { [("base_score", "\($0)")] } ?? [])
    }
}

/// Rows split by time: indices into a feature matrix built from a sorted `SalesTable`.
public struct TimeSplit: Sendable {
    public var train: [Int] = []
    public var validation: [Int] = []
    public var test: [Int] = []
    public var validationStart: EpochSeconds
    public var testStart: EpochSeconds
    public var first: EpochSeconds
    public var last: EpochSeconds

    public init(times: [EpochSeconds], validationFraction: Double, testFraction: Double) {
        let first = times.min() ?? 0
        let last = times.max() ?? 0
        let span = Double(last - first)
        let testStart = last - EpochSeconds(span * testFraction)
        self.init(
            times: times, validationStart: testStart - EpochSeconds(span * validationFraction), testStart: testStart)
    }

    /// Fixed boundaries: a dataset's own windows, whatever sales were added since.
    public init(times: [EpochSeconds], validationStart: EpochSeconds, testStart: EpochSeconds) {
        first = times.min() ?? 0
        last = times.max() ?? 0
        self.validationStart = validationStart
        self.testStart = testStart
        for (i, t) in times.enumerated() {
            if t >= testStart {
                test.append(i)
            } else if t >= validationStart {
                validation.append(i)
            } else {
                train.append(i)
            }
        }
    }
}

/// A trained model: trees plus metadata, ready to save or to predict with.
public struct TrainedModel {
    /// XGBoost's model file (UBJSON), as model.tar.gz carries it.
    public var file: [UInt8]
    /// The same trees, read from `file`: what predicts.
    public var trees: TreeEnsemble
    public var metadata: ModelMetadata
    public var evaluation: EvaluationReport
}

/// Everything a training run learns from: the point-in-time feature rows of a sorted sales
/// table, their reference prices and labels, and the time split. The pipeline writes it out as
/// SageMaker CSV; local training and the evaluation of a SageMaker-trained model use it directly.
public struct TrainingData {
    public let table: SalesTable
    public let encoders: Encoders
    public let features: FeatureMatrix
    public let references: [Double]
    public let split: TimeSplit
    public let config: TrainingConfig

    /// `encoders` nil fits the vocabularies on the table's catalog (a new dataset); a dataset's
    /// own vocabularies rebuild exactly its rows.
    public static func prepare(
        _ table: SalesTable, config: TrainingConfig, encoders: Encoders? = nil,
        windows: (validationStart: EpochSeconds, testStart: EpochSeconds)? = nil,
        progress: Progress? = nil
    ) throws -> TrainingData {
        guard table.count > 0 else {
            throw FunkoError.badRequest("the database has no sales: run `funko generate` or `funko import` first")
        }
        let encoders = encoders ?? Encoders(fitting: table.pops)
        let features = FeatureBuilder.trainingRows(table, encoders: encoders, progress: progress)
        let refs = (0..<features.rows).map { config.reference.value(features, row: $0) }
        let split =
            windows.map { TimeSplit(times: table.soldAt, validationStart: $0.validationStart, testStart: $0.testStart) }
            ?? TimeSplit(
                times: table.soldAt, validationFraction: config.validationFraction, testFraction: config.testFraction)
        return TrainingData(
            table: table, encoders: encoders, features: features, references: refs, split: split, config: config)
    }

    /// Rows by time are too few to train and evaluate honestly.
    public func checkSize() throws {
        guard split.train.count >= 100, split.validation.count >= 20, split.test.count >= 20 else {
            throw FunkoError.badRequest(
                "too few sales to train (\(split.train.count) train / \(split.validation.count) validation / \(split.test.count) test rows by time): generate or import more history"
            )
        }
    }

    public func labels(_ idx: [Int]) -> [Float] {
        idx.map { Float(config.transform.target(price: table.price[$0], reference: references[$0])) }
    }

    /// The model's inputs for `idx`. Spec-only inputs: the extra columns are blanked for
    /// training. An all-missing column never gets a split, so the trees ignore those columns
    /// wherever they are filled later.
    public func inputs(_ idx: [Int]) -> FeatureMatrix {
        var m = features.subset(idx)
        guard config.featureSet.count < m.columns else { return m }
        for r in 0..<m.rows { for c in config.featureSet.count..<m.columns { m.values[r * m.columns + c] = .nan } }
        return m
    }

    public var windows: [String: DataWindow] {
        [
            "train": DataWindow(
                from: Time.iso8601(split.first), until: Time.iso8601(split.validationStart), rows: split.train.count),
            "validation": DataWindow(
                from: Time.iso8601(split.validationStart), until: Time.iso8601(split.testStart),
                rows: split.validation.count),
            "test": DataWindow(
                from: Time.iso8601(split.testStart), until: Time.iso8601(split.last + 1), rows: split.test.count),
        ]
    }

    func pops(_ idx: [Int]) -> [FunkoPop] { idx.map { table.pops[Int(table.pop[$0])] } }
    func prices(_ idx: [Int]) -> [Double] { idx.map { table.price[$0] } }
}

/// Fitting the trees is `Trainer.train` (FunkoTraining, over libxgboost); what follows is the
/// same for trees fitted here or by a SageMaker training job.
public enum Trainer {
    /// Trees trained elsewhere (libxgboost here, or a SageMaker training job on the dataset's
    /// CSV files) become a servable model: intervals calibrated on the validation window, the
    /// drift summary of the training rows, and the evaluation on the test window.
    public static func finish(
        _ file: [UInt8], data: TrainingData, version: String, trainedAt: EpochSeconds,
        parameters: [String: String]
    ) throws -> TrainedModel {
        try data.checkSize()
        let model = try TreeEnsemble(xgboostModel: file)
        let config = data.config
        let split = data.split
        let features = data.features
        let refs = data.references
        // Full rows: the reference price and the baselines read columns a spec-only model ignores.
        let validM = features.subset(split.validation)
        let trainM = features.subset(split.train)

        // Interval calibration on validation residuals, per support band.
        let validPred = try model.predict(validM)
        let interval = IntervalModel.calibrate(
            residuals: split.validation.enumerated().map { k, i in
                config.transform.target(price: data.table.price[i], reference: refs[i]) - Double(validPred[k])
            },
            sales90d: split.validation.map { Int(features[$0, .salesCount90d]) }, coverage: config.nominalCoverage)

        let trainPred = try model.predict(trainM)
        var summaryFeatures: [String: Distribution] = [:]
        for f in Feature.allCases {
            summaryFeatures[f.name] = Distribution(values: split.train.map { features[$0, f] })
        }
        let trainPrices = split.train.enumerated().map { k, i in
            config.transform.price(prediction: Double(trainPred[k]), reference: refs[i])
        }
        let popsSeen = Set(split.train.map { data.table.pop[$0] }).count
        var summary = TrainingSummary(
            rows: split.train.count, pops: popsSeen, features: summaryFeatures,
            predictions: Distribution(values: trainPrices.map(Float.init)),
            priceMean: split.train.reduce(0) { $0 + data.table.price[$1] } / Double(split.train.count))
        summary.serving = try servingReference(data: data) { rows in
            try model.predict(rows).enumerated().map { i, p in
                config.transform.price(prediction: Double(p), reference: config.reference.value(rows, row: i))
            }
        }

        var metadata = ModelMetadata(
            version: version, trainedAt: Time.iso8601(trainedAt), xgboostVersion: model.xgboostVersion,
            featureNames: Feature.names, specFeatureCount: Feature.specCount, vocabularies: data.encoders,
            targetTransform: config.transform,
            referencePrice: config.reference,
            interval: interval, metrics: Metrics(mae: 0, rmse: 0, r2: 0, mape: 0),
            validationMetrics: Metrics(mae: 0, rmse: 0, r2: 0, mape: 0),
            baselineMetrics: [:], parameters: parameters, bestIteration: model.treeCount - 1, windows: data.windows,
            trainingSummary: summary)
        let validReport = try Evaluator.evaluate(
            model: model, metadata: metadata, features: validM,
            actual: data.prices(split.validation), pops: data.pops(split.validation))
        let testReport = try Evaluator.evaluate(
            model: model, metadata: metadata, features: features.subset(split.test),
            actual: data.prices(split.test), pops: data.pops(split.test))
        metadata.metrics = testReport.model
        metadata.validationMetrics = validReport.model
        metadata.baselineMetrics = testReport.baselines
        var evaluation = testReport
        evaluation.version = version
        evaluation.window = metadata.windows["test"]
        return TrainedModel(file: file, trees: model, metadata: metadata, evaluation: evaluation)
    }

    /// Every Pop released by the newest sale, asked about then with the API's defaults, priced by
    /// `prices` (the trees, or a served baseline).
    static func servingReference(data: TrainingData, prices: (FeatureMatrix) throws -> [Double]) throws
        -> DriftReference
    {
        let t = data.split.last
        let queries = data.table.pops.indices.filter { data.table.pops[$0].releaseDate <= t }
            .map { FeatureQuery(pop: Int32($0), time: t, windowEnd: t, condition: .mint, marketplace: .ebay) }
        let rows = FeatureBuilder.rows(for: queries, sales: data.table, encoders: data.encoders)
        let priced = rows.rows > 0 ? try prices(rows).map(Float.init) : []
        var features: [String: Distribution] = [:]
        for f in Feature.allCases { features[f.name] = Distribution(values: (0..<rows.rows).map { rows[$0, f] }) }
        return DriftReference(
            rows: rows.rows, at: Time.iso8601(t), features: features, predictions: Distribution(values: priced))
    }
}
