import Foundation
import Testing

@testable import FunkoCore
@testable import FunkoData
@testable import FunkoFeatures
@testable import FunkoModel
@testable import FunkoStore

/// A fresh temporary folder per test, removed at deinit.
final class TempDir: Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "funko-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { "\(path)/\(name)" }
}

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A small generated market, fixed end date so tests are reproducible.
func smallMarket(pops: Int = 120, days: Int = 500, seed: UInt64 = 3) -> MarketGenerator {
    var c = MarketGenerator.Config()
    c.pops = pops
    c.days = days
    c.seed = seed
    c.endDay = CivilDate(year: 2025, month: 6, day: 30).dayNumber
    c.salesRate = 0.2
    return MarketGenerator(config: c)
}

/// Twelve more sales beside each sale of the newest week: a volume spike the quality gate must refuse.
func newestWeekSpike(_ table: SalesTable) -> [Sale] {
    let last = table.soldAt.max() ?? 0
    var spike: [Sale] = []
    for i in 0..<table.count where table.soldAt[i] > last - 7 * secondsPerDay {
        for k in 0..<12 {
            spike.append(
                Sale(
                    popID: table.pops[Int(table.pop[i])].id, soldAt: table.soldAt[i] - Int64(k),
                    price: table.price[i] + Double(k),
                    condition: .mint, marketplace: .ebay, source: "spike", externalID: "spike-\(k)-\(i)"))
        }
    }
    return spike
}

func quickConfig() -> TrainingConfig {
    var c = TrainingConfig()
    c.maxRounds = 60
    c.learningRate = 0.2
    c.threads = 2
    return c
}

/// Runs a command-line program and captures its output.
func runProcess(_ executable: String, _ args: [String], env: [String: String] = [:]) throws -> (
    status: Int32, stdout: String, stderr: String
) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The funko binary built with the tests (`FUNKO_BIN` overrides).
var funkoBinary: String {
    ProcessInfo.processInfo.environment["FUNKO_BIN"] ?? "\(packageRoot)/.build/debug/funko"
}

/// Runs blocking work (libcurl calls, child processes) on its own thread, so it never holds one
/// of the few cooperative threads that in-process servers (FlyingFox) need to answer it.
/// The caller waits for the thread, so `body` and its result are never used from two threads at
/// once: the unchecked box only carries them across.
func onThread<T>(_ body: @escaping () throws -> T) async throws -> T {
    let work = UncheckedBox(body)
    let result = try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<UncheckedBox<T>, Error>) in
        Thread { continuation.resume(with: Result { UncheckedBox(try work.value()) }) }.start()
    }
    return result.value
}

/// A fixture built once, on first use, and shared by the tests that ask for it. A failure to
/// build it fails each of those tests with the error, instead of crashing the whole run.
final class Shared<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, Error>?
    private let make: () throws -> T

    init(_ make: @escaping () throws -> T) { self.make = make }

    func get() throws -> T {
        try lock.withLock {
            let r = result ?? Result { try make() }
            result = r
            return try r.get()
        }
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Runs a test (or every test of a suite) on a thread of its own instead of Swift's cooperative
/// pool. The pool has one thread per core (two here); a test that blocks for seconds (training,
/// terraform, a child process) would otherwise starve the in-process servers other tests wait on.
struct OwnThread: TestTrait, SuiteTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void)
        async throws
    {
        guard testCase != nil else { return try await function() }  // the suite itself: its tests get their own
        let executor = ThreadExecutor()
        defer { executor.stop() }
        try await withTaskExecutorPreference(executor) { try await function() }
    }
}

extension Trait where Self == OwnThread {
    static var ownThread: OwnThread { OwnThread() }
}

/// A task executor with one dedicated thread.
final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    init() {
        let thread = Thread { [self] in
            while true {
                condition.lock()
                while jobs.isEmpty && !stopped { condition.wait() }
                if jobs.isEmpty {
                    condition.unlock()
                    return
                }
                let job = jobs.removeFirst()
                condition.unlock()
                job.runSynchronously(on: asUnownedTaskExecutor())
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }
}
