import Foundation
import FunkoTestSupport
import LambdaLocal
import Testing

// lambda-local against AWS's own Python runtime interface client (a conformance check), and the
// lambda-local command itself. FunkoUnitTests.LambdaLocalTests drives the emulator with bash
// test-double runtimes.

/// The official runtime interface client (awslambdaric from .venv) served by the emulator.
@Suite(.serialized, .ownThread) struct LambdaLocalRuntimeClientTests {
    @Test func officialPythonRuntimeClientIsServed() async throws {
        struct Echo: Decodable, Equatable {
            struct Event: Decodable, Equatable {
                var n: Int
                var text: String
            }
            var event: Event
            var requestID, functionName, functionVersion, memoryLimitInMB, invokedFunctionARN: String
            var remainingMS: Int
            enum CodingKeys: String, CodingKey {
                case event
                case requestID = "request_id"
                case functionName = "function_name"
                case functionVersion = "function_version"
                case memoryLimitInMB = "memory_limit_in_mb"
                case invokedFunctionARN = "invoked_function_arn"
                case remainingMS = "remaining_ms"
            }
        }
        try await withEmulator(pythonRuntime("ric_handler.handler"), timeout: 5, functionName: "ric-echo") { lambda in
            var ids = Set<String>()
            for n in 1...2 {
                let answer = try await lambda.invoke(Array(#"{"n":\#(n),"text":"héllo"}"#.utf8))
                #expect(!answer.functionError)
                let echo = try JSONDecoder().decode(Echo.self, from: Data(answer.body))
                #expect(echo.event == .init(n: n, text: "héllo"))
                #expect(UUID(uuidString: echo.requestID) != nil)
                ids.insert(echo.requestID)
                #expect(echo.remainingMS > 2500)
                #expect(echo.remainingMS <= 5000)
                #expect(echo.functionName == "ric-echo")
                #expect(echo.functionVersion == "$LATEST")
                #expect(echo.memoryLimitInMB == "128")
                #expect(echo.invokedFunctionARN == "arn:aws:lambda:\(lambdaRegion):000000000000:function:ric-echo")
            }
            #expect(ids.count == 2)

            let failure = try await lambda.invoke(Array(#"{"raise":"bad input"}"#.utf8))
            #expect(failure.functionError)
            let error = try JSONDecoder().decode(ErrorDocument.self, from: Data(failure.body))
            #expect(error.errorType == "HandlerError")
            #expect(error.errorMessage == "bad input")
            #expect(error.stackTrace?.isEmpty == false)

            let after = try await lambda.invoke(Array(#"{"n":3,"text":""}"#.utf8))
            #expect(!after.functionError)
        }
    }

    /// A generous function timeout (the emulator gives a handler's start the longer of 10 s and the
    /// timeout): the error must come from the import, and Python's start on a busy machine can take
    /// more than 10 s.
    @Test func officialPythonRuntimeClientInitErrorIsReported() async throws {
        try await withEmulator(pythonRuntime("no_such_module.handler"), timeout: 60) { lambda in
            let answer = try await lambda.invoke(Array("{}".utf8))
            #expect(answer.functionError)
            let error = try JSONDecoder().decode(ErrorDocument.self, from: Data(answer.body))
            #expect(error.errorType == "Runtime.ImportModuleError")
            #expect(error.errorMessage.contains("no_such_module"))
        }
    }

}

/// The lambda-local command: single-shot runs and SIGTERM.
@Suite(.serialized, .ownThread) struct LambdaLocalCommandTests {
    @Test func singleShotPrintsTheResponseAndExitsWithItsOutcome() async throws {
        let dir = try TempDir()
        let runtime = try fakeRuntime(
            dir,
            #"""
            while true; do
              next
              if grep -q fail "$ev"; then post "invocation/$id/error" '{"errorMessage":"no","errorType":"Fake.Error"}' >/dev/null
              else respond @"$ev" >/dev/null; fi
            done
            """#)
        try #"{"n":1}"#.write(toFile: dir.file("event.json"), atomically: true, encoding: .utf8)

        let ok = try await Program(
            lambdaLocalBinary, ["--port", "0", "--event", dir.file("event.json"), "--", runtime]
        ).finish()
        #expect(ok.status == 0)
        #expect(ok.stdout == "{\"n\":1}\n")

        let failed = try await Program(
            lambdaLocalBinary, ["--port", "0", "--event", "-", "--", runtime],
            stdin: #"{"fail":true}"#
        ).finish()
        #expect(failed.status == 1)
        #expect(failed.stdout == "{\"errorMessage\":\"no\",\"errorType\":\"Fake.Error\"}\n")
    }

    @Test func sigtermStopsTheHandlerAndExits() async throws {
        let dir = try TempDir()
        let runtime = try fakeRuntime(
            dir,
            #"""
            echo $$ > pid.new && mv pid.new pid
            while true; do next; respond @"$ev" >/dev/null; done
            """#)
        let program = try Program(lambdaLocalBinary, ["--port", "0", "--", runtime])
        #expect(try await eventually { FileManager.default.fileExists(atPath: dir.file("pid")) })
        let handler = try pids(dir.file("pid"))
        kill(program.process.processIdentifier, SIGTERM)
        let result = await program.finish()
        #expect(result.status == 128 + SIGTERM)
        #expect(result.stdout.isEmpty)
        #expect(try await eventually { !isAlive(handler[0]) })
    }
}

// MARK: Helpers

/// awslambdaric serving a handler from Tests/python, as `python -m awslambdaric MODULE.FUNCTION`.
private func pythonRuntime(_ handler: String) -> [String] {
    let python = ProcessInfo.processInfo.environment["FUNKO_PYTHON"] ?? "\(packageRoot)/.venv/bin/python"
    return [
        "/usr/bin/env", "PYTHONPATH=\(packageRoot)/Tests/python", "PYTHONDONTWRITEBYTECODE=1",
        python, "-m", "awslambdaric", handler,
    ]
}

/// The lambda-local binary built next to this test bundle (`LAMBDA_LOCAL_BIN` overrides).
private var lambdaLocalBinary: String {
    ProcessInfo.processInfo.environment["LAMBDA_LOCAL_BIN"]
        ?? Bundle.main.bundleURL.appendingPathComponent("lambda-local").path
}
