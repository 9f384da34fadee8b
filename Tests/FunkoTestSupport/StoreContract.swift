import FunkoCore
import FunkoData
import FunkoStore
import Testing

/// The store contract. Every backend runs these bodies: the embedded SQLite file
/// (FunkoUnitTests.StoreTests) and a real PostgreSQL server started by the tests on loopback
/// (FunkoIntegrationTests.PostgresStoreTests).
package enum StoreContract {
    package static func pop(_ id: String, value: Double = 20) -> FunkoPop {
        FunkoPop(
            id: id, name: "Pop \(id)", series: "Marvel", character: "Thor", funkoNumber: 7,
            releaseDate: Time.parseISO8601("2023-05-01")!, isChase: false, isExclusive: true, isVaulted: true,
            exclusiveRetailer: "Target", vaultedDate: Time.parseISO8601("2024-05-01"), baseEstimatedValue: value,
            imageURL: nil)
    }

    package static func sale(_ pop: String, _ iso: String, _ price: Double, id: String? = nil) -> Sale {
        Sale(
            popID: pop, soldAt: Time.parseISO8601(iso)!, price: price, condition: .nearMint, marketplace: .mercari,
            source: "test", externalID: id)
    }

    package static func migrationsApplyOnceAndRecordTheirVersion(_ store: Store) throws {
        #expect(try store.schemaVersion() == Migrations.all.last!.version)
        #expect(try store.migrate() == [])  // already applied
    }

    package static func popsRoundTripAndUpsertIsIdempotent(_ store: Store) throws {
        let p = pop("1")
        #expect(try store.upsertPops([p, pop("2")]) == UpsertCount(inserted: 2))
        #expect(try store.pop(id: "1") == p)
        #expect(try store.upsertPops([p]) == UpsertCount(unchanged: 1))
        #expect(try store.upsertPops([pop("1", value: 25)]) == UpsertCount(updated: 1))
        #expect(try store.pop(id: "1")?.baseEstimatedValue == 25)
        #expect(try store.pop(id: "missing") == nil)
        #expect(try store.pops().map(\.id) == ["1", "2"])
        #expect(try store.existingPopIDs(["1", "3"]) == ["1"])
    }

    package static func salesAreDeduplicatedBySourceAndExternalID(_ store: Store) throws {
        _ = try store.upsertPops([pop("1"), pop("2")])
        let sales = [
            sale("1", "2024-01-02T10:00:00Z", 20, id: "a"), sale("1", "2024-01-01T10:00:00Z", 21),
            sale("2", "2024-01-03T10:00:00Z", 22),
        ]
        #expect(try store.insertSales(sales) == 3)
        #expect(try store.insertSales(sales) == 0)
        // Same content, different external id: a different sale.
        #expect(try store.insertSales([sale("1", "2024-01-02T10:00:00Z", 20, id: "b")]) == 1)
        let window = try store.sales(
            popID: "1", from: Time.parseISO8601("2024-01-01T10:00:00Z")!,
            until: Time.parseISO8601("2024-01-02T10:00:00Z")!)
        #expect(window.map(\.price) == [21])  // [from, until)
        #expect(window[0].condition == .nearMint)
        #expect(window[0].marketplace == .mercari)
        let table = try store.salesTable(since: nil)
        #expect(table.count == 4)
        #expect(table.pops.map(\.id) == ["1", "2"])
        #expect(table.pop == [0, 0, 0, 1])
        #expect(table.price == [21, 20, 20, 22])
        let recent = try store.salesTable(since: Time.parseISO8601("2024-01-02T00:00:00Z"))
        #expect(recent.count == 3)
        let counts = try store.counts()
        #expect(counts.pops == 2)
        #expect(counts.sales == 4)
        #expect(counts.firstSale == "2024-01-01T10:00:00Z")
    }

    package static func aFailedTransactionLeavesNothingBehind(_ store: Store) throws {
        _ = try store.upsertPops([pop("1")])
        #expect(throws: (any Error).self) {
            try store.transaction {
                _ = try store.insertSales([sale("1", "2024-01-02T10:00:00Z", 20)])
                _ = try store.insertSales([sale("unknown-pop", "2024-01-02T10:00:00Z", 20)])  // foreign key
            }
        }
        #expect(try store.counts().sales == 0)
        // The schema rejects what validation should have caught.
        #expect(throws: (any Error).self) { try store.insertSales([sale("1", "2024-01-02T10:00:00Z", -5)]) }
    }
}

