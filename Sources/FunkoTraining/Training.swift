import FunkoCore
import FunkoFeatures
import FunkoModel

extension Trainer {
    /// Features → time split → XGBoost with early stopping on the validation window → conformal
    /// intervals from validation residuals → evaluation on the test window next to the baselines.
    public static func train(
        _ table: SalesTable, config: TrainingConfig, version: String, trainedAt: EpochSeconds,
        log: (String) -> Void = { _ in }
    ) throws -> TrainedModel {
        let progress = Progress("Building features", total: table.count)
        let data = try TrainingData.prepare(table, config: config, progress: progress)
        progress.finish()
        return try train(data, version: version, trainedAt: trainedAt, log: log)
    }

    public static func train(
        _ data: TrainingData, version: String, trainedAt: EpochSeconds,
        log: (String) -> Void = { _ in }
    ) throws -> TrainedModel {
        try data.checkSize()
        let config = data.config
        let split = data.split
        let dtrain = try DMatrix(data.inputs(split.train), labels: data.labels(split.train))
        let validation = data.inputs(split.validation)
        let dvalid = try DMatrix(validation, labels: data.labels(split.validation))
        let booster = try Booster(params: config.parameters, cache: [dtrain, dvalid])

        var best = Double.infinity
        var bestRound = 0
        let bar = Progress("Training", total: config.maxRounds)
        for round in 0..<config.maxRounds {
            try booster.update(iteration: round, train: dtrain)
            let score = try booster.evaluate(iteration: round, data: dvalid)
            if score < best - 1e-9 {
                best = score
                bestRound = round
            }
            bar.update(round)
            if round - bestRound >= config.earlyStoppingRounds { break }
        }
        bar.finish()
        let model = try booster.slice(rounds: bestRound + 1)
        log("trained \(bestRound + 1) rounds (validation rmse \(best)) on \(split.train.count) rows")
        return try finish(
            try model.servingFile(checkedOn: validation), data: data, version: version, trainedAt: trainedAt,
            parameters: Dictionary(
                uniqueKeysWithValues: config.parameters + [
                    ("num_round", "\(bestRound + 1)"),
                    ("feature_set", config.featureSet.rawValue),
                ]))
    }
}

extension Booster {
    /// The model file, once the in-process predictor that will serve it (`TreeEnsemble`) has
    /// given libxgboost's predictions bit for bit on `rows`: a model it would serve differently
    /// (a future XGBoost's format or semantics) is refused here, not found out in production.
    public func servingFile(checkedOn rows: FeatureMatrix) throws -> [UInt8] {
        let file = try save()
        let served = try TreeEnsemble(xgboostModel: file).predict(rows)
        let expected = try predict(rows)
        if let row = served.indices.first(where: { served[$0].bitPattern != expected[$0].bitPattern }) {
            throw FunkoError(
                .internalError,
                "the in-process predictor gives \(served[row]) for row \(row) where libxgboost \(Booster.version) gives \(expected[row]): this model cannot be served in process"
            )
        }
        return file
    }
}
