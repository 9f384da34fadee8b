import CSQLite
import FunkoCore

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded store: one SQLite file, WAL mode, the same schema as PostgreSQL.
public final class SQLiteStore: Store {
    private let db: SQLiteConnection
    private var transactionDepth = 0

    /// Opens (creating the file and its folder if needed) and migrates.
    public init(path: String, migrate: Bool = true) throws {
        if path != ":memory:", let slash = path.lastIndex(of: "/") {
            try Files.makeDirectories(String(path[..<slash]))
        }
        db = try SQLiteConnection(path: path)
        if migrate { try self.migrate() }
    }

    @discardableResult
    public func migrate() throws -> [Int] {
        try db.exec(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))
            """)
        let current = try schemaVersion()
        var applied: [Int] = []
        for m in Migrations.all where m.version > current {
            try transaction {
                try db.exec(m.sqlite)
                if m.backfill == .catalogWords { try writeWords(for: try pops()) }
                let s = try db.prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)")
                s.bind(1, m.version)
                s.bind(2, m.name)
                try s.run()
            }
            applied.append(m.version)
        }
        return applied
    }

    public func schemaVersion() throws -> Int {
        let s = try db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        _ = try s.step()
        return Int(s.int(0))
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if transactionDepth > 0 { return try body() }
        try db.exec("BEGIN IMMEDIATE")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            try db.exec("COMMIT")
            return result
        } catch {
            try? db.exec("ROLLBACK")
            throw error
        }
    }

    public func upsertPops(_ pops: [FunkoPop]) throws -> UpsertCount {
        try transaction {
            // Only rows whose content differs are touched, so re-importing leaves updated_at alone.
            let s = try db.prepare(
                """
                INSERT INTO funko_pops (id, name, series, character, funko_number, release_date, is_chase,
                    is_exclusive, is_vaulted, exclusive_retailer, vaulted_date, base_estimated_value, image_url)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    name = excluded.name, series = excluded.series, character = excluded.character,
                    funko_number = excluded.funko_number, release_date = excluded.release_date,
                    is_chase = excluded.is_chase, is_exclusive = excluded.is_exclusive,
                    is_vaulted = excluded.is_vaulted, exclusive_retailer = excluded.exclusive_retailer,
                    vaulted_date = excluded.vaulted_date, base_estimated_value = excluded.base_estimated_value,
                    image_url = excluded.image_url, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
                WHERE (name, series, character, funko_number, release_date, is_chase, is_exclusive, is_vaulted,
                       base_estimated_value) IS NOT (excluded.name, excluded.series, excluded.character,
                       excluded.funko_number, excluded.release_date, excluded.is_chase, excluded.is_exclusive,
                       excluded.is_vaulted, excluded.base_estimated_value)
                   OR exclusive_retailer IS NOT excluded.exclusive_retailer
                   OR vaulted_date IS NOT excluded.vaulted_date OR image_url IS NOT excluded.image_url
                """)
            let exists = try db.prepare("SELECT 1 FROM funko_pops WHERE id = ?")
            var count = UpsertCount()
            var changed: [FunkoPop] = []
            for p in pops {
                exists.reset()
                exists.bind(1, p.id)
                let existed = try exists.step()
                s.reset()
                s.bind(1, p.id)
                s.bind(2, p.name)
                s.bind(3, p.series)
                s.bind(4, p.character)
                s.bind(5, p.funkoNumber)
                s.bind(6, Time.isoDate(p.releaseDate))
                s.bind(7, p.isChase)
                s.bind(8, p.isExclusive)
                s.bind(9, p.isVaulted)
                s.bind(10, p.exclusiveRetailer)
                s.bind(11, p.vaultedDate.map(Time.isoDate))
                s.bind(12, p.baseEstimatedValue)
                s.bind(13, p.imageURL)
                try s.run()
                if !existed {
                    count.inserted += 1
                    changed.append(p)
                } else if db.changes > 0 {
                    count.updated += 1
                    changed.append(p)
                } else {
                    count.unchanged += 1
                }
            }
            try writeWords(for: changed)
            return count
        }
    }

    public func insertSales(_ sales: [Sale]) throws -> Int {
        try transaction {
            let s = try db.prepare(
                """
                INSERT INTO price_history (funko_pop_id, sold_at, price, condition, marketplace, source, external_id)
                VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, external_id) DO NOTHING
                """)
            var inserted = 0
            for x in sales {
                s.reset()
                s.bind(1, x.popID)
                s.bind(2, Time.iso8601(x.soldAt))
                s.bind(3, x.price)
                s.bind(4, x.condition.rawValue)
                s.bind(5, x.marketplace.rawValue)
                s.bind(6, x.source)
                s.bind(7, x.externalID)
                try s.run()
                inserted += db.changes
            }
            return inserted
        }
    }

    private static let popColumns = """
        id, name, series, character, funko_number, release_date, is_chase, is_exclusive, is_vaulted,
        exclusive_retailer, vaulted_date, base_estimated_value, image_url
        """

    private func readPop(_ s: Statement) -> FunkoPop {
        FunkoPop(
            id: s.string(0) ?? "", name: s.string(1) ?? "", series: s.string(2) ?? "",
            character: s.string(3) ?? "", funkoNumber: Int(s.int(4)),
            releaseDate: Time.parseISO8601(bytes: s.bytes(5)) ?? 0,
            isChase: s.int(6) != 0, isExclusive: s.int(7) != 0, isVaulted: s.int(8) != 0,
            exclusiveRetailer: s.string(9), vaultedDate: s.isNull(10) ? nil : Time.parseISO8601(bytes: s.bytes(10)),
            baseEstimatedValue: s.double(11), imageURL: s.string(12))
    }

    public func pop(id: String) throws -> FunkoPop? {
        let s = try db.prepare("SELECT \(Self.popColumns) FROM funko_pops WHERE id = ?")
        s.bind(1, id)
        return try s.step() ? readPop(s) : nil
    }

    /// In process, a query per id costs no round trip.
    public func pops(ids: [String]) throws -> [String: FunkoPop] {
        var out: [String: FunkoPop] = [:]
        for id in ids { out[id] = try pop(id: id) }
        return out
    }

    public func pops() throws -> [FunkoPop] {
        let s = try db.prepare("SELECT \(Self.popColumns) FROM funko_pops ORDER BY id")
        var out: [FunkoPop] = []
        while try s.step() { out.append(readPop(s)) }
        return out
    }

    /// Replaces the search words of `pops` (inside the caller's transaction).
    private func writeWords(for pops: [FunkoPop]) throws {
        let delete = try db.prepare("DELETE FROM pop_words WHERE pop_id = ?")
        let insert = try db.prepare("INSERT OR IGNORE INTO pop_words (word, pop_id) VALUES (?, ?)")
        for p in pops {
            delete.reset()
            delete.bind(1, p.id)
            try delete.run()
            for w in CatalogWords.words(of: p) {
                insert.reset()
                insert.bind(1, w)
                insert.bind(2, p.id)
                try insert.run()
            }
        }
    }

    public func searchPops(_ search: CatalogSearch) throws -> CatalogPage {
        // Each word is a range of the pop_words primary key; names that start with the text rank first.
        var conditions: [String] = []
        var params: [String] = []
        for w in search.words {
            conditions.append("id IN (SELECT pop_id FROM pop_words WHERE word >= ? AND word < ?)")
            params += [w, CatalogWords.end(w)]
        }
        if let series = search.series {
            conditions.append("series = ? COLLATE NOCASE")
            params.append(series)
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let count = try db.prepare("SELECT COUNT(*) FROM funko_pops \(filter)")
        for (i, v) in params.enumerated() { count.bind(Int32(i + 1), v) }
        _ = try count.step()
        var rank = ""
        var rankParams: [String] = []
        if !search.words.isEmpty {
            let whole = search.words.map { _ in "id IN (SELECT pop_id FROM pop_words WHERE word = ?)" }
            rank =
                "CASE WHEN name LIKE ? ESCAPE '\\' THEN 0 WHEN \(whole.joined(separator: " AND ")) THEN 1 ELSE 2 END, "
            rankParams = [search.namePrefixPattern] + search.words
        }
        let page = try db.prepare(
            "SELECT \(Self.popColumns) FROM funko_pops \(filter) ORDER BY \(rank)name, id LIMIT ?")
        let bound = params + rankParams
        for (i, v) in bound.enumerated() { page.bind(Int32(i + 1), v) }
        page.bind(Int32(bound.count + 1), search.limit)
        var pops: [FunkoPop] = []
        while try page.step() { pops.append(readPop(page)) }
        let last = try lastSales(popIDs: pops.map(\.id))
        return CatalogPage(hits: pops.map { CatalogHit(pop: $0, lastSale: last[$0.id]) }, total: Int(count.int(0)))
    }

    public func lastSales(popIDs: [String]) throws -> [String: LastSale] {
        let s = try db.prepare(
            "SELECT price, sold_at FROM price_history WHERE funko_pop_id = ? ORDER BY sold_at DESC, id DESC LIMIT 1")
        var out: [String: LastSale] = [:]
        for id in popIDs {
            s.reset()
            s.bind(1, id)
            if try s.step() {
                out[id] = LastSale(price: s.double(0), soldAt: Time.parseISO8601(bytes: s.bytes(1)) ?? 0)
            }
        }
        return out
    }

    public func existingPopIDs(_ ids: Set<String>) throws -> Set<String> {
        let s = try db.prepare("SELECT 1 FROM funko_pops WHERE id = ?")
        var found = Set<String>()
        for id in ids {
            s.reset()
            s.bind(1, id)
            if try s.step() { found.insert(id) }
        }
        return found
    }

    public func sales(popID: String, from: EpochSeconds, until: EpochSeconds) throws -> [Sale] {
        let s = try db.prepare(
            """
            SELECT sold_at, price, condition, marketplace, source, external_id FROM price_history
            WHERE funko_pop_id = ? AND sold_at >= ? AND sold_at < ? ORDER BY sold_at, id
            """)
        s.bind(1, popID)
        s.bind(2, Time.iso8601(from))
        s.bind(3, Time.iso8601(until))
        var out: [Sale] = []
        while try s.step() {
            out.append(
                Sale(
                    popID: popID, soldAt: Time.parseISO8601(bytes: s.bytes(0)) ?? 0, price: s.double(1),
                    condition: Condition(rawValue: s.string(2) ?? "") ?? .mint,
                    marketplace: Marketplace(rawValue: s.string(3) ?? "") ?? .other,
                    source: s.string(4) ?? "", externalID: s.string(5)))
        }
        return out
    }

    public func sales(popIDs: [String], from: EpochSeconds, until: EpochSeconds) throws -> [String: [Sale]] {
        var out: [String: [Sale]] = [:]
        for id in Set(popIDs) {
            let sales = try sales(popID: id, from: from, until: until)
            if !sales.isEmpty { out[id] = sales }
        }
        return out
    }

    public func salesTable(since: EpochSeconds?) throws -> SalesTable {
        let catalog = try pops()
        var index = [String: Int32](minimumCapacity: catalog.count)
        for (i, p) in catalog.enumerated() { index[p.id] = Int32(i) }
        var table = SalesTable(pops: catalog)
        let filter = since == nil ? "" : "WHERE sold_at >= ?"
        let countStmt = try db.prepare("SELECT COUNT(*) FROM price_history \(filter)")
        if let since { countStmt.bind(1, Time.iso8601(since)) }
        _ = try countStmt.step()
        let total = Int(countStmt.int(0))
        table.reserve(total)
        let s = try db.prepare(
            """
            SELECT funko_pop_id, sold_at, price, condition, marketplace FROM price_history
            \(filter) ORDER BY funko_pop_id, sold_at, id
            """)
        if let since { s.bind(1, Time.iso8601(since)) }
        let progress = Progress("Loading sales", total: total)
        var lastID: [UInt8] = []
        var lastIndex: Int32 = -1
        let conditions = Condition.allCases.map { Array($0.rawValue.utf8) }
        let markets = Marketplace.allCases.map { Array($0.rawValue.utf8) }
        while try s.step() {
            let idBytes = s.bytes(0)
            if !idBytes.elementsEqual(lastID) {
                lastID = Array(idBytes)
                lastIndex = index[String(decoding: idBytes, as: UTF8.self)] ?? -1
            }
            guard lastIndex >= 0, let t = Time.parseISO8601(bytes: s.bytes(1)) else { continue }
            let cb = s.bytes(3)
            let mb = s.bytes(4)
            let c = conditions.firstIndex { cb.elementsEqual($0) } ?? 0
            let m = markets.firstIndex { mb.elementsEqual($0) } ?? Marketplace.allCases.count - 1
            table.pop.append(lastIndex)
            table.soldAt.append(t)
            table.price.append(s.double(2))
            table.condition.append(UInt8(Condition.allCases[c].score))
            table.marketplace.append(UInt8(m))
            progress.update(table.count)
        }
        progress.finish()
        // SQL orders ids as text; the catalog array is in the same order, so this is a no-op check.
        table.sortByPopAndTime()
        return table
    }

    public func counts() throws -> CatalogCounts {
        let s = try db.prepare(
            """
            SELECT (SELECT COUNT(*) FROM funko_pops), COUNT(*), MIN(sold_at), MAX(sold_at) FROM price_history
            """)
        _ = try s.step()
        return CatalogCounts(pops: Int(s.int(0)), sales: Int(s.int(1)), firstSale: s.string(2), lastSale: s.string(3))
    }
}
