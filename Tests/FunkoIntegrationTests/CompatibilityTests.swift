import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoFeatures
@testable import FunkoModel
@testable import FunkoTraining

/// SageMaker's built-in XGBoost container (1.7-1) must be able to serve our artifacts. The real
/// Python xgboost 1.7 package loads `model.tar.gz` the way the container does and must predict
/// what the Swift code predicts for the same CSV rows. `FUNKO_PYTHON` names the interpreter
/// (scripts/test installs xgboost 1.7.6 in .venv).
@Suite(.ownThread) struct SageMakerCompatibilityTests {
    var python: String {
        ProcessInfo.processInfo.environment["FUNKO_PYTHON"]
            ?? (FileManager.default.fileExists(atPath: "\(packageRoot)/.venv/bin/python")
                ? "\(packageRoot)/.venv/bin/python" : "/usr/bin/python3")
    }

    /// Every kind of model `funko train` can make: each target transform, and each feature set
    /// (a model on fewer features is still served full rows' leading columns).
    @Test(arguments: [
        (TargetTransform.logRatio, FeatureSet.all), (.logRatio, .dollars), (.logRatio, .spec), (.log, .all),
        (.raw, .all),
    ])
    func pythonXGBoost17PredictsWhatSwiftPredicts(transform: TargetTransform, features: FeatureSet) throws {
        let dir = try TempDir()
        let table = smallMarket(pops: 100, days: 500).salesTable()
        let repo = ModelRepository(store: LocalObjectStore(root: dir.path))
        var config = quickConfig()
        config.transform = transform
        config.featureSet = features
        let model = try Trainer.train(table, config: config, version: "compat", trainedAt: 1_750_000_000)
        try repo.save(model)
        let loaded = try repo.load(version: "compat")
        let rows = FeatureBuilder.trainingRows(table, encoders: loaded.metadata.vocabularies).subset(
            Array(stride(from: 0, to: table.count, by: 7)))
        #expect(rows.values.contains { $0.isNaN })  // missing values travel as empty CSV fields
        try Files.write(dir.file("rows.csv"), SageMakerCSV.rows(rows))
        let swift = try loaded.predictTargets(rows, deadline: nil)

        let result = try runProcess(
            python,
            [
                "\(packageRoot)/Tests/python/sagemaker_predict.py", dir.file("models/compat/model.tar.gz"),
                dir.file("rows.csv"),
            ])
        #expect(result.status == 0, "python failed: \(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == rows.rows + 1, "\(result.stdout.prefix(300)) \(result.stderr.prefix(500))")
        #expect(lines[0].hasPrefix("1.7."), "python xgboost \(lines[0]) is not the container's 1.7")
        var worst = 0.0
        for (i, line) in lines.dropFirst().enumerated() { worst = max(worst, abs(Double(line)! - swift[i])) }
        #expect(worst < 1e-4, "largest difference \(worst)")
    }
}
