import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoData
@testable import FunkoStore

/// The CSV import (FunkoTestSupport's `ImportContract`) into the embedded SQLite file;
/// FunkoIntegrationTests.PostgresImportTests runs the same bodies on PostgreSQL.
@Suite(.ownThread) struct ImportTests {
    @Test func reportsBadRowsByLineAndKeepsGoodOnes() throws {
        try onSQLite(ImportContract.reportsBadRowsByLineAndKeepsGoodOnes)
    }

    @Test func importingTwiceChangesNothing() throws {
        try onSQLite(ImportContract.importingTwiceChangesNothing)
    }

    @Test func strictRefusesTheWholeFile() throws {
        try onSQLite(ImportContract.strictRefusesTheWholeFile)
    }

    @Test func missingColumnsAreNamed() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.file("db.sqlite"))
        do {
            _ = try ImportContract.run(store, sales: "funko_pop_id,sold_at,price\n1,2024-01-01,3\n")
            Issue.record("expected an error")
        } catch let e as FunkoError {
            #expect(e.message.contains("missing column(s) condition, marketplace"))
        }
        #expect(try store.counts().pops == 0)  // nothing half-written
    }

    @Test func generatedCSVImportsToTheSameData() throws {
        let dir = try TempDir()
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
        #expect(ta.price == tb.price)
        #expect(ta.soldAt == tb.soldAt)
        #expect(ta.condition == tb.condition)
        // Generated rows carry the generator's ids, so importing after generating adds nothing.
        let again = try Importer(store: b).run(
            catalog: nil, sales: ("sales.csv", try Files.read(dir.file("sales.csv"))), strict: true)
        #expect(again.salesInserted == 0)
    }

    @Test func csvReaderHandlesQuotesAndLineEndings() {
        let rows = Array(CSVReader(Array("a,\"b,\"\"c\"\"\",d\r\n\r\n\"multi\nline\",2\n".utf8)))
        #expect(rows.count == 2)
        #expect(rows[0].fields == ["a", "b,\"c\"", "d"])
        #expect(rows[1].line == 3)
        #expect(rows[1].fields == ["multi\nline", "2"])
    }
}
