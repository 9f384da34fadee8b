import FunkoCore
import FunkoStore
import Testing

/// The catalog search (`GET /pops`) on every store: FunkoUnitTests.CatalogSearchTests runs these
/// bodies on SQLite, FunkoIntegrationTests.PostgresCatalogSearchTests on PostgreSQL.
package enum CatalogSearchContract {
    static func pop(_ id: String, _ name: String, _ character: String, number: Int, series: String = "DC Comics")
        -> FunkoPop
    {
        FunkoPop(
            id: id, name: name, series: series, character: character, funkoNumber: number,
            releaseDate: Time.parseISO8601("2022-01-01")!, isChase: false, isExclusive: false, isVaulted: false,
            baseEstimatedValue: 20)
    }

    /// A small catalog with names that start with, contain as a word, and merely contain a query.
    static let catalog = [
        pop("1", "Batman #01", "Batman", number: 1),
        pop("2", "Batman #30 (Chase)", "Batman", number: 30),
        pop("3", "The Batman #1189", "Batman", number: 1189),
        pop("4", "Batgirl #3", "Barbara Gordon", number: 3),
        pop("5", "Black Widow #3", "Black Widow", number: 3, series: "Marvel"),
        pop("6", "Spider-Man #03", "Spider-Man", number: 3, series: "Marvel"),
        pop("7", "Robin #300", "Dick Grayson", number: 300),
        pop("8", "Wombat #12", "Wombat", number: 12, series: "Animals"),
    ]

    static func ids(_ store: Store, _ q: String, series: String? = nil, limit: Int = 20) throws -> [String] {
        try store.searchPops(CatalogSearch(text: q, series: series, limit: limit)).hits.map(\.pop.id)
    }

    package static func wordsMatchByTheirStartInNameCharacterAndNumber(_ store: Store) throws {
        _ = try store.upsertPops(catalog)
        // Name starts with the text first, then a whole word, then the rest; by name within each.
        #expect(try ids(store, "bat") == ["4", "1", "2", "3"])
        #expect(try ids(store, "BATMAN") == ["1", "2", "3"])
        #expect(try ids(store, "batman 30") == ["2"])
        // The order of the words does not matter; every word must match.
        #expect(try ids(store, "widow black") == ["5"])
        #expect(try ids(store, "black spider") == [])
        // A number matches the box number (and numbers in the name): 3 before 30 and 300.
        #expect(try ids(store, "3") == ["4", "5", "6", "2", "7"])
        #expect(try ids(store, "#3") == ["4", "5", "6", "2", "7"])
        // Punctuation separates words; the middle of a word is not a match.
        #expect(try ids(store, "man") == ["6"])
        #expect(try ids(store, "spider-man") == ["6"])
        #expect(try ids(store, "atman") == [])
        // The character is searched too.
        #expect(try ids(store, "barbara") == ["4"])
        #expect(try ids(store, "grayson") == ["7"])
    }

    package static func seriesLimitAndTotal(_ store: Store) throws {
        _ = try store.upsertPops(catalog)
        #expect(try ids(store, "3", series: "marvel") == ["5", "6"])
        let page = try store.searchPops(CatalogSearch(text: "bat", limit: 2))
        #expect(page.hits.map(\.pop.id) == ["4", "1"])
        #expect(page.total == 4)
        // Without words: the catalog (or the series) by name.
        let all = try store.searchPops(CatalogSearch(text: "", limit: 3))
        #expect(all.hits.map(\.pop.name) == ["Batgirl #3", "Batman #01", "Batman #30 (Chase)"])
        #expect(all.total == catalog.count)
        #expect(try ids(store, "", series: "ANIMALS") == ["8"])
        #expect(try store.searchPops(CatalogSearch(text: "zzz", limit: 5)).total == 0)
        // LIKE's wildcards in the text are plain characters.
        #expect(try ids(store, "bat%") == ["4", "1", "2", "3"])
    }

    package static func renamingAPopChangesWhatFindsIt(_ store: Store) throws {
        _ = try store.upsertPops(catalog)
        var renamed = catalog[7]
        renamed.name = "Koala #12"
        renamed.character = "Koala"
        #expect(try store.upsertPops([renamed]) == UpsertCount(updated: 1))
        #expect(try ids(store, "wombat") == [])
        #expect(try ids(store, "koala") == ["8"])
    }

    package static func eachHitCarriesItsNewestSale(_ store: Store) throws {
        _ = try store.upsertPops(catalog)
        let sales = [
            Sale(
                popID: "1", soldAt: Time.parseISO8601("2024-03-01T10:00:00Z")!, price: 31, condition: .mint,
                marketplace: .ebay, source: "t", externalID: "a"),
            Sale(
                popID: "1", soldAt: Time.parseISO8601("2024-05-01T10:00:00Z")!, price: 35.5, condition: .good,
                marketplace: .ebay, source: "t", externalID: "b"),
            Sale(
                popID: "1", soldAt: Time.parseISO8601("2024-04-01T10:00:00Z")!, price: 40, condition: .mint,
                marketplace: .ebay, source: "t", externalID: "c"),
        ]
        _ = try store.insertSales(sales)
        let hits = try store.searchPops(CatalogSearch(text: "batman", limit: 5)).hits
        let first = try #require(hits.first)
        #expect(first.pop.id == "1")
        #expect(first.lastSale == LastSale(price: 35.5, soldAt: Time.parseISO8601("2024-05-01T10:00:00Z")!))
        #expect(hits.dropFirst().allSatisfy { $0.lastSale == nil })
        #expect(try store.lastSales(popIDs: ["1", "2", "missing"]) == ["1": first.lastSale!])
    }
}
