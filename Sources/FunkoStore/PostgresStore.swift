import CPostgres
import FunkoCore

#if canImport(Glibc)
    import Glibc
#endif

/// The production store: PostgreSQL (Supabase) over libpq, with the schema of the shared
/// migrations. Statements are unnamed and parameterised, so it works through Supabase's
/// transaction pooler (no prepared statement outlives its transaction).
public final class PostgresStore: Store {
    private var conn: OpaquePointer?
    private let url: String
    private var transactionDepth = 0

    /// `url` is a `postgresql://` URL or a libpq keyword string. Non-local hosts get
    /// `sslmode=require` unless the URL says otherwise.
    public init(url: String, migrate: Bool = true) throws {
        self.url = PostgresStore.withTLSDefault(url)
        try connect()
        if migrate { try self.migrate() }
    }

    deinit { PQfinish(conn) }

    static func withTLSDefault(_ url: String) -> String {
        guard !url.contains("sslmode=") else { return url }
        let local =
            ["@localhost", "@127.0.0.1", "@[::1]", "host=/", "host=localhost", "host=127.0.0.1"].contains {
                url.contains($0)
            }
            || url.hasPrefix("postgresql:///") || url.hasPrefix("postgres:///")
        if local { return url }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return url + (url.contains("?") ? "&" : "?") + "sslmode=require"
        }
        return url + " sslmode=require"
    }

    /// The URL without its password, for messages.
    var redactedURL: String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.firstRange(of: "://") else { return "the database" }
        let userInfo = url[scheme.upperBound..<at]
        let user = userInfo.split(separator: ":").first.map(String.init) ?? ""
        return String(url[..<scheme.upperBound]) + user + "@" + String(url[url.index(after: at)...])
    }

    /// libpq's messages span lines with tab-indented hints.
    static func oneLine(_ message: String) -> String {
        message.trimmed.split(whereSeparator: \.isNewline).map { String($0).trimmed }.joined(separator: "; ")
    }

    private func connect() throws {
        PQfinish(conn)
        conn = PQconnectdb(url)
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            throw FunkoError.unavailable(
                "database unavailable: cannot connect to \(redactedURL) (\(Self.oneLine(message)))")
        }
        // Server notices ("relation already exists, skipping") are not for the caller's stderr.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    /// Runs a statement with text parameters. A dropped connection is re-opened once, outside a
    /// transaction (inside one, the transaction is lost anyway and the error goes up).
    @discardableResult
    private func run(_ sql: String, _ params: [String?] = []) throws -> Result {
        if PQstatus(conn) != CONNECTION_OK, transactionDepth == 0 { PQreset(conn) }
        var result = execute(sql, params)
        if result.failed, PQstatus(conn) != CONNECTION_OK, transactionDepth == 0 {
            try connect()
            result = execute(sql, params)
        }
        guard !result.failed else {
            let message = result.error
            throw FunkoError.unavailable("database error at \(redactedURL): \(Self.oneLine(message))")
        }
        return result
    }

    /// Statements sent to the server so far: each is one network round trip (tests count them).
    public private(set) var roundTrips = 0

    private func execute(_ sql: String, _ params: [String?]) -> Result {
        roundTrips += 1
        // Migrations are multi-statement scripts, which only the simple protocol accepts.
        if params.isEmpty { return Result(PQexec(conn, sql), conn: conn) }
        var cStrings: [UnsafeMutablePointer<CChar>?] = params.map { $0.flatMap { strdup($0) } }
        defer { for s in cStrings { free(s) } }
        let res = cStrings.withUnsafeMutableBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(buf.count, 1)) {
                PQexecParams(conn, sql, Int32(params.count), nil, params.isEmpty ? nil : $0, nil, nil, 0)
            }
        }
        return Result(res, conn: conn)
    }

    final class Result {
        let res: OpaquePointer?
        let failed: Bool
        let error: String
        init(_ res: OpaquePointer?, conn: OpaquePointer?) {
            self.res = res
            let status = res.map(PQresultStatus) ?? PGRES_FATAL_ERROR
            failed = !(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
            error =
                failed
                ? (res.map { String(cString: PQresultErrorMessage($0)) }.flatMap { $0.isEmpty ? nil : $0 }
                    ?? conn.map { String(cString: PQerrorMessage($0)) } ?? "unknown error").trimmed : ""
        }
        deinit { PQclear(res) }
        var rows: Int { Int(PQntuples(res)) }
        var affected: Int { Int(String(cString: PQcmdTuples(res))) ?? 0 }
        func isNull(_ r: Int, _ c: Int) -> Bool { PQgetisnull(res, Int32(r), Int32(c)) == 1 }
        func string(_ r: Int, _ c: Int) -> String? {
            isNull(r, c) ? nil : String(cString: PQgetvalue(res, Int32(r), Int32(c)))
        }
        func int(_ r: Int, _ c: Int) -> Int64 { Int64(string(r, c) ?? "") ?? 0 }
        func double(_ r: Int, _ c: Int) -> Double { Double(string(r, c) ?? "") ?? 0 }
        func bool(_ r: Int, _ c: Int) -> Bool { string(r, c) == "t" }
    }

    @discardableResult
    public func migrate() throws -> [Int] {
        try run(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """)
        let current = try schemaVersion()
        var applied: [Int] = []
        for m in Migrations.all where m.version > current {
            try transaction {
                try run(m.postgres)
                if m.backfill == .catalogWords { try writeWords(for: try pops()) }
                try run("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [String(m.version), m.name])
            }
            applied.append(m.version)
        }
        return applied
    }

    public func schemaVersion() throws -> Int {
        Int(try run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").int(0, 0))
    }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if transactionDepth > 0 { return try body() }
        try run("BEGIN")
        transactionDepth += 1
        defer { transactionDepth -= 1 }
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            _ = execute("ROLLBACK", [])
            throw error
        }
    }

    public func upsertPops(_ pops: [FunkoPop]) throws -> UpsertCount {
        try transaction {
            var count = UpsertCount()
            var changed: [FunkoPop] = []
            for p in pops {
                // xmax = 0 marks a fresh insert; an unchanged row is filtered by the WHERE and returns nothing.
                let r = try run(
                    """
                    INSERT INTO funko_pops (id, name, series, character, funko_number, release_date, is_chase, is_exclusive,
                        is_vaulted, exclusive_retailer, vaulted_date, base_estimated_value, image_url)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                    ON CONFLICT (id) DO UPDATE SET
                        name = excluded.name, series = excluded.series, character = excluded.character,
                        funko_number = excluded.funko_number, release_date = excluded.release_date,
                        is_chase = excluded.is_chase, is_exclusive = excluded.is_exclusive, is_vaulted = excluded.is_vaulted,
                        exclusive_retailer = excluded.exclusive_retailer, vaulted_date = excluded.vaulted_date,
                        base_estimated_value = excluded.base_estimated_value, image_url = excluded.image_url, updated_at = now()
                    WHERE (funko_pops.name, funko_pops.series, funko_pops.character, funko_pops.funko_number, funko_pops.release_date,
                           funko_pops.is_chase, funko_pops.is_exclusive, funko_pops.is_vaulted, funko_pops.exclusive_retailer,
                           funko_pops.vaulted_date, funko_pops.base_estimated_value, funko_pops.image_url)
                      IS DISTINCT FROM (excluded.name, excluded.series, excluded.character, excluded.funko_number, excluded.release_date,
                           excluded.is_chase, excluded.is_exclusive, excluded.is_vaulted, excluded.exclusive_retailer,
                           excluded.vaulted_date, excluded.base_estimated_value, excluded.image_url)
                    RETURNING (xmax = 0)
                    """,
                    [
                        p.id, p.name, p.series, p.character, String(p.funkoNumber), Time.isoDate(p.releaseDate),
                        String(p.isChase),
                        String(p.isExclusive), String(p.isVaulted), p.exclusiveRetailer,
                        p.vaultedDate.map(Time.isoDate),
                        formatCents(p.baseEstimatedValue), p.imageURL,
                    ])
                if r.rows == 0 {
                    count.unchanged += 1
                } else if r.bool(0, 0) {
                    count.inserted += 1
                    changed.append(p)
                } else {
                    count.updated += 1
                    changed.append(p)
                }
            }
            try writeWords(for: changed)
            return count
        }
    }

    public func insertSales(_ sales: [Sale]) throws -> Int {
        try transaction {
            var inserted = 0
            // Multi-row statements (7 parameters a row, well under libpq's 65,535) keep round trips few.
            var start = 0
            while start < sales.count {
                let batch = sales[start..<min(start + 1000, sales.count)]
                var values: [String] = []
                var params: [String?] = []
                for (i, s) in batch.enumerated() {
                    let b = i * 7
                    values.append("($\(b + 1), $\(b + 2), $\(b + 3), $\(b + 4), $\(b + 5), $\(b + 6), $\(b + 7))")
                    params += [
                        s.popID, Time.iso8601(s.soldAt), formatCents(s.price), s.condition.rawValue,
                        s.marketplace.rawValue, s.source, s.externalID,
                    ]
                }
                inserted += try run(
                    """
                    INSERT INTO price_history (funko_pop_id, sold_at, price, condition, marketplace, source, external_id)
                    VALUES \(values.joined(separator: ", ")) ON CONFLICT (source, external_id) DO NOTHING
                    """, params
                ).affected
                start += batch.count
            }
            return inserted
        }
    }

    private static let popColumns = """
        id, name, series, character, funko_number, to_char(release_date, 'YYYY-MM-DD'), is_chase, is_exclusive, is_vaulted,
        exclusive_retailer, to_char(vaulted_date, 'YYYY-MM-DD'), base_estimated_value, image_url
        """

    private func pop(_ r: Result, _ i: Int) -> FunkoPop {
        FunkoPop(
            id: r.string(i, 0) ?? "", name: r.string(i, 1) ?? "", series: r.string(i, 2) ?? "",
            character: r.string(i, 3) ?? "",
            funkoNumber: Int(r.int(i, 4)), releaseDate: Time.parseISO8601(r.string(i, 5) ?? "") ?? 0,
            isChase: r.bool(i, 6), isExclusive: r.bool(i, 7), isVaulted: r.bool(i, 8),
            exclusiveRetailer: r.string(i, 9),
            vaultedDate: r.string(i, 10).flatMap { Time.parseISO8601($0) }, baseEstimatedValue: r.double(i, 11),
            imageURL: r.string(i, 12))
    }

    public func pop(id: String) throws -> FunkoPop? {
        let r = try run("SELECT \(Self.popColumns) FROM funko_pops WHERE id = $1", [id])
        return r.rows > 0 ? pop(r, 0) : nil
    }

    public func pops(ids: [String]) throws -> [String: FunkoPop] {
        guard !ids.isEmpty else { return [:] }
        let r = try run(
            "SELECT \(Self.popColumns) FROM funko_pops WHERE id = ANY($1::text[])", [Self.arrayLiteral(Set(ids))])
        var out: [String: FunkoPop] = [:]
        for i in 0..<r.rows {
            let p = pop(r, i)
            out[p.id] = p
        }
        return out
    }

    public func pops() throws -> [FunkoPop] {
        let r = try run("SELECT \(Self.popColumns) FROM funko_pops ORDER BY id COLLATE \"C\"")
        return (0..<r.rows).map { pop(r, $0) }
    }

    /// A `text[]` literal: one parameter however many values.
    static func arrayLiteral<S: Sequence>(_ values: S) -> String where S.Element == String {
        "{"
            + values.map { "\"" + $0.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    public func existingPopIDs(_ ids: Set<String>) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let r = try run("SELECT id FROM funko_pops WHERE id = ANY($1::text[])", [Self.arrayLiteral(ids)])
        return Set((0..<r.rows).compactMap { r.string($0, 0) })
    }

    /// Replaces the search words of `pops` in two statements (inside the caller's transaction).
    private func writeWords(for pops: [FunkoPop]) throws {
        guard !pops.isEmpty else { return }
        var words: [String] = []
        var owners: [String] = []
        for p in pops {
            for w in CatalogWords.words(of: p) {
                words.append(w)
                owners.append(p.id)
            }
        }
        try run("DELETE FROM pop_words WHERE pop_id = ANY($1::text[])", [Self.arrayLiteral(pops.map(\.id))])
        try run(
            "INSERT INTO pop_words (word, pop_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            [Self.arrayLiteral(words), Self.arrayLiteral(owners)])
    }

    public func searchPops(_ search: CatalogSearch) throws -> CatalogPage {
        // Each word is a range of the pop_words primary key (byte order); names that start with
        // the text rank first. The page is cut first, then each of its Pops gets its newest sale.
        var params: [String?] = []
        func param(_ v: String) -> String {
            params.append(v)
            return "$\(params.count)"
        }
        var conditions: [String] = []
        for w in search.words {
            conditions.append(
                "p.id IN (SELECT pop_id FROM pop_words WHERE word >= \(param(w)) AND word < \(param(CatalogWords.end(w))))"
            )
        }
        if let series = search.series { conditions.append("lower(p.series) = lower(\(param(series)))") }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        var rank = "0"
        if !search.words.isEmpty {
            let prefix = param(search.namePrefixPattern)
            let whole = search.words.map { "p.id IN (SELECT pop_id FROM pop_words WHERE word = \(param($0)))" }
            rank = "CASE WHEN p.name ILIKE \(prefix) THEN 0 WHEN \(whole.joined(separator: " AND ")) THEN 1 ELSE 2 END"
        }
        let r = try run(
            """
            WITH page AS (
                SELECT p.id, p.name, p.series, p.character, p.funko_number,
                       to_char(p.release_date, 'YYYY-MM-DD') AS release_date, p.is_chase, p.is_exclusive, p.is_vaulted,
                       p.exclusive_retailer, to_char(p.vaulted_date, 'YYYY-MM-DD') AS vaulted_date,
                       p.base_estimated_value, p.image_url, \(rank) AS match_rank, count(*) OVER () AS total
                FROM funko_pops p \(filter)
                ORDER BY match_rank, p.name, p.id LIMIT \(param(String(search.limit))))
            SELECT page.id, page.name, page.series, page.character, page.funko_number, page.release_date,
                   page.is_chase, page.is_exclusive, page.is_vaulted, page.exclusive_retailer, page.vaulted_date,
                   page.base_estimated_value, page.image_url, last.price, extract(epoch FROM last.sold_at)::bigint,
                   page.total
            FROM page LEFT JOIN LATERAL (
                SELECT h.price, h.sold_at FROM price_history h WHERE h.funko_pop_id = page.id
                ORDER BY h.sold_at DESC, h.id DESC LIMIT 1) last ON true
            ORDER BY page.match_rank, page.name, page.id
            """, params)
        let hits = (0..<r.rows).map { i in
            CatalogHit(
                pop: pop(r, i), lastSale: r.isNull(i, 13) ? nil : LastSale(price: r.double(i, 13), soldAt: r.int(i, 14))
            )
        }
        // An empty page means no match; otherwise every row carries the count of all matches.
        return CatalogPage(hits: hits, total: r.rows == 0 ? 0 : Int(r.int(0, 15)))
    }

    public func lastSales(popIDs: [String]) throws -> [String: LastSale] {
        guard !popIDs.isEmpty else { return [:] }
        let r = try run(
            """
            SELECT ids.id, last.price, extract(epoch FROM last.sold_at)::bigint
            FROM unnest($1::text[]) AS ids(id) JOIN LATERAL (
                SELECT h.price, h.sold_at FROM price_history h WHERE h.funko_pop_id = ids.id
                ORDER BY h.sold_at DESC, h.id DESC LIMIT 1) last ON true
            """, [Self.arrayLiteral(popIDs)])
        var out: [String: LastSale] = [:]
        for i in 0..<r.rows { out[r.string(i, 0) ?? ""] = LastSale(price: r.double(i, 1), soldAt: r.int(i, 2)) }
        return out
    }

    public func sales(popID: String, from: EpochSeconds, until: EpochSeconds) throws -> [Sale] {
        try sales(popIDs: [popID], from: from, until: until)[popID] ?? []
    }

    public func sales(popIDs: [String], from: EpochSeconds, until: EpochSeconds) throws -> [String: [Sale]] {
        guard !popIDs.isEmpty else { return [:] }
        let r = try run(
            """
            SELECT funko_pop_id, extract(epoch FROM sold_at)::bigint, price, condition, marketplace, source, external_id
            FROM price_history
            WHERE funko_pop_id = ANY($1::text[]) AND sold_at >= to_timestamp($2) AND sold_at < to_timestamp($3)
            ORDER BY funko_pop_id, sold_at, id
            """, [Self.arrayLiteral(Set(popIDs)), String(from), String(until)])
        var out: [String: [Sale]] = [:]
        for i in 0..<r.rows {
            let id = r.string(i, 0) ?? ""
            out[id, default: []].append(
                Sale(
                    popID: id, soldAt: r.int(i, 1), price: r.double(i, 2),
                    condition: Condition(rawValue: r.string(i, 3) ?? "") ?? .mint,
                    marketplace: Marketplace(rawValue: r.string(i, 4) ?? "") ?? .other, source: r.string(i, 5) ?? "",
                    externalID: r.string(i, 6)))
        }
        return out
    }

    public func salesTable(since: EpochSeconds?) throws -> SalesTable {
        let catalog = try pops()
        var index = [String: Int32](minimumCapacity: catalog.count)
        for (i, p) in catalog.enumerated() { index[p.id] = Int32(i) }
        var table = SalesTable(pops: catalog)
        let r = try run(
            """
            SELECT funko_pop_id, extract(epoch FROM sold_at)::bigint, price, condition, marketplace FROM price_history
            \(since == nil ? "" : "WHERE sold_at >= to_timestamp($1)") ORDER BY funko_pop_id COLLATE "C", sold_at, id
            """, since.map { [String($0)] } ?? [])
        table.reserve(r.rows)
        for i in 0..<r.rows {
            guard let p = index[r.string(i, 0) ?? ""] else { continue }
            table.append(
                pop: p, soldAt: r.int(i, 1), price: r.double(i, 2),
                condition: Condition(rawValue: r.string(i, 3) ?? "") ?? .mint,
                marketplace: Marketplace(rawValue: r.string(i, 4) ?? "") ?? .other)
        }
        table.sortByPopAndTime()
        return table
    }

    public func counts() throws -> CatalogCounts {
        let r = try run(
            """
            SELECT (SELECT COUNT(*) FROM funko_pops), COUNT(*),
                   to_char(MIN(sold_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   to_char(MAX(sold_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM price_history
            """)
        return CatalogCounts(
            pops: Int(r.int(0, 0)), sales: Int(r.int(0, 1)), firstSale: r.string(0, 2), lastSale: r.string(0, 3))
    }
}
