import FunkoCore
import FunkoFeatures

public struct TrainingConfig: Sendable {
    public var transform: TargetTransform = .logRatio
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
    /// Only the 18 SPEC features as model inputs (for measuring what the extras add); the
    /// reference price of the target transform is unchanged.
    public var specFeaturesOnly = false
    public init() {}

    public var parameters: [(String, String)] {
        [("objective", "reg:squarederror"), ("eval_metric", "rmse"), ("tree_method", "hist"),
         ("eta", "\(learningRate)"), ("max_depth", "\(maxDepth)"), ("min_child_weight", "\(minChildWeight)"),
         ("subsample", "\(subsample)"), ("colsample_bytree", "\(colsampleByTree)"), ("lambda", "\(lambda)"),
         ("seed", "\(seed)"), ("nthread", "\(threads)"), ("verbosity", "0")]
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
        first = times.min() ?? 0
        last = times.max() ?? 0
        let span = Double(last - first)
        testStart = last - EpochSeconds(span * testFraction)
        validationStart = testStart - EpochSeconds(span * validationFraction)
        for (i, t) in times.enumerated() {
            if t >= testStart { test.append(i) } else if t >= validationStart { validation.append(i) } else { train.append(i) }
        }
    }
}

/// A trained model: trees plus metadata, ready to save or to predict with.
public struct TrainedModel {
    public var booster: Booster
    public var metadata: ModelMetadata
    public var evaluation: EvaluationReport
}

