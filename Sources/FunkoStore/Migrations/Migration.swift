/// A versioned schema change. Each one lives in its own file (`NNNN_name.swift`) with the SQL for
/// every backend; the tool applies them in order and records them in `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sqlite: String
    public let postgres: String
    /// Data the SQL cannot derive by itself, written in the same transaction.
    public var backfill: Backfill?

    public enum Backfill: Sendable {
        /// Every stored Pop's search words (`CatalogWords`).
        case catalogWords
    }

    init(version: Int, name: String, sqlite: String, postgres: String, backfill: Backfill? = nil) {
        self.version = version
        self.name = name
        self.sqlite = sqlite
        self.postgres = postgres
        self.backfill = backfill
    }
}

public enum Migrations {
    /// All migrations, oldest first. Append; never edit one that has shipped.
    public static let all: [Migration] = [m0001Initial, m0002CatalogSearch]
}
