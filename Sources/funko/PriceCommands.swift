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
