#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress for long steps: a self-updating line on an interactive terminal, nothing at all in CI
/// logs or when stderr is redirected (so logs stay readable). Updates are rate-limited, so calling
/// `update` in a hot loop costs a compare; it may be called from several threads.
public final class Progress: @unchecked Sendable {
    public static var isInteractive: Bool {
        isatty(2) == 1 && getenv("CI") == nil && getenv("FUNKO_NO_PROGRESS") == nil
    }

    private let label: String
    private let total: Int
    private let enabled: Bool
    private var nextCheck = 0
    private var lastDraw = 0.0
    private let start = Time.monotonic()
    private let lock = Mutex()

    public init(_ label: String, total: Int, enabled: Bool = Progress.isInteractive) {
        self.label = label
        self.total = max(total, 1)
        self.enabled = enabled
    }

    @inline(__always) public func update(_ done: Int) {
        guard enabled else { return }
        lock.locked { draw(done) }
    }

    private func draw(_ done: Int) {
        guard done >= nextCheck else { return }
        nextCheck = done + max(total / 1000, 1)
        let now = Time.monotonic()
        guard now - lastDraw > 0.1 else { return }
        lastDraw = now
        let pct = min(100, done * 100 / total)
        writeStderr("\r\(label): \(pct)% (\(done)/\(total))\u{1B}[K")
    }

    public func finish() {
        guard enabled else { return }
        let secs = Int((Time.monotonic() - start) * 10)
        writeStderr("\r\(label): done in \(secs / 10).\(secs % 10)s\u{1B}[K\n")
    }
}

/// A pthread mutex (no Foundation in the Lambda binaries).
public final class Mutex: @unchecked Sendable {
    private var m = pthread_mutex_t()
    public init() { pthread_mutex_init(&m, nil) }
    deinit { pthread_mutex_destroy(&m) }
    public func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&m)
        defer { pthread_mutex_unlock(&m) }
        return try body()
    }
}

/// Writes to file descriptor 2 unbuffered (progress, errors, logs).
public func writeStderr(_ text: String) { writeAll(2, text) }

/// Writes to file descriptor 1 unbuffered: whole lines, never interleaved with buffered output.
public func writeStdout(_ text: String) { writeAll(1, text) }

func writeAll(_ fd: Int32, _ text: String) {
    var t = text
    t.withUTF8 { b in
        var off = 0
        while off < b.count {
            let n = write(fd, b.baseAddress! + off, b.count - off)
            if n <= 0 { break }
            off += n
        }
    }
}
