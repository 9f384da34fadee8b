import ArgumentParser
import FunkoCore
import FunkoData

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a deterministic sample catalog and sales history.")
    @OptionGroup var options: AppOptions
    @Option(help: "Number of Pops in the catalog.") var pops = 2000
    @Option(help: "Days of sales history.") var days = 1095
    @Option(help: "Random seed: the same seed gives the same data.") var seed: UInt64 = 42
    @Option(help: "Last day of history, YYYY-MM-DD (default: yesterday, UTC).") var end: String?
    @Option(help: "Also write catalog.csv and sales.csv to this folder (the import format).") var csv: String?

    func run() throws {
        try FunkoCLI.run {
            guard pops > 0, days > 0 else { throw FunkoError.badRequest("--pops and --days must be positive") }
            var config = MarketGenerator.Config()
            config.pops = pops
            config.days = days
            config.seed = seed
            if let end {
                guard let t = Time.parseISO8601(end) else {
                    throw FunkoError.badRequest("--end \"\(end)\" is not a date (YYYY-MM-DD)")
                }
                config.endDay = Time.dayNumber(t)
            }
            let generator = MarketGenerator(config: config)
            let store = try options.app().store
            let result = try generator.write(to: store, progress: Progress("Generating sales", total: pops))
            if let csv { try CSVExport.write(generator, folder: csv) }
            let counts = try store.counts()
            print(
                "generated \(generator.catalog.count) Pops (\(result.pops.inserted) new) and \(result.sales) new sales (seed \(seed)); the database now holds \(counts.pops) Pops and \(counts.sales) sales from \(counts.firstSale ?? "-") to \(counts.lastSale ?? "-")"
            )
        }
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import catalog and sales CSV files, plain or gzip-compressed (.csv.gz) (idempotent, transactional).")
    @OptionGroup var options: AppOptions
    @Option(
        help:
            "Catalog CSV: \(Importer.catalogRequired.joined(separator: ",")) [+ \(Importer.catalogOptional.joined(separator: ","))]"
    ) var catalog: String?
    @Option(
        help:
            "Sales CSV: \(Importer.salesRequired.joined(separator: ",")) [+ \(Importer.salesOptional.joined(separator: ","))]"
    ) var sales: String?
    @Flag(help: "Refuse the whole import if any row is bad.") var strict = false

    func run() throws {
        try FunkoCLI.run {
            guard catalog != nil || sales != nil else {
                throw FunkoError.badRequest("give --catalog FILE, --sales FILE, or both")
            }
            let store = try options.app().store
            let report = try Importer(store: store).run(
                catalog: try catalog.map(Importer.read), sales: try sales.map(Importer.read),
                strict: strict)
            for r in report.rejected { writeStderr("rejected \(r)\n") }
            print(
                "catalog: \(report.pops.inserted) new, \(report.pops.updated) updated, \(report.pops.unchanged) unchanged; sales: \(report.salesInserted) new, \(report.salesAlreadyPresent) already present; \(report.rejected.count) rejected"
            )
        }
    }
}
