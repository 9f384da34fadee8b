import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoStore

/// The store contract (FunkoTestSupport's `StoreContract`) on the embedded SQLite file;
/// FunkoIntegrationTests.PostgresStoreTests runs the same bodies on PostgreSQL.
@Suite(.ownThread) struct StoreTests {
    @Test func migrationsApplyOnceAndRecordTheirVersion() throws {
        try onSQLite(StoreContract.migrationsApplyOnceAndRecordTheirVersion)
    }

    @Test func popsRoundTripAndUpsertIsIdempotent() throws {
        try onSQLite(StoreContract.popsRoundTripAndUpsertIsIdempotent)
    }

    @Test func salesAreDeduplicatedBySourceAndExternalID() throws {
        try onSQLite(StoreContract.salesAreDeduplicatedBySourceAndExternalID)
    }

    @Test func aFailedTransactionLeavesNothingBehind() throws {
        try onSQLite(StoreContract.aFailedTransactionLeavesNothingBehind)
    }
}

/// Runs `body` on a fresh SQLite store in a folder of its own.
func onSQLite(_ body: (Store) throws -> Void) throws {
    let dir = try TempDir()
    try withExtendedLifetime(dir) { try body(try SQLiteStore(path: dir.file("funko.sqlite"))) }
}
