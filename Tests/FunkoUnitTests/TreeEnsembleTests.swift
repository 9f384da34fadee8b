import FunkoData
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoFeatures
@testable import FunkoModel
@testable import FunkoTraining

/// The in-process predictor against libxgboost, bit for bit in float32, on every kind of model
/// the tests train: each target transform (raw and log leave XGBoost's default base score, the
/// log ratio sets 0) with each feature set, the default depth, one round, and a model that sets
/// its own base score.
@Suite struct TreeEnsembleTests {
    static let rowsCompared = 100_000

    static var configurations: [(String, TrainingConfig)] {
        var out = [(String, TrainingConfig)]()
        for transform in TargetTransform.allCases {
            for features in FeatureSet.allCases {
                var c = quickConfig()
                c.transform = transform
                c.featureSet = features
                out.append(("\(transform.rawValue)/\(features.rawValue)", c))
            }
        }
        var deep = quickConfig()
        deep.maxDepth = 10
        deep.minChildWeight = 1
        out.append(("max_depth 10", deep))
        var oneRound = quickConfig()
        oneRound.maxRounds = 1
        out.append(("one round", oneRound))
        var based = quickConfig()
        based.transform = .log
        based.baseScore = 3.1
        out.append(("base_score 3.1", based))
        return out
    }

    @Test(arguments: configurations.indices)
    func predictsWhatLibxgboostPredicts(configuration: Int) throws {
        let (name, config) = Self.configurations[configuration]
        let table = smallMarket(pops: 60, days: 400).salesTable()
        let data = try TrainingData.prepare(table, config: config)
        let train = try DMatrix(data.inputs(data.split.train), labels: data.labels(data.split.train))
        let fitted = try Booster(params: config.parameters, cache: [train])
        for round in 0..<config.maxRounds { try fitted.update(iteration: round, train: train) }
        let trees = try TreeEnsemble(xgboostModel: try fitted.save())
        #expect(trees.treeCount == config.maxRounds, "\(name)")
        #expect(trees.xgboostVersion == Booster.version)

        let rows = Self.probeRows(from: data.inputs(Array(0..<data.features.rows)), trees: trees)
        #expect(rows.rows == Self.rowsCompared)
        let expected = try fitted.predict(rows)
        let served = try trees.predict(rows)
        let differing = served.indices.filter { served[$0].bitPattern != expected[$0].bitPattern }
        let first = differing.first.map { "row \($0): \(served[$0]) against \(expected[$0])" } ?? ""
        #expect(differing.count == 0, "\(name): \(differing.count) rows differ, first \(first)")
        // The probe rows reach every side of the splits: missing values, values on a threshold.
        let missing = rows.values.filter(\.isNaN).count
        #expect(missing > Self.rowsCompared / 100, "\(name): \(missing) missing cells")
        let distinct = Set(expected).count
        #expect(distinct > (config.maxRounds == 1 ? 20 : 1000), "\(name): only \(distinct) distinct predictions")
    }

    /// 100,000 rows from the market's own: as they are, with cells missing, with cells on a split
    /// threshold of their feature or one float step either side, and with cells anywhere in their
    /// column's range.
    static func probeRows(from real: FeatureMatrix, trees: TreeEnsemble) -> FeatureMatrix {
        var thresholds = [[Float]](repeating: [], count: real.columns)
        for node in trees.nodes where !node.isLeaf { thresholds[node.feature].append(node.value) }
        let ranges = (0..<real.columns).map { c -> ClosedRange<Float> in
            let column = (0..<real.rows).map { real.values[$0 * real.columns + c] }.filter { !$0.isNaN }
            return (column.min() ?? 0)...(column.max() ?? 1)
        }
        var random = SeededRandom(seed: 11)
        var m = FeatureMatrix(rows: rowsCompared, columns: real.columns)
        for r in 0..<rowsCompared {
            let source = r % real.rows
            for c in 0..<real.columns {
                var x = real.values[source * real.columns + c]
                switch (r / real.rows + r) % 4 {
                case 1 where random.next() % 5 == 0: x = .nan
                case 2 where !thresholds[c].isEmpty && random.next() % 2 == 0:
                    let t = thresholds[c][Int(random.next() % UInt64(thresholds[c].count))]
                    x = [t, t.nextDown, t.nextUp][Int(random.next() % 3)]
                case 3 where random.next() % 3 == 0:
                    let unit = Float(random.next() % 1_000_000) / 1_000_000
                    x = ranges[c].lowerBound + unit * (ranges[c].upperBound - ranges[c].lowerBound)
                default: break
                }
                m.values[r * real.columns + c] = x
            }
        }
        return m
    }

    @Test func refusesWhatItCannotServeExactly() throws {
        let table = smallMarket(pops: 30, days: 300).salesTable()
        let config = quickConfig()
        let data = try TrainingData.prepare(table, config: config)
        let train = try DMatrix(data.inputs(data.split.train), labels: data.labels(data.split.train))
        // reg:logistic: labels and base score in [0, 1].
        let unit = try DMatrix(
            data.inputs(data.split.train), labels: data.labels(data.split.train).map { $0 > 0 ? 1 : 0 })
        for (parameters, matrix, says) in [
            ([("objective", "reg:logistic"), ("base_score", "0.5")], unit, "objective reg:logistic"),
            ([("booster", "dart")], train, "booster dart"),
        ] {
            let booster = try Booster(params: config.parameters + parameters, cache: [matrix])
            try booster.update(iteration: 0, train: matrix)
            let error = try #require(throws: FunkoError.self) { try TreeEnsemble(xgboostModel: try booster.save()) }
            #expect(error.message.contains(says), "\(error)")
        }
        for garbage in [
            [UInt8](), Array("{}".utf8),
            [UInt8(ascii: "["), UInt8(ascii: "$"), UInt8(ascii: "d"), UInt8(ascii: "#"), UInt8(ascii: "L")]
                + [UInt8](repeating: 0xff, count: 8),
        ] {
            #expect(throws: FunkoError.self) { try TreeEnsemble(xgboostModel: garbage) }
        }
    }

    /// Rows narrower than the model are a programming error, named, not an out-of-bounds read.
    @Test func rowsWithTooFewColumnsAreRefused() throws {
        let table = smallMarket(pops: 30, days: 300).salesTable()
        let model = try Trainer.train(table, config: quickConfig(), version: "v", trainedAt: 0)
        let error = try #require(throws: FunkoError.self) {
            try model.trees.predict(FeatureMatrix(rows: 1, columns: model.trees.featureCount - 1))
        }
        #expect(error.message.contains("reads \(model.trees.featureCount) features"), "\(error)")
    }
}
