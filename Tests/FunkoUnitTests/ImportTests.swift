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

/// `.csv.gz` files go through the same import as plain CSV.
@Suite(.ownThread) struct GzipImportTests {
    @Test func gzipFilesImportTheSameRowsAsPlainCSV() throws {
        let dir = try TempDir()
        try CSVExport.write(smallMarket(pops: 30), folder: dir.path)
        for name in ["catalog.csv", "sales.csv"] {
            try Files.write(dir.file(name + ".gz"), try Gzip.compress(try Files.read(dir.file(name))))
        }
        let plain = try SQLiteStore(path: dir.file("plain.sqlite"))
        let zipped = try SQLiteStore(path: dir.file("zipped.sqlite"))
        let a = try Importer(store: plain).run(
            catalog: try Importer.read(dir.file("catalog.csv")), sales: try Importer.read(dir.file("sales.csv")),
            strict: true)
        let b = try Importer(store: zipped).run(
            catalog: try Importer.read(dir.file("catalog.csv.gz")), sales: try Importer.read(dir.file("sales.csv.gz")),
            strict: true)
        #expect(a.salesInserted > 0)
        #expect(b.salesInserted == a.salesInserted)
        #expect(try zipped.pops() == plain.pops())
        let ta = try plain.salesTable(since: nil)
        let tb = try zipped.salesTable(since: nil)
        #expect(tb.price == ta.price)
        #expect(tb.soldAt == ta.soldAt)
        #expect(tb.condition == ta.condition)
        #expect(tb.marketplace == ta.marketplace)
    }

    @Test func truncatedOrCorruptGzipIsRefusedByName() throws {
        let dir = try TempDir()
        try CSVExport.write(smallMarket(pops: 10), folder: dir.path)
        let whole = try Gzip.compress(try Files.read(dir.file("sales.csv")))
        try Files.write(dir.file("cut.csv.gz"), Array(whole.prefix(whole.count / 2)))
        var corrupt = whole
        for i in 20..<60 { corrupt[i] ^= 0x5a }
        try Files.write(dir.file("bad.csv.gz"), corrupt)
        for (name, says) in [("cut.csv.gz", "ends early"), ("bad.csv.gz", "not valid gzip data")] {
            do {
                _ = try Importer.read(dir.file(name))
                Issue.record("\(name) was read")
            } catch let e as FunkoError {
                #expect(e.code == .badRequest)
                #expect(e.message.contains(dir.file(name)), "\(e.message)")
                #expect(e.message.contains(says), "\(e.message)")
            }
        }
    }

    @Test func realResaleSampleImports() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.file("db.sqlite"))
        let sample = packageRoot + "/sample-data/real-resale-dev/"
        let report = try Importer(store: store).run(
            catalog: try Importer.read(sample + "catalog.csv.gz"), sales: try Importer.read(sample + "sales.csv.gz"),
            strict: true)
        #expect(report.rejected.isEmpty)
        let counts = try store.counts()
        #expect(counts.pops == 540)
        #expect(counts.sales == 27_794)
    }
}
