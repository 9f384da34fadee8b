import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoData

/// The `funko` binary as a person runs it: the happy path end to end, and every kind of bad
/// input giving one line that says what to do and a non-zero exit.
@Suite(.serialized, .ownThread) struct CLITests {
    let dir: TempDir
    var env: [String: String] {
        ["FUNKO_DB": dir.file("funko.sqlite"), "FUNKO_DATA_DIR": dir.file("store"), "CI": "1"]
    }

    init() throws { dir = try TempDir() }

    func funko(_ args: String...) throws -> (status: Int32, stdout: String, stderr: String) {
        try runProcess(funkoBinary, args, env: env)
    }

    func expectOneLineError(
        _ r: (status: Int32, stdout: String, stderr: String), _ fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(r.status != 0, sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("error: "), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(fragment), "\(r.stderr)", sourceLocation: sourceLocation)
    }

    /// On a terminal, long steps draw a progress line (under `script`, which gives the program a
    /// pseudo-terminal); without one (above, with CI set) stderr stays empty.
    @Test func progressShowsOnATerminalOnly() throws {
        let command =
            "\(funkoBinary) generate --pops 30 --days 200 --seed 2 --end 2025-01-31 --db \(dir.file("tty.sqlite"))"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", command, "/dev/null"]
        p.environment = ProcessInfo.processInfo.environment.filter { $0.key != "CI" && $0.key != "FUNKO_NO_PROGRESS" }
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(text.contains("Generating sales: done in"), "\(text)")
    }

    /// On a market no model reads better than the last sale (imported from .csv.gz files),
    /// `funko train` leaves the last-sale baseline serving; `funko evaluate` scores it, and the
    /// refused model too (`--latest`, `--version`), and names the versions it knows.
    @Test func aRefusedModelCanBeEvaluatedWhileTheBaselineServes() throws {
        let end = CivilDate(year: 2025, month: 6, day: 30).dayNumber
        let market = randomWalkMarket(pops: 60, days: end - 499...end)
        var catalog = Importer.catalogRequired.joined(separator: ",") + "\n"
        for p in market.pops {
            catalog +=
                "\(p.id),\(p.name),\(p.series),\(p.character),\(p.funkoNumber),\(Time.isoDate(p.releaseDate)),false,false,false,\(formatCents(p.baseEstimatedValue))\n"
        }
        var sales = (Importer.salesRequired + Importer.salesOptional).joined(separator: ",") + "\n"
        for s in market.sales {
            sales +=
                "\(s.popID),\(Time.iso8601(s.soldAt)),\(formatCents(s.price)),\(s.condition.rawValue),\(s.marketplace.rawValue),\(s.source),\(s.externalID)\n"
        }
        try Files.write(dir.file("catalog.csv.gz"), try Gzip.compress(Array(catalog.utf8)))
        try Files.write(dir.file("sales.csv.gz"), try Gzip.compress(Array(sales.utf8)))
        let imported = try funko(
            "import", "--catalog", dir.file("catalog.csv.gz"), "--sales", dir.file("sales.csv.gz"), "--strict")
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("sales: \(market.sales.count) new"), "\(imported.stdout)")
        expectOneLineError(try funko("evaluate", "--latest"), "no trained model in \(dir.file("store"))")

        let train = try funko("train", "--max-rounds", "60", "--eta", "0.2")
        #expect(train.status == 0, "\(train.stderr)")
        struct Decision: Decodable {
            let status: String
            let candidate: String?
            let champion: String?
        }
        let log = try JSON.decode([Decision].self, from: try Files.read(dir.file("store/models/decisions.json")))
        #expect(log.map(\.status) == ["baseline_promoted"])
        let model = try #require(log.first?.candidate)
        let baseline = try #require(log.first?.champion)
        #expect(train.stdout.contains("baseline \(baseline) serves instead"), "\(train.stdout)")
        let status = try funko("status")
        #expect(status.stdout.contains(#""predictor" : "baseline:last_sale""#), "\(status.stdout)")

        // The champion is the baseline; --latest and --version score the refused model.
        let champion = try funko("evaluate")
        #expect(champion.status == 0, "\(champion.stderr)")
        #expect(champion.stdout.hasPrefix("baseline:last_sale \(baseline), test window"), "\(champion.stdout)")
        let latest = try funko("evaluate", "--latest")
        #expect(latest.status == 0, "\(latest.stderr)")
        #expect(latest.stdout.hasPrefix("model \(model), test window"), "\(latest.stdout)")
        struct Report: Decodable, Equatable {
            struct M: Decodable, Equatable { let mae: Double }
            let version: String?
            let model: M
            let baselines: [String: M]
        }
        let latestJSON = try JSON.decode(Report.self, from: try funko("evaluate", "--latest", "--json").stdout)
        let byVersion = try JSON.decode(Report.self, from: try funko("evaluate", "--version", model, "--json").stdout)
        #expect(latestJSON == byVersion)
        #expect(byVersion.version == model)
        let lastSale = try #require(byVersion.baselines["last_sale"]).mae
        #expect(byVersion.model.mae > lastSale)
        let served = try JSON.decode(Report.self, from: try funko("evaluate", "--version", baseline, "--json").stdout)
        #expect(abs(served.model.mae - lastSale) < 1e-9)

