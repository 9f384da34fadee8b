import Testing

@testable import FunkoCore
@testable import FunkoStore

/// The store contract. Every backend runs these: the embedded SQLite file and a real PostgreSQL
/// server (started by the tests on loopback).
@Suite(.ownThread) struct StoreTests {
    typealias Factory = @Sendable (TempDir) throws -> Store
    static let backends: [(String, Factory)] = [
        ("sqlite", { try SQLiteStore(path: $0.file("funko.sqlite")) }),
        ("postgres", { _ in try PostgresStore(url: try Postgres.shared.freshDatabase()) }),
    ]

    static func pop(_ id: String, value: Double = 20) -> FunkoPop {
        FunkoPop(
            id: id, name: "Pop \(id)", series: "Marvel", character: "Thor", funkoNumber: 7,
            releaseDate: Time.parseISO8601("2023-05-01")!, isChase: false, isExclusive: true, isVaulted: true,
            exclusiveRetailer: "Target", vaultedDate: Time.parseISO8601("2024-05-01"), baseEstimatedValue: value,
            imageURL: nil)
    }

    static func sale(_ pop: String, _ iso: String, _ price: Double, id: String? = nil) -> Sale {
        Sale(
            popID: pop, soldAt: Time.parseISO8601(iso)!, price: price, condition: .nearMint, marketplace: .mercari,
            source: "test", externalID: id)
    }

    @Test(arguments: backends.map(\.0)) func migrationsApplyOnceAndRecordTheirVersion(backend: String) throws {
        let dir = TempDir()
        let store = try Self.backends.first { $0.0 == backend }!.1(dir)
        #expect(try store.schemaVersion() == Migrations.all.last!.version)
        #expect(try store.migrate() == [])  // already applied
    }

    @Test(arguments: backends.map(\.0)) func popsRoundTripAndUpsertIsIdempotent(backend: String) throws {
        let dir = TempDir()
        let store = try Self.backends.first { $0.0 == backend }!.1(dir)
        let p = Self.pop("1")
        #expect(try store.upsertPops([p, Self.pop("2")]) == UpsertCount(inserted: 2))
        #expect(try store.pop(id: "1") == p)
        #expect(try store.upsertPops([p]) == UpsertCount(unchanged: 1))
        #expect(try store.upsertPops([Self.pop("1", value: 25)]) == UpsertCount(updated: 1))
        #expect(try store.pop(id: "1")?.baseEstimatedValue == 25)
        #expect(try store.pop(id: "missing") == nil)
        #expect(try store.pops().map(\.id) == ["1", "2"])
        #expect(try store.existingPopIDs(["1", "3"]) == ["1"])
    }

    @Test(arguments: backends.map(\.0)) func salesAreDeduplicatedBySourceAndExternalID(backend: String) throws {
        let dir = TempDir()
        let store = try Self.backends.first { $0.0 == backend }!.1(dir)
        _ = try store.upsertPops([Self.pop("1"), Self.pop("2")])
        let sales = [
            Self.sale("1", "2024-01-02T10:00:00Z", 20, id: "a"), Self.sale("1", "2024-01-01T10:00:00Z", 21),
            Self.sale("2", "2024-01-03T10:00:00Z", 22),
        ]
        #expect(try store.insertSales(sales) == 3)
        #expect(try store.insertSales(sales) == 0)
        // Same content, different external id: a different sale.
        #expect(try store.insertSales([Self.sale("1", "2024-01-02T10:00:00Z", 20, id: "b")]) == 1)
        let window = try store.sales(
            popID: "1", from: Time.parseISO8601("2024-01-01T10:00:00Z")!,
            until: Time.parseISO8601("2024-01-02T10:00:00Z")!)
        #expect(window.map(\.price) == [21])  // [from, until)
        #expect(window[0].condition == .nearMint && window[0].marketplace == .mercari)
        let table = try store.salesTable(since: nil)
        #expect(table.count == 4)
        #expect(table.pops.map(\.id) == ["1", "2"])
        #expect(table.pop == [0, 0, 0, 1])
        #expect(table.price == [21, 20, 20, 22])
        let recent = try store.salesTable(since: Time.parseISO8601("2024-01-02T00:00:00Z"))
        #expect(recent.count == 3)
        let counts = try store.counts()
        #expect(counts.pops == 2 && counts.sales == 4 && counts.firstSale == "2024-01-01T10:00:00Z")
    }

    @Test(arguments: backends.map(\.0)) func aFailedTransactionLeavesNothingBehind(backend: String) throws {
        let dir = TempDir()
        let store = try Self.backends.first { $0.0 == backend }!.1(dir)
        _ = try store.upsertPops([Self.pop("1")])
        #expect(throws: (any Error).self) {
            try store.transaction {
                _ = try store.insertSales([Self.sale("1", "2024-01-02T10:00:00Z", 20)])
                _ = try store.insertSales([Self.sale("unknown-pop", "2024-01-02T10:00:00Z", 20)])  // foreign key
            }
        }
        #expect(try store.counts().sales == 0)
        // The schema rejects what validation should have caught.
        #expect(throws: (any Error).self) { try store.insertSales([Self.sale("1", "2024-01-02T10:00:00Z", -5)]) }
    }
}
