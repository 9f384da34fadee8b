import ArgumentParser
import FunkoCore
import FunkoData
import FunkoFeatures
import FunkoModel

/// The Swift side of `scripts/bench`: times the feature build and training on generated data and
/// writes the same data for the Python reference (pandas + xgboost) to time in the same run.
@main
struct FunkoBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "funko-bench", subcommands: [FeaturesBench.self, TrainBench.self])
}

/// A generated market with about `sales` sales (the default market has ~98 sales per Pop).
func market(sales: Int, seed: UInt64) -> SalesTable {
    var config = MarketGenerator.Config()
    config.pops = max(10, sales / 98)
    config.seed = seed
    config.endDay = CivilDate(year: 2026, month: 6, day: 30).dayNumber
    return MarketGenerator(config: config).salesTable()
}

func median(_ v: [Double]) -> Double { let s = v.sorted(); return s[s.count / 2] }

struct FeaturesBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features")
    @Option var sales = 100_000
    @Option var repeats = 3
    @Option(help: "Write the sales and catalog here for the pandas reference.") var export: String?

    func run() throws {
        let table = market(sales: sales, seed: 7)
        let encoders = Encoders(fitting: table.pops)
        var times: [Double] = []
        var checksum = 0.0
        for _ in 0..<repeats {
            var t = table
            let start = Time.monotonic()
            t.sortByPopAndTime()
            let m = FeatureBuilder.trainingRows(t, encoders: encoders)
            times.append(Time.monotonic() - start)
            checksum = Double(m.values[m.values.count / 2 + Feature.avgPrice30d.rawValue].isNaN ? 0 : 1)
        }
        if let export {
            var s: [UInt8] = Array("pop,sold_at,price,condition,marketplace\n".utf8)
            s.reserveCapacity(table.count * 36)
            for i in 0..<table.count {
                s += Array("\(table.pop[i]),\(table.soldAt[i]),\(formatCents(table.price[i])),\(table.condition[i]),\(table.marketplace[i])\n".utf8)
            }
            try Files.write("\(export)/sales.csv", s)
            var c = "pop,release_date,is_chase,is_exclusive,is_vaulted,vaulted_date,funko_number,series,character,base_estimated_value\n"
            for (i, p) in table.pops.enumerated() {
                c += "\(i),\(p.releaseDate),\(p.isChase ? 1 : 0),\(p.isExclusive ? 1 : 0),\(p.isVaulted ? 1 : 0),\(p.vaultedDate.map(String.init) ?? ""),\(p.funkoNumber),\(encoders.series.code(p.series)),\(encoders.character.code(p.character)),\(p.baseEstimatedValue)\n"
            }
            try Files.write("\(export)/catalog.csv", c)
        }
        print(#"{"sales": \#(table.count), "features": \#(Feature.count), "seconds": \#(median(times)), "sales_per_second": \#(Double(table.count) / median(times)), "check": \#(checksum)}"#)
    }
}

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train")
    @Option var rows = 1_000_000
    @Option var rounds = 200
    @Option(help: "Write features (float32) and labels for the Python xgboost reference.") var export: String?

    func run() throws {
        let table = market(sales: rows, seed: 11)
        let features = FeatureBuilder.trainingRows(table, encoders: Encoders(fitting: table.pops))
        let labels = (0..<features.rows).map { Float(TargetTransform.logRatio.target(price: table.price[$0], reference: TargetTransform.reference(features, row: $0))) }
        if let export {
            try Files.write("\(export)/features.f32", features.values.withUnsafeBytes { Array($0) })
            try Files.write("\(export)/labels.f32", labels.withUnsafeBytes { Array($0) })
            try Files.write("\(export)/shape.json", #"{"rows": \#(features.rows), "columns": \#(features.columns)}"#)
        }
        var config = TrainingConfig()
        config.seed = 0
        if let export {
            let params = config.parameters.map { #""\#($0.0)": "\#($0.1)""# }.joined(separator: ", ")
            try Files.write("\(export)/params.json", "{\(params)}")
        }
        let start = Time.monotonic()
        let d = try DMatrix(features, labels: labels)
        let booster = try Booster(params: config.parameters, cache: [d])
        for i in 0..<rounds { try booster.update(iteration: i, train: d) }
        let seconds = Time.monotonic() - start
        print(#"{"rows": \#(features.rows), "columns": \#(features.columns), "rounds": \#(rounds), "seconds": \#(seconds)}"#)
    }
}
