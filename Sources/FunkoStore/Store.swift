import FunkoCore

/// Catalog and sales persistence. SQLite is the embedded default; PostgreSQL/Supabase implements
/// the same protocol and runs the same store tests.
public protocol Store: AnyObject {
    /// Applies pending migrations in order; returns the versions applied now.
    @discardableResult func migrate() throws -> [Int]
    /// Highest applied migration version (0 for an empty database).
    func schemaVersion() throws -> Int
    /// Runs `body` in one transaction: all of its writes land, or none do.
    func transaction<T>(_ body: () throws -> T) throws -> T
    /// Inserts new Pops and updates changed ones; unchanged rows are left alone (idempotent).
    func upsertPops(_ pops: [FunkoPop]) throws -> UpsertCount
    /// Inserts sales; a sale whose (source, external_id) is already stored is skipped.
    /// Returns how many were inserted.
    func insertSales(_ sales: [Sale]) throws -> Int
    func pop(id: String) throws -> FunkoPop?
    func pops() throws -> [FunkoPop]
    /// Ids from `ids` that exist in the catalog.
    func existingPopIDs(_ ids: Set<String>) throws -> Set<String>
    /// One Pop's sales with `from <= sold_at < until`, oldest first.
    func sales(popID: String, from: EpochSeconds, until: EpochSeconds) throws -> [Sale]
    /// Every sale with `sold_at >= since` as columns grouped by Pop, oldest first within a Pop.
    func salesTable(since: EpochSeconds?) throws -> SalesTable
    func counts() throws -> CatalogCounts
}

public struct UpsertCount: Equatable, Sendable {
    public var inserted: Int
    public var updated: Int
    public var unchanged: Int
    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
    }
}

/// Which store to use: PostgreSQL when `SUPABASE_DB_URL` (or `DATABASE_URL`) is set, else the
/// embedded SQLite file at `--db`, `FUNKO_DB`, or `data/funko.sqlite`.
public enum StoreLocation {
    public static let defaultSQLitePath = "data/funko.sqlite"

    public static func sqlitePath(flag: String?, environment: [String: String]) -> String {
        flag ?? environment["FUNKO_DB"] ?? defaultSQLitePath
    }

    public static func databaseURL(environment: [String: String]) -> String? {
        (environment["SUPABASE_DB_URL"] ?? environment["DATABASE_URL"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `--db` names a SQLite file, so it wins over a database URL in the environment.
    public static func open(flag: String?, environment: [String: String]) throws -> Store {
        if flag == nil, let url = databaseURL(environment: environment) { return try PostgresStore(url: url) }
        return try SQLiteStore(path: sqlitePath(flag: flag, environment: environment))
    }
}
