import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoStore

/// The store contract (FunkoTestSupport's `StoreContract`) on a real PostgreSQL server, each
/// test with a database of its own; FunkoUnitTests.StoreTests runs the same bodies on SQLite.
@Suite(.ownThread) struct PostgresStoreTests {
    @Test func migrationsApplyOnceAndRecordTheirVersion() throws {
        try onPostgres(StoreContract.migrationsApplyOnceAndRecordTheirVersion)
    }

    @Test func popsRoundTripAndUpsertIsIdempotent() throws {
        try onPostgres(StoreContract.popsRoundTripAndUpsertIsIdempotent)
    }

    @Test func salesAreDeduplicatedBySourceAndExternalID() throws {
        try onPostgres(StoreContract.salesAreDeduplicatedBySourceAndExternalID)
    }

    @Test func aFailedTransactionLeavesNothingBehind() throws {
        try onPostgres(StoreContract.aFailedTransactionLeavesNothingBehind)
    }
}

/// The CSV import (FunkoTestSupport's `ImportContract`) into PostgreSQL; FunkoUnitTests.ImportTests
/// runs the same bodies on SQLite.
@Suite(.ownThread) struct PostgresImportTests {
    @Test func reportsBadRowsByLineAndKeepsGoodOnes() throws {
        try onPostgres(ImportContract.reportsBadRowsByLineAndKeepsGoodOnes)
    }

    @Test func importingTwiceChangesNothing() throws {
        try onPostgres(ImportContract.importingTwiceChangesNothing)
    }

    @Test func strictRefusesTheWholeFile() throws {
        try onPostgres(ImportContract.strictRefusesTheWholeFile)
    }
}

/// Runs `body` on a fresh database of the shared PostgreSQL server.
func onPostgres(_ body: (Store) throws -> Void) throws {
    try body(try PostgresStore(url: try Postgres.shared.freshDatabase()))
}

/// The catalog search (FunkoTestSupport's `CatalogSearchContract`) on PostgreSQL; FunkoUnitTests.
/// CatalogSearchTests runs the same bodies on SQLite.
@Suite(.ownThread) struct PostgresCatalogSearchTests {
    @Test func wordsMatchByTheirStartInNameCharacterAndNumber() throws {
        try onPostgres(CatalogSearchContract.wordsMatchByTheirStartInNameCharacterAndNumber)
    }

    @Test func seriesLimitAndTotal() throws {
        try onPostgres(CatalogSearchContract.seriesLimitAndTotal)
    }

    @Test func renamingAPopChangesWhatFindsIt() throws {
        try onPostgres(CatalogSearchContract.renamingAPopChangesWhatFindsIt)
    }

    @Test func eachHitCarriesItsNewestSale() throws {
        try onPostgres(CatalogSearchContract.eachHitCarriesItsNewestSale)
    }
}
