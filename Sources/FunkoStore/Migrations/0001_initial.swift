/// The schema (docs/architecture.md, "Where state lives"): catalog, sales, and indexes for the hot
/// queries (one Pop's sales in a window; all sales since a date). Times are stored as ISO 8601 UTC
/// text in SQLite (sortable, readable with the sqlite3 CLI) and as timestamptz in PostgreSQL.
let m0001Initial = Migration(
    version: 1,
    name: "initial",
    sqlite: """
        CREATE TABLE funko_pops (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            series TEXT NOT NULL,
            character TEXT NOT NULL,
            funko_number INTEGER NOT NULL,
            release_date TEXT NOT NULL,
            is_chase INTEGER NOT NULL CHECK (is_chase IN (0, 1)),
            is_exclusive INTEGER NOT NULL CHECK (is_exclusive IN (0, 1)),
            is_vaulted INTEGER NOT NULL CHECK (is_vaulted IN (0, 1)),
            exclusive_retailer TEXT,
            vaulted_date TEXT,
            base_estimated_value REAL NOT NULL CHECK (base_estimated_value >= 0),
            image_url TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        CREATE TABLE price_history (
            id INTEGER PRIMARY KEY,
            funko_pop_id TEXT NOT NULL REFERENCES funko_pops(id) ON DELETE CASCADE,
            sold_at TEXT NOT NULL,
            price REAL NOT NULL CHECK (price > 0),
            condition TEXT NOT NULL CHECK (condition IN ('mint', 'near_mint', 'good', 'fair', 'poor')),
            marketplace TEXT NOT NULL CHECK (marketplace IN ('ebay', 'mercari', 'amazon', 'whatnot', 'facebook', 'funko_shop', 'other')),
            source TEXT NOT NULL,
            external_id TEXT NOT NULL,
            UNIQUE (source, external_id)
        );
        CREATE INDEX price_history_pop_sold_at ON price_history (funko_pop_id, sold_at);
        CREATE INDEX price_history_sold_at ON price_history (sold_at);
        """,
    postgres: """
        CREATE TABLE funko_pops (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            series TEXT NOT NULL,
            character TEXT NOT NULL,
            funko_number INTEGER NOT NULL,
            release_date DATE NOT NULL,
            is_chase BOOLEAN NOT NULL,
            is_exclusive BOOLEAN NOT NULL,
            is_vaulted BOOLEAN NOT NULL,
            exclusive_retailer TEXT,
            vaulted_date DATE,
            base_estimated_value NUMERIC(12, 2) NOT NULL CHECK (base_estimated_value >= 0),
            image_url TEXT,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        CREATE TABLE price_history (
            id BIGSERIAL PRIMARY KEY,
            funko_pop_id TEXT NOT NULL REFERENCES funko_pops(id) ON DELETE CASCADE,
            sold_at TIMESTAMPTZ NOT NULL,
            price NUMERIC(12, 2) NOT NULL CHECK (price > 0),
            condition TEXT NOT NULL CHECK (condition IN ('mint', 'near_mint', 'good', 'fair', 'poor')),
            marketplace TEXT NOT NULL CHECK (marketplace IN ('ebay', 'mercari', 'amazon', 'whatnot', 'facebook', 'funko_shop', 'other')),
            source TEXT NOT NULL,
            external_id TEXT NOT NULL,
            UNIQUE (source, external_id)
        );
        CREATE INDEX price_history_pop_sold_at ON price_history (funko_pop_id, sold_at);
        CREATE INDEX price_history_sold_at ON price_history (sold_at);
        """
)