/// The CSV import on every backend (as `StoreContract`): bad rows are named by line, importing
/// twice changes nothing, and `strict` refuses the whole file.
package enum ImportContract {
    package static let catalog = """
        id,name,series,character,funko_number,release_date,is_chase,is_exclusive,is_vaulted,base_estimated_value,exclusive_retailer,vaulted_date
        1,"Batman #01",DC Comics,Batman,1,2023-01-15,false,true,0,25.5,Target,
        2,"Joker, Laughing #02",DC Comics,The Joker,2,2023-02-01,0,0,true,18,,2024-06-01
        3,Bad Date,DC Comics,Robin,3,2023-02-30,0,0,0,10,,
        4,Bad Bool,DC Comics,Robin,4,2023-02-01,maybe,0,0,10,,
        1,Duplicate,DC Comics,Batman,1,2023-01-15,false,true,0,25.5,,

        """

    package static let sales = """
        funko_pop_id,sold_at,price,condition,marketplace,external_id
        1,2024-03-01T10:00:00Z,30.00,mint,ebay,e-1
        1,2024-03-02,28.50,near_mint,mercari,
        2,2024-03-03T12:00:00+01:00,19.99,4,whatnot,
        2,2024-03-04T12:00:00Z,-3,mint,ebay,
        2,2024-03-04T12:00:00Z,0,mint,ebay,
        9,2024-03-04T12:00:00Z,10,mint,ebay,
        1,2099-01-01T00:00:00Z,10,mint,ebay,
        1,2024-03-05T00:00:00Z,ten,mint,ebay,
        1,2024-03-05T00:00:00Z,10,pristine,ebay,
        1,2024-03-05T00:00:00Z,10,mint,craigslist,
        1,not a date,10,mint,ebay,
        1,2024-03-05T00:00:00Z,96666666666666660,mint,ebay,
        """

    package static func run(
        _ store: Store, strict: Bool = false, catalog: String = ImportContract.catalog,
        sales: String = ImportContract.sales
    ) throws -> Importer.Report {
        try Importer(store: store, now: Time.parseISO8601("2025-01-01")!)
            .run(catalog: ("catalog.csv", Array(catalog.utf8)), sales: ("sales.csv", Array(sales.utf8)), strict: strict)
    }

    package static func reportsBadRowsByLineAndKeepsGoodOnes(_ store: Store) throws {
        let report = try run(store)
        #expect(report.pops.inserted == 2)
        #expect(report.salesInserted == 3)
        let reasons = report.rejected.map(\.description)
        let expected = [
            "catalog.csv:4: release_date", "catalog.csv:5: is_chase \"maybe\"",
            "catalog.csv:6: id 1 appears again (first at line 2)",
            "sales.csv:5: price -3 must be greater than 0", "sales.csv:6: price 0 must be greater than 0",
            "sales.csv:8: sold_at 2099-01-01T00:00:00Z is in the future", "sales.csv:9: price \"ten\" is not a number",
            "sales.csv:10: condition \"pristine\" is not one of mint, near_mint",
            "sales.csv:11: marketplace \"craigslist\" is not one of ebay",
            "sales.csv:12: sold_at \"not a date\"", "sales.csv:7: funko_pop_id 9 is not in the catalog",
            "sales.csv:13: price 96666666666666660 must be at most 1000000.00 (USD, not cents)",
        ]
        #expect(report.rejected.count == expected.count, "\(reasons)")
        for e in expected { #expect(reasons.contains { $0.hasPrefix(e) }, "missing \(e) in \(reasons)") }
        #expect(try store.pop(id: "2")?.name == "Joker, Laughing #02")
        #expect(try store.pop(id: "2")?.vaultedDate == Time.parseISO8601("2024-06-01"))
        let s = try store.sales(popID: "2", from: 0, until: Time.parseISO8601("2025-01-01")!)
        try #require(s.count == 1)
        #expect(s[0].condition == .nearMint)
        #expect(s[0].soldAt == Time.parseISO8601("2024-03-03T11:00:00Z"))
    }

    package static func importingTwiceChangesNothing(_ store: Store) throws {
        _ = try run(store)
        let before = try store.counts()
        let again = try run(store)
        #expect(again.pops == UpsertCount(unchanged: 2))
        #expect(again.salesInserted == 0)
        #expect(again.salesAlreadyPresent == 3)
        #expect(try store.counts() == before)
    }

    package static func strictRefusesTheWholeFile(_ store: Store) throws {
        #expect(throws: FunkoError.self) { try run(store, strict: true) }
        #expect(try store.counts().pops == 0)
        #expect(try store.counts().sales == 0)
    }
}
