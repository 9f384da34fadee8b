import CSQLite
import FunkoCore

/// A thin, checked wrapper over one sqlite3 connection.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String

    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw FunkoError.unavailable("cannot open database \(path): \(msg)")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, 5000)
        // A 256 MB page cache keeps index inserts (10M-sale imports) off the disk.
        try exec(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -262144;"
        )
    }

    deinit { sqlite3_close_v2(handle) }

    func exec(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw FunkoError.unavailable("database \(path): \(msg)")
        }
    }

    func prepare(_ sql: String) throws -> Statement {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw FunkoError.unavailable("database \(path): \(String(cString: sqlite3_errmsg(handle)))")
        }
        return Statement(stmt, connection: self)
    }

    var changes: Int { Int(sqlite3_changes(handle)) }

    func error() -> FunkoError {
        FunkoError.unavailable("database \(path): \(String(cString: sqlite3_errmsg(handle)))")
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

final class Statement {
    let stmt: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }

    deinit { sqlite3_finalize(stmt) }

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    func bind(_ i: Int32, _ v: String?) {
        if let v { sqlite3_bind_text(stmt, i, v, -1, transient) } else { sqlite3_bind_null(stmt, i) }
    }
    func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(stmt, i, v) }
    func bind(_ i: Int32, _ v: Int) { sqlite3_bind_int64(stmt, i, Int64(v)) }
    func bind(_ i: Int32, _ v: Bool) { sqlite3_bind_int(stmt, i, v ? 1 : 0) }
    func bind(_ i: Int32, _ v: Double) { sqlite3_bind_double(stmt, i, v) }

    /// Steps once: true when a row is available, false when done.
    func step() throws -> Bool {
        switch sqlite3_step(stmt) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error()
        }
    }

    func run() throws { while try step() {} }

    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
    func string(_ i: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, i) else { return nil }
        return String(cString: p)
    }
    /// The column's bytes without copying, valid until the next step.
    func bytes(_ i: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let p = sqlite3_column_text(stmt, i) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, i)))
    }
}