public enum Trainer {
    /// Features → time split → XGBoost with early stopping on the validation window → conformal
    /// intervals from validation residuals → evaluation on the test window next to the baselines.
    public static func train(_ table: SalesTable, config: TrainingConfig, version: String, trainedAt: EpochSeconds,
                             log: (String) -> Void = { _ in }) throws -> TrainedModel {
        guard table.count > 0 else {
            throw FunkoError.badRequest("the database has no sales: run `funko generate` or `funko import` first")
        }
        let encoders = Encoders(fitting: table.pops)
        let progress = Progress("Building features", total: table.count)
        let features = FeatureBuilder.trainingRows(table, encoders: encoders, progress: progress)
        progress.finish()
        let refs = (0..<features.rows).map { TargetTransform.reference(features, row: $0) }
        let split = TimeSplit(times: table.soldAt, validationFraction: config.validationFraction, testFraction: config.testFraction)
        guard split.train.count >= 100, split.validation.count >= 20, split.test.count >= 20 else {
            throw FunkoError.badRequest("too few sales to train (\(split.train.count) train / \(split.validation.count) validation / \(split.test.count) test rows by time): generate or import more history")
        }
        func labels(_ idx: [Int]) -> [Float] { idx.map { Float(config.transform.target(price: table.price[$0], reference: refs[$0])) } }
        let trainM = features.subset(split.train), validM = features.subset(split.validation)
        // Spec-only inputs: the extra columns are blanked for training. An all-missing column
        // never gets a split, so the trees ignore those columns wherever they are filled later.
        func inputs(_ m: FeatureMatrix) -> FeatureMatrix {
            guard config.specFeaturesOnly else { return m }
            var m = m
            for r in 0..<m.rows { for c in Feature.specCount..<m.columns { m.values[r * m.columns + c] = .nan } }
            return m
        }
        let dtrain = try DMatrix(inputs(trainM), labels: labels(split.train))
        let dvalid = try DMatrix(inputs(validM), labels: labels(split.validation))
        let booster = try Booster(params: config.parameters, cache: [dtrain, dvalid])

        var best = Double.infinity, bestRound = 0
        let bar = Progress("Training", total: config.maxRounds)
        for round in 0..<config.maxRounds {
            try booster.update(iteration: round, train: dtrain)
            let score = try booster.evaluate(iteration: round, data: dvalid)
            if score < best - 1e-9 { best = score; bestRound = round }
            bar.update(round)
            if round - bestRound >= config.earlyStoppingRounds { break }
        }
        bar.finish()
        let model = try booster.slice(rounds: bestRound + 1)
        log("trained \(bestRound + 1) rounds (validation rmse \(best)) on \(split.train.count) rows")

        // Interval calibration on validation residuals, per support band.
        let validPred = try model.predict(dvalid)
        var residualsByBand = [[Double]](repeating: [], count: IntervalModel.supportEdges.count)
        var allResiduals: [Double] = []
        for (k, i) in split.validation.enumerated() {
            let r = config.transform.target(price: table.price[i], reference: refs[i]) - Double(validPred[k])
            let n = Int(features[i, .salesCount90d])
            let b = IntervalModel.supportEdges.lastIndex { n >= $0 } ?? 0
            residualsByBand[b].append(r); allResiduals.append(r)
        }
        let overall = MetricMath.conformalBounds(residuals: allResiduals, coverage: config.nominalCoverage)
        let bands = IntervalModel.supportEdges.enumerated().map { b, edge -> IntervalBand in
            // Too few rows for a stable quantile: fall back to the pooled bounds.
            let r = residualsByBand[b]
            let q = r.count >= 200 ? MetricMath.conformalBounds(residuals: r, coverage: config.nominalCoverage) : overall
            return IntervalBand(minSales90d: edge, low: q.low, high: q.high, calibrationRows: r.count)
        }
        let interval = IntervalModel(method: "split_conformal_by_support", nominalCoverage: config.nominalCoverage, bands: bands)

        let trainPred = try model.predict(dtrain)
        var summaryFeatures: [String: Distribution] = [:]
        for f in Feature.allCases {
            summaryFeatures[f.name] = Distribution(values: split.train.map { features[$0, f] })
        }
        let trainPrices = split.train.enumerated().map { k, i in config.transform.price(prediction: Double(trainPred[k]), reference: refs[i]) }
        let popsSeen = Set(split.train.map { table.pop[$0] }).count
        let summary = TrainingSummary(rows: split.train.count, pops: popsSeen, features: summaryFeatures,
                                      predictions: Distribution(values: trainPrices.map(Float.init)),
                                      priceMean: split.train.reduce(0) { $0 + table.price[$1] } / Double(split.train.count))

        var metadata = ModelMetadata(
            version: version, trainedAt: Time.iso8601(trainedAt), xgboostVersion: Booster.version,
            featureNames: Feature.names, specFeatureCount: Feature.specCount, vocabularies: encoders,
            targetTransform: config.transform, referencePrice: "mean of the last 5 sales, else avg_price_90d, else base_estimated_value",
            interval: interval, metrics: Metrics(mae: 0, rmse: 0, r2: 0, mape: 0), validationMetrics: Metrics(mae: 0, rmse: 0, r2: 0, mape: 0),
            baselineMetrics: [:], parameters: Dictionary(uniqueKeysWithValues: config.parameters + [("num_round", "\(bestRound + 1)"),
                                                                              ("feature_set", config.specFeaturesOnly ? "spec18" : "all")]),
            bestIteration: bestRound, windows: [
                "train": DataWindow(from: Time.iso8601(split.first), until: Time.iso8601(split.validationStart), rows: split.train.count),
                "validation": DataWindow(from: Time.iso8601(split.validationStart), until: Time.iso8601(split.testStart), rows: split.validation.count),
                "test": DataWindow(from: Time.iso8601(split.testStart), until: Time.iso8601(split.last + 1), rows: split.test.count),
            ],
            trainingSummary: summary)
        let validReport = try Evaluator.evaluate(model: model, metadata: metadata, features: validM,
                                                 actual: split.validation.map { table.price[$0] }, pops: split.validation.map { table.pops[Int(table.pop[$0])] })
        let testReport = try Evaluator.evaluate(model: model, metadata: metadata, features: features.subset(split.test),
                                                actual: split.test.map { table.price[$0] }, pops: split.test.map { table.pops[Int(table.pop[$0])] })
        metadata.metrics = testReport.model
        metadata.validationMetrics = validReport.model
        metadata.baselineMetrics = testReport.baselines
        var evaluation = testReport
        evaluation.version = version
        evaluation.window = metadata.windows["test"]
        return TrainedModel(booster: model, metadata: metadata, evaluation: evaluation)
    }
}
