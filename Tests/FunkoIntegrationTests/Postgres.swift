import Foundation
import FunkoTestSupport

@testable import FunkoCore
@testable import FunkoStore

/// A real PostgreSQL server for the tests: initdb in a temporary folder, started on a free
/// loopback port, stopped by a watchdog when the test process ends. Each test gets a database
/// of its own.
final class Postgres: @unchecked Sendable {
    private static let instance = Shared { try Postgres() }
    /// Started on first use; a server that cannot start fails each test that asks for it.
    static var shared: Postgres { get throws { try instance.get() } }

    let port: Int
    let dataDir: String
    let bin: String
    private var counter = 0
    private let lock = Mutex()

    init() throws {
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
        bin = ProcessInfo.processInfo.environment["FUNKO_PG_BIN"] ?? "/usr/lib/postgresql/\(installed ?? "15")/bin"
        port = Moto.freePort()
        dataDir = NSTemporaryDirectory() + "funko-pg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        // PostgreSQL refuses to run as root: as root, run it as the postgres user.
        if getuid() == 0 { _ = try runProcess("/bin/chown", ["postgres:postgres", dataDir]) }
        let initdb = try Postgres.asServerUser(
            "\(bin)/initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync"])
        guard initdb.status == 0 else { throw FunkoError.unavailable("initdb failed: \(initdb.stderr)") }
        try start()
        let stop =
            (getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [
                "\(bin)/pg_ctl", "-D", dataDir, "-m", "immediate", "stop",
            ]
        let watchdog = Process()
        watchdog.executableURL = URL(
            fileURLWithPath: ProcessInfo.processInfo.environment["FUNKO_PYTHON"] ?? "/usr/bin/python3")
        watchdog.arguments = ["\(packageRoot)/Tests/python/watchdog.py", String(getpid())] + stop
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
    }

    /// Stops the server as an outage would (fast shutdown: open connections are dropped).
    func stop() throws {
        let r = try Postgres.asServerUser("\(bin)/pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"])
        guard r.status == 0 else { throw FunkoError.unavailable("pg_ctl stop failed: \(r.stderr)") }
    }

    /// Starts the server (again) on its port and waits until it accepts connections. Through
    /// /bin/sh with output to the log: the server must not inherit a pipe of ours.
    func start() throws {
        let runAs = getuid() == 0 ? "/usr/sbin/runuser -u postgres -- " : ""
        let command =
            "\(runAs)\(bin)/pg_ctl -D \(dataDir) -l \(dataDir)/server.log -w -o '-p \(port) -k \(dataDir) -c listen_addresses=127.0.0.1 -c fsync=off' start >/dev/null 2>&1 </dev/null"
        guard system(command) == 0 else {
            throw FunkoError.unavailable(
                "pg_ctl start failed: \((try? String(contentsOfFile: "\(dataDir)/server.log", encoding: .utf8)) ?? "")")
        }
    }

    static func asServerUser(_ tool: String, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String)
    {
        getuid() == 0
            ? try runProcess("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + args) : try runProcess(tool, args)
    }

    func url(database: String) -> String { "postgresql://postgres@127.0.0.1:\(port)/\(database)" }

    /// A new, empty database.
    func freshDatabase() throws -> String {
        let name = lock.locked {
            counter += 1
            return "funko_test_\(counter)"
        }
        let r = try runProcess(
            "\(bin)/psql",
            [
                "-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                "-c", "CREATE DATABASE \(name)",
            ])
        guard r.status == 0 else { throw FunkoError.unavailable("CREATE DATABASE failed: \(r.stderr)") }
        return url(database: name)
    }
}
