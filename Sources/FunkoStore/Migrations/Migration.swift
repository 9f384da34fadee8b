/// A versioned schema change. Each one lives in its own file (`NNNN_name.swift`) with the SQL for
/// every backend; the tool applies them in order and records them in `schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sqlite: String
    public let postgres: String
}

public enum Migrations {
    /// All migrations, oldest first. Append; never edit one that has shipped.
    public static let all: [Migration] = [m0001Initial]
}
