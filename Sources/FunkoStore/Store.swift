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
    /// The Pops of `ids` that exist, by id: one query however many ids (a batch's catalog read).
    func pops(ids: [String]) throws -> [String: FunkoPop]
    func pops() throws -> [FunkoPop]
    /// One page of the catalog search, best matches first (see `CatalogSearch`), with each Pop's
    /// newest sale; without words, the catalog (or the series) by name.
    func searchPops(_ search: CatalogSearch) throws -> CatalogPage
    /// The newest sale of each of `popIDs` that has one.
    func lastSales(popIDs: [String]) throws -> [String: LastSale]
    /// Ids from `ids` that exist in the catalog.
    func existingPopIDs(_ ids: Set<String>) throws -> Set<String>
    /// One Pop's sales with `from <= sold_at < until`, oldest first.
    func sales(popID: String, from: EpochSeconds, until: EpochSeconds) throws -> [Sale]
    /// The sales of each of `popIDs` with `from <= sold_at < until`, oldest first within a Pop:
    /// one query however many Pops (a batch's history read). Pops without sales are absent.
    func sales(popIDs: [String], from: EpochSeconds, until: EpochSeconds) throws -> [String: [Sale]]
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
