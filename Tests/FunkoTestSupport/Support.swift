import Foundation
import FunkoCore
import FunkoData
import FunkoModel
import Testing

// What both test tiers share (Tests/FunkoUnitTests, Tests/FunkoIntegrationTests): temporary
// folders, the small generated market, child processes, threads for blocking work, and fixtures
// built once. Nothing here starts a server or needs a tool beyond the package's own libraries.

/// A fresh temporary folder per test, removed at deinit.
package final class TempDir: Sendable {
    package let path: String
    package init() throws {
        path = NSTemporaryDirectory() + "funko-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    package func file(_ name: String) -> String { "\(path)/\(name)" }
}

/// The package's root folder (the one with Package.swift).
package let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A small generated market, fixed end date so tests are reproducible.
package func smallMarket(pops: Int = 120, days: Int = 500, seed: UInt64 = 3) -> MarketGenerator {
    var c = MarketGenerator.Config()
    c.pops = pops
    c.days = days
    c.seed = seed
    c.endDay = CivilDate(year: 2025, month: 6, day: 30).dayNumber
    c.salesRate = 0.2
    return MarketGenerator(config: c)
}

/// Twelve more sales beside each sale of the newest week: a volume spike the quality gate must refuse.
package func newestWeekSpike(_ table: SalesTable) -> [Sale] {
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

package func quickConfig() -> TrainingConfig {
    var c = TrainingConfig()
    c.maxRounds = 60
    c.learningRate = 0.2
    c.threads = 2
    return c
}

/// Runs a command-line program and captures its output. Both pipes are drained at once: reading
/// one to its end first would leave a child that fills the other (64 KiB) blocked for ever.
package func runProcess(_ executable: String, _ args: [String], env: [String: String] = [:]) throws -> (
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
    let errors = Box(Data())
    let errorsRead = DispatchSemaphore(value: 0)
    let errorHandle = err.fileHandleForReading
    Thread {
        errors.value = errorHandle.readDataToEndOfFile()
        errorsRead.signal()
    }.start()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    errorsRead.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: errors.value, as: UTF8.self))
}

/// Runs blocking work (libcurl calls, child processes) on its own thread, so it never holds one
/// of the few cooperative threads that in-process servers (FlyingFox) need to answer it.
/// A detached task is not that: it runs on the cooperative pool. Two tests that each blocked in
/// libcurl inside one took both threads here, and every in-process server in the run stopped
/// answering until the clients timed out 30 s later (scripts/test refuses detached tasks in
/// Tests/ for that reason).
/// The caller waits for the thread, so `body` and its result are never used from two threads at
/// once: the unchecked box only carries them across.
package func onThread<T>(_ body: @escaping () throws -> T) async throws -> T {
    let work = UncheckedBox(body)
    let result = try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<UncheckedBox<T>, Error>) in
        Thread { continuation.resume(with: Result { UncheckedBox(try work.value()) }) }.start()
    }
    return result.value
}

/// A fixture built once, on first use, and shared by the tests that ask for it. A failure to
/// build it fails each of those tests with the error, instead of crashing the whole run.
package final class Shared<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, Error>?
    private let make: () throws -> T

    package init(_ make: @escaping () throws -> T) { self.make = make }

    package func get() throws -> T {
        try lock.withLock {
            let r = result ?? Result { try make() }
            result = r
            return try r.get()
        }
    }
}

package struct UncheckedBox<T>: @unchecked Sendable {
    package let value: T
    package init(_ value: T) { self.value = value }
}

/// A mutable value handed between threads; whoever uses it orders the accesses (a lock, a join).
package final class Box<T>: @unchecked Sendable {
    package var value: T
    package init(_ value: T) { self.value = value }
}

/// Runs a test (or every test of a suite) on a thread of its own instead of Swift's cooperative
/// pool. The pool has one thread per core (two here); a test that blocks (training, terraform, a
/// child process, a synchronous libcurl call) would otherwise starve the in-process servers that it
/// and other tests wait on: two suites each blocked in libcurl on their own FlyingFox server took
/// both threads, and every in-process server stopped answering until the client timed out.
/// Every suite that blocks carries this trait; only pure computation may run on the pool.
package struct OwnThread: TestTrait, SuiteTrait, TestScoping {
    package var isRecursive: Bool { true }

    package init() {}

    package func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }  // the suite itself: its tests get their own
        let executor = ThreadExecutor()
        defer { executor.stop() }
        try await withTaskExecutorPreference(executor) { try await function() }
    }
}

extension Trait where Self == OwnThread {
    package static var ownThread: OwnThread { OwnThread() }
}

/// A task executor with one dedicated thread.
package final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopped = false

    package init() {
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

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    package func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }
}