        expectOneLineError(
            try funko("evaluate", "--version", "20200101-000000"),
            "versions there (newest first): \(baseline), \(model)")
        expectOneLineError(
            try funko("evaluate", "--latest", "--version", model), "give --version or --latest, not both")
    }

    @Test func endToEndAndBadInput() throws {
        expectOneLineError(
            try funko("predict", "10001"), "the database is empty: run `funko generate` or `funko import` first")
        expectOneLineError(
            try funko("train"), "the database has no sales: run `funko generate` or `funko import` first")

        let gen = try funko("generate", "--pops", "150", "--days", "500", "--seed", "1", "--end", "2025-06-30")
        #expect(gen.status == 0, "\(gen.stderr)")
        #expect(gen.stdout.contains("generated 150 Pops"))
        #expect(gen.stderr.isEmpty)  // no progress noise in CI logs

        expectOneLineError(
            try funko("predict", "10001"), "no trained model in \(dir.file("store")): run `funko train` first")
        expectOneLineError(try funko("evaluate"), "run `funko train` first")

        let train = try funko("train", "--max-rounds", "60", "--eta", "0.2")
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("promoted to champion"))
        // The same promotion path as retraining: the decision is logged, the dataset kept.
        struct Decision: Decodable {
            let status: String
            let candidate: String?
            let promoted: Bool
        }
        let log = try JSON.decode([Decision].self, from: try Files.read(dir.file("store/models/decisions.json")))
        #expect(log.map(\.status) == ["promoted"])
        let version = try #require(log.first?.candidate)
        #expect(Files.exists(dir.file("store/datasets/\(version)/train.csv")))
        #expect(Files.exists(dir.file("store/models/\(version)/model.tar.gz")))
        let retrain = try funko("train", "--max-rounds", "5", "--eta", "0.05")
        #expect(retrain.status == 0, "\(retrain.stderr)")
        #expect(retrain.stdout.contains("kept champion \(version)"), "\(retrain.stdout)")
        let twice = try JSON.decode([Decision].self, from: try Files.read(dir.file("store/models/decisions.json")))
        #expect(twice.map(\.status) == ["promoted", "kept_champion"])

        let eval = try funko("evaluate", "--json")
        #expect(eval.status == 0, "\(eval.stderr)")
        struct Shape: Decodable {
            struct M: Decodable {
                let mae, rmse, r2, mape: Double
                let intervalCoverage: Double?
                enum CodingKeys: String, CodingKey {
                    case mae, rmse, r2, mape
                    case intervalCoverage = "interval_coverage"
                }
            }
            let rows: Int
            let model: M
            let baselines: [String: M]
        }
        let shape = try JSON.decode(Shape.self, from: eval.stdout)
        #expect(shape.rows > 0)
        #expect(shape.model.intervalCoverage != nil)
        #expect(Set(shape.baselines.keys) == ["last_sale", "mean_30d", "base_estimated_value"])

        let predict = try funko(
            "predict", "10001", "--condition", "near_mint", "--marketplace", "mercari", "--future-days", "30",
            "--as-of", "2025-07-01")
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.contains("\"predicted_price\""))
        #expect(predict.stdout.contains("\"condition\" : \"near_mint\""))
        #expect(predict.stdout.contains("\"prediction_date\" : \"2025-07-31T00:00:00Z\""))

        let history = try funko("history", "10001", "--days", "30", "--as-of", "2025-07-01")
        #expect(history.status == 0)
        #expect(history.stdout.contains("\"daily\""))
        let status = try funko("status")
        #expect(status.status == 0)
        #expect(status.stdout.contains("\"status\" : \"ok\""))
        let search = try funko("search", "black", "widow", "--limit", "2")
        #expect(search.status == 0, "\(search.stderr)")
        let lines = search.stdout.split(separator: "\n")
        #expect(lines.count == 3, "\(search.stdout)")
        #expect(lines.last?.hasPrefix("2 of ") == true, "\(search.stdout)")
        #expect(lines.first?.contains("Black Widow") == true, "\(search.stdout)")
        let searchJSON = try funko("search", "--series", "marvel", "--limit", "5", "--json")
        let found = try JSON.decode(CatalogSearchResponse.self, from: searchJSON.stdout)
        #expect(found.pops.count == 5)
        #expect(found.pops.allSatisfy { $0.series == "Marvel" })
        expectOneLineError(try funko("search", "bat", "--limit", "51"), "limit must be an integer from 1 to 50")

        expectOneLineError(try funko("predict", "99999"), "unknown funko_pop_id \"99999\"")
        expectOneLineError(
            try funko("predict", "10001", "--condition", "pristine"),
            "condition \"pristine\" is not accepted: use one of mint, near_mint, good, fair, poor")
        expectOneLineError(
            try funko("predict", "10001", "--marketplace", "craigslist"),
            "marketplace \"craigslist\" is not accepted: use one of ebay, mercari")
        expectOneLineError(
            try funko("predict", "10001", "--future-days=-1"), "future_days must be an integer from 0 to 365 (got -1)")
        expectOneLineError(try funko("history", "10001", "--days", "0"), "days must be an integer from 1 to 3650")
        expectOneLineError(
            try funko("train", "--transform", "sqrt"), "--transform \"sqrt\" is not one of raw, log, log_ratio")
        expectOneLineError(
            try funko("import", "--sales", dir.file("missing.csv")), "cannot read \(dir.file("missing.csv"))")
    }
}
