import Foundation
import LambdaLocal

// Helpers for the LambdaLocal suites of both tiers: bash runtimes that speak the Runtime API
// with curl (test doubles for behaviour a real handler cannot produce on demand), the emulator
// around a test, and child processes awaited without blocking a thread.

package struct ErrorDocument: Decodable {
    package var errorMessage: String
    package var errorType: String
    package var stackTrace: [String]?
}

/// Writes a bash runtime: `next` waits for an event (sets `$id`, the event file `$ev`, headers
/// via `header NAME`), `post PATH DATA` and `respond DATA` print the HTTP status they got.
package func fakeRuntime(_ dir: TempDir, _ body: String) throws -> String {
    let prelude = #"""
        #!/bin/bash
        set -u
        cd "$(dirname "$0")"
        API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
        next() {
          ev=event.$BASHPID hd=headers.$BASHPID
          curl -sS -D "$hd" -o "$ev" "$API/invocation/next" || exit 1
          id=$(header lambda-runtime-aws-request-id)
        }
        header() { grep -i "^$1:" "$hd" | cut -d' ' -f2- | tr -d '\r'; }
        post() { curl -sS -o /dev/null -w '%{http_code}' --data-binary "$2" "$API/$1"; }
        respond() { post "invocation/$id/response" "$1"; }

        """#
    let path = dir.file("runtime.sh")
    try (prelude + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return path
}

package func withEmulator(
    _ command: [String], timeout: Double = 5, functionName: String? = nil, memoryMB: Int = 128,
    _ body: (LambdaEmulator) async throws -> Void
) async throws {
    let lambda = LambdaEmulator(
        .init(
            command: command, port: 0, timeout: timeout,
            functionName: functionName, memoryMB: memoryMB))
    try await lambda.start()
    do {
        try await body(lambda)
    } catch {
        await lambda.stop()
        throw error
    }
    await lambda.stop()
}

package var lambdaRegion: String {
    let env = ProcessInfo.processInfo.environment
    return env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1"
}

/// Polls a condition every 20 ms until it holds or `seconds` pass.
package func eventually(within seconds: Double = 5, _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    return try condition()
}

package func pids(_ file: String) throws -> [Int32] {
    try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
}

/// Running, not a zombie waiting for a parent that may never reap it.
package func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    return !stat[close...].hasPrefix(") Z")
}

/// A program with its output in files, awaited without blocking a thread (tests share few cores).
package struct Program {
    package let process = Process()
    private let dir: TempDir
    private let exited: AsyncStream<Int32>

    package init(_ executable: String, _ arguments: [String], stdin: String = "") throws {
        dir = try TempDir()
        for (name, text) in [("stdin", stdin), ("stdout", ""), ("stderr", "")] {
            try text.write(toFile: dir.file(name), atomically: false, encoding: .utf8)
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle(forReadingAtPath: dir.file("stdin"))
        process.standardOutput = FileHandle(forWritingAtPath: dir.file("stdout"))
        process.standardError = FileHandle(forWritingAtPath: dir.file("stderr"))
        let (exited, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.exited = exited
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        try process.run()
    }

    package func finish() async -> (status: Int32, stdout: String, stderr: String) {
        var status: Int32 = -1
        for await code in exited { status = code }
        let read = { (name: String) in (try? String(contentsOfFile: dir.file(name), encoding: .utf8)) ?? "" }
        return (status, read("stdout"), read("stderr"))
    }
}
