/// Catalog search (`GET /pops`) by index, not by scanning the catalog: `pop_words` holds every
/// word of each Pop's name, character and box number (as `CatalogWords` splits them) in byte
/// order, so "the Pops with a word starting with bat" is a range of a B-tree in both stores.
/// Indexes on name and series serve the listing order and the series filter. The words of Pops
/// already stored are written by the migration's backfill.
let m0002CatalogSearch = Migration(
    version: 2,
    name: "catalog_search",
    sqlite: """
        CREATE TABLE pop_words (
            word TEXT NOT NULL,
            pop_id TEXT NOT NULL REFERENCES funko_pops(id) ON DELETE CASCADE,
            PRIMARY KEY (word, pop_id)
        ) WITHOUT ROWID;
        CREATE INDEX pop_words_pop ON pop_words (pop_id);
        CREATE INDEX funko_pops_name ON funko_pops (name, id);
        CREATE INDEX funko_pops_series ON funko_pops (series COLLATE NOCASE, name, id);
        """,
    postgres: """
        CREATE TABLE pop_words (
            word TEXT COLLATE "C" NOT NULL,
            pop_id TEXT NOT NULL REFERENCES funko_pops(id) ON DELETE CASCADE,
            PRIMARY KEY (word, pop_id)
        );
        CREATE INDEX pop_words_pop ON pop_words (pop_id);
        CREATE INDEX funko_pops_name ON funko_pops (name, id);
        CREATE INDEX funko_pops_series ON funko_pops (lower(series), name, id);
        """,
    backfill: .catalogWords
)
