import FunkoTestSupport
import Testing

@testable import FunkoAPI
@testable import FunkoCore
@testable import FunkoStore

/// The catalog search contract on SQLite (FunkoIntegrationTests.PostgresCatalogSearchTests runs it
/// on PostgreSQL), and what the API makes of the query.
@Suite(.ownThread) struct CatalogSearchTests {
    @Test func wordsMatchByTheirStartInNameCharacterAndNumber() throws {
        try onSQLite(CatalogSearchContract.wordsMatchByTheirStartInNameCharacterAndNumber)
    }

    @Test func seriesLimitAndTotal() throws {
        try onSQLite(CatalogSearchContract.seriesLimitAndTotal)
    }

    @Test func renamingAPopChangesWhatFindsIt() throws {
        try onSQLite(CatalogSearchContract.renamingAPopChangesWhatFindsIt)
    }

    @Test func eachHitCarriesItsNewestSale() throws {
        try onSQLite(CatalogSearchContract.eachHitCarriesItsNewestSale)
    }

    @Test func wordsAreLowercasedRunsOfLettersAndDigits() {
        #expect(
            CatalogWords.words(in: "Spider-Man #03 (Glow in the Dark)") == [
                "spider", "man", "03", "glow", "in", "the", "dark",
            ])
        #expect(CatalogWords.words(in: "Pokémon Évoli #1") == ["pokémon", "évoli", "1"])
        #expect(CatalogWords.words(in: "  ") == [])
        #expect(CatalogWords.words(in: "a a A") == ["a"])
    }

    /// A database made before the search existed gets its Pops' words when it migrates.
    @Test func theMigrationIndexesTheCatalogAlreadyStored() throws {
        let dir = try TempDir()
        let path = dir.file("old.sqlite")
        let db = try SQLiteConnection(path: path)
        try db.exec(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT '')"
        )
        try db.exec(Migrations.all[0].sqlite)
        try db.exec("INSERT INTO schema_migrations (version, name) VALUES (1, 'initial')")
        try db.exec(
            """
            INSERT INTO funko_pops (id, name, series, character, funko_number, release_date, is_chase, is_exclusive,
                is_vaulted, base_estimated_value) VALUES ('7', 'Robin #300', 'DC Comics', 'Dick Grayson', 300, '2022-01-01', 0, 0, 0, 20)
            """)
        let store = try SQLiteStore(path: path)
        #expect(try store.schemaVersion() == Migrations.all.last!.version)
        #expect(try store.searchPops(CatalogSearch(text: "gray", limit: 5)).hits.map(\.pop.id) == ["7"])
    }

    @Test func queriesAreValidatedByField() throws {
        #expect(try CatalogRequest(q: " Black  Widow ").validated().words == ["black", "widow"])
        #expect(try CatalogRequest().validated().limit == 20)
        #expect(try CatalogRequest(series: "  ").validated().series == nil)
        #expect(throws: FunkoError.badRequest(#"limit must be an integer from 1 to 50 (got "51")"#, field: "limit")) {
            try CatalogRequest(limit: "51").validated()
        }
        #expect(throws: FunkoError.badRequest(#"limit must be an integer from 1 to 50 (got "ten")"#, field: "limit")) {
            try CatalogRequest(limit: "ten").validated()
        }
        #expect(throws: FunkoError.badRequest("q is 101 characters long; at most 100 are searched", field: "q")) {
            try CatalogRequest(q: String(repeating: "b", count: 101)).validated()
        }
        #expect(
            throws: FunkoError.badRequest("series contains a control character: send printable text", field: "series")
        ) {
            try CatalogRequest(series: "DC\u{0}").validated()
        }
    }
}
