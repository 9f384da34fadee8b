import Testing

@testable import FunkoCore
@testable import FunkoData
@testable import FunkoStore

@Suite(.ownThread) struct ImportTests {
    static let catalog = """
        id,name,series,character,funko_number,release_date,is_chase,is_exclusive,is_vaulted,base_estimated_value,exclusive_retailer,vaulted_date
        1,"Batman #01",DC Comics,Batman,1,2023-01-15,false,true,0,25.5,Target,
        2,"Joker, Laughing #02",DC Comics,The Joker,2,2023-02-01,0,0,true,18,,2024-06-01
        3,Bad Date,DC Comics,Robin,3,2023-02-30,0,0,0,10,,
        4,Bad Bool,DC Comics,Robin,4,2023-02-01,maybe,0,0,10,,
        1,Duplicate,DC Comics,Batman,1,2023-01-15,false,true,0,25.5,,

        """

    static let sales = """
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
        """

    func run(
        _ store: Store, strict: Bool = false, catalog: String = ImportTests.catalog, sales: String = ImportTests.sales
    ) throws -> Importer.Report {
        try Importer(store: store, now: Time.parseISO8601("2025-01-01")!)
            .run(catalog: ("catalog.csv", Array(catalog.utf8)), sales: ("sales.csv", Array(sales.utf8)), strict: strict)
    }

    @Test(arguments: StoreTests.backends.map(\.0)) func reportsBadRowsByLineAndKeepsGoodOnes(backend: String) throws {
        let dir = TempDir()
        let store = try StoreTests.backends.first { $0.0 == backend }!.1(dir)
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
        ]
        #expect(report.rejected.count == expected.count, "\(reasons)")
        for e in expected { #expect(reasons.contains { $0.hasPrefix(e) }, "missing \(e) in \(reasons)") }
        #expect(try store.pop(id: "2")?.name == "Joker, Laughing #02")
        #expect(try store.pop(id: "2")?.vaultedDate == Time.parseISO8601("2024-06-01"))
        let s = try store.sales(popID: "2", from: 0, until: Time.parseISO8601("2025-01-01")!)
        #expect(s.count == 1 && s[0].condition == .nearMint && s[0].soldAt == Time.parseISO8601("2024-03-03T11:00:00Z"))
    }

    @Test(arguments: StoreTests.backends.map(\.0)) func importingTwiceChangesNothing(backend: String) throws {
        let dir = TempDir()
        let store = try StoreTests.backends.first { $0.0 == backend }!.1(dir)
        _ = try run(store)
        let before = try store.counts()
        let again = try run(store)
        #expect(again.pops == UpsertCount(unchanged: 2))
        #expect(again.salesInserted == 0 && again.salesAlreadyPresent == 3)
        #expect(try store.counts() == before)
    }

    @Test(arguments: StoreTests.backends.map(\.0)) func strictRefusesTheWholeFile(backend: String) throws {
        let dir = TempDir()
        let store = try StoreTests.backends.first { $0.0 == backend }!.1(dir)
        #expect(throws: FunkoError.self) { try run(store, strict: true) }
        #expect(try store.counts().pops == 0 && store.counts().sales == 0)
    }

    @Test func missingColumnsAreNamed() throws {
        let dir = TempDir()
        let store = try SQLiteStore(path: dir.file("db.sqlite"))
        do {
            _ = try run(store, sales: "funko_pop_id,sold_at,price\n1,2024-01-01,3\n")
            Issue.record("expected an error")
        } catch let e as FunkoError {
            #expect(e.message.contains("missing column(s) condition, marketplace"))
        }
        #expect(try store.counts().pops == 0)  // nothing half-written
    }

    @Test func generatedCSVImportsToTheSameData() throws {
        let dir = TempDir()
        let g = smallMarket(pops: 30)
        try CSVExport.write(g, folder: dir.path)
        let a = try SQLiteStore(path: dir.file("a.sqlite"))
        let report = try Importer(store: a).run(
            catalog: ("catalog.csv", try Files.read(dir.file("catalog.csv"))),
            sales: ("sales.csv", try Files.read(dir.file("sales.csv"))), strict: true)
        #expect(report.rejected.isEmpty)
        let b = try SQLiteStore(path: dir.file("b.sqlite"))
        _ = try g.write(to: b)
        #expect(try a.pops() == b.pops())
        let ta = try a.salesTable(since: nil)
        let tb = try b.salesTable(since: nil)
        #expect(ta.price == tb.price && ta.soldAt == tb.soldAt && ta.condition == tb.condition)
        // Generated rows carry the generator's ids, so importing after generating adds nothing.
        let again = try Importer(store: b).run(
            catalog: nil, sales: ("sales.csv", try Files.read(dir.file("sales.csv"))), strict: true)
        #expect(again.salesInserted == 0)
    }

    @Test func csvReaderHandlesQuotesAndLineEndings() {
        let rows = Array(CSVReader(Array("a,\"b,\"\"c\"\"\",d\r\n\r\n\"multi\nline\",2\n".utf8)))
        #expect(rows.count == 2)
        #expect(rows[0].fields == ["a", "b,\"c\"", "d"])
        #expect(rows[1].line == 3 && rows[1].fields == ["multi\nline", "2"])
    }
}
