import Foundation
import FunkoTestSupport
import Testing

/// The test support code itself.
@Suite struct SupportTests {
    /// A child that writes far more than a pipe holds (64 KiB) to stderr before it writes its
    /// stdout: both streams arrive whole. Reading one pipe to its end before the other would wait
    /// for ever here, so the call runs on a thread of its own and the test gives up on it after
    /// 60 seconds.
    @Test func runProcessReadsStdoutAndStderrAtOnce() async throws {
        let size = 1_000_000
        let script = "head -c \(size) /dev/zero | tr '\\0' e >&2; head -c \(size) /dev/zero | tr '\\0' o"
        let answer = try await finished(within: 60) { try runProcess("/bin/sh", ["-c", script]) }
        let r = try #require(answer, "runProcess did not return within 60 s")
        #expect(r.status == 0)
        #expect(r.stderr.utf8.count == size)
        #expect(r.stdout.utf8.count == size)
        #expect(r.stderr.utf8.allSatisfy { $0 == UInt8(ascii: "e") })
        #expect(r.stdout.utf8.allSatisfy { $0 == UInt8(ascii: "o") })
    }
}

/// Runs `body` on a thread of its own and answers its result, or nil when it has not finished
/// after `seconds` (the thread is then left to itself).
private func finished<T: Sendable>(within seconds: Double, _ body: @escaping @Sendable () throws -> T)
    async throws -> T?
{
    let once = NSLock()
    let resumed = Box(false)
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T?, Error>) in
        @Sendable func finish(_ result: Result<T?, Error>) {
            let first = once.withLock {
                defer { resumed.value = true }
                return !resumed.value
            }
            if first { continuation.resume(with: result) }
        }
        Thread { finish(Result { try body() }) }.start()
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { finish(.success(nil)) }
    }
}
