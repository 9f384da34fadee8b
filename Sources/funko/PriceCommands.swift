import ArgumentParser
import FunkoAPI
import FunkoCore

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Predict a Pop's price (the API's prediction JSON).")
    @OptionGroup var options: AppOptions
    @Argument(help: "Funko Pop id.") var id: String
    @Option(help: "Condition: \(Condition.acceptedValues).") var condition = "mint"
    @Option(help: "Marketplace: \(Marketplace.acceptedValues).") var marketplace = "ebay"
    @Option(help: "Days ahead, 0-365.") var futureDays = 0
    @Option(help: "Predict as of this time instead of now (ISO 8601).") var asOf: String?

    func run() throws {
        try FunkoCLI.run {
            let query = try PredictRequest(
                funkoPopID: id, condition: condition, marketplace: marketplace, futureDays: futureDays
            ).validated()
            let app = try options.app()
            guard try app.store.counts().pops > 0 else {
                throw FunkoError.badRequest("the database is empty: run `funko generate` or `funko import` first")
            }
            guard try app.loadChampion() != nil else {
                throw FunkoError.unavailable(
                    "no trained model in \(app.repository.store.description): run `funko train` first")
            }
            let service = app.service(logger: Logger(quiet: true))
            try printJSON(try service.predict(query, now: try parseAsOf(asOf)))
        }
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "A Pop's recent sales, daily averages and summary.")
    @OptionGroup var options: AppOptions
    @Argument(help: "Funko Pop id.") var id: String
    @Option(help: "Days of history, 1-3650.") var days = 90
    @Option(help: "As of this time instead of now (ISO 8601).") var asOf: String?

    func run() throws {
        try FunkoCLI.run {
            let service = PriceService(store: try options.app().store, model: nil)
            try printJSON(try service.history(popID: id, days: days, now: try parseAsOf(asOf)))
        }
    }
}

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search the catalog by name, character or box number (as GET /pops does).")
    @OptionGroup var options: AppOptions
    @Argument(help: "Words that start words of the name or character, or the box number (empty: list by name).")
    var query: [String] = []
    @Option(help: "Only this series.") var series: String?
    @Option(help: "How many to list, 1-50.") var limit = CatalogRequest.defaultLimit
    @Option(help: "As of this time instead of now (ISO 8601; decides whether a Pop counts as vaulted).") var asOf:
        String?
    @Flag(help: "Print the API's JSON: {pops, total}.") var json = false

    func run() throws {
        try FunkoCLI.run {
            let search = try CatalogRequest(q: query.joined(separator: " "), series: series, limit: String(limit))
                .validated()
            let answer = try PriceService(store: try options.app().store, model: nil).searchCatalog(
                search, now: try parseAsOf(asOf))
            if json {
                try printJSON(answer)
                return
            }
            for p in answer.pops {
                let flags = [
                    p.isChase ? "chase" : nil, p.isExclusive ? "exclusive" : nil, p.isVaulted ? "vaulted" : nil,
                ]
                .compactMap { $0 }
                let last =
                    p.lastSale.map { "last sold $\(formatCents($0.price)) on \($0.soldAt.prefix(10))" } ?? "no sales"
                print(
                    p.funkoPopID.padding(8) + p.funkoName.padding(36) + p.series.padding(20)
                        + (flags.isEmpty ? "" : "[\(flags.joined(separator: ", "))] ") + last)
            }
            print("\(answer.pops.count) of \(answer.total) matching Pops")
        }
    }
}
