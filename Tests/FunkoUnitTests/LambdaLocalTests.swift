import Foundation
import FunkoTestSupport
import LambdaLocal
import Testing

// The runtimes here are bash scripts that speak the Runtime API with curl. They are test doubles
// for behaviour a real handler cannot produce on demand (hanging, crashing mid-invocation,
// answering twice, polling from several workers at once). FunkoIntegrationTests.LambdaLocalTests
// runs AWS's own Python runtime interface client and the lambda-local command.

@Suite(.serialized, .ownThread) struct LambdaLocalTests {
    @Test func echoRuntimeAnswersInOrder() async throws {
        let dir = try TempDir()
        let runtime = try fakeRuntime(
            dir,
            #"""
            while true; do
              next
              respond "{\"event\":$(cat "$ev"),\"id\":\"$id\",\"deadline\":$(header lambda-runtime-deadline-ms),\
            \"arn\":\"$(header lambda-runtime-invoked-function-arn)\",\"trace\":\"$(header lambda-runtime-trace-id)\",\
            \"contentType\":\"$(header content-type)\",\
            \"env\":\"$AWS_LAMBDA_FUNCTION_NAME $AWS_LAMBDA_FUNCTION_VERSION $AWS_LAMBDA_FUNCTION_MEMORY_SIZE\"}" >/dev/null
            done
            """#)
        struct Echo: Decodable {
            var event: [String: Int]
            var id, arn, trace, contentType, env: String
            var deadline: Int64
        }
        try await withEmulator([runtime], timeout: 30, functionName: "echo-fn", memoryMB: 256) { lambda in
            var ids = Set<String>()
            for n in 1...3 {
                let before = nowMilliseconds()
                let answer = try await lambda.invoke(Array(#"{"n":\#(n)}"#.utf8))
                let after = nowMilliseconds()
                #expect(!answer.functionError)
                let echo = try JSONDecoder().decode(Echo.self, from: Data(answer.body))
                #expect(echo.event == ["n": n])
                #expect(UUID(uuidString: echo.id) != nil)
                ids.insert(echo.id)
                #expect(echo.deadline >= before + 30_000)
                #expect(echo.deadline <= after + 30_000)
                #expect(echo.arn == "arn:aws:lambda:\(lambdaRegion):000000000000:function:echo-fn")
                #expect(
                    echo.trace.wholeMatch(of: #/Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0/#) != nil)
                #expect(echo.contentType == "application/json")
                #expect(echo.env == "echo-fn $LATEST 256")
            }
            #expect(ids.count == 3)

            // The Invoke API answers under any function name.
            let reply = try await post(await invokeURL(lambda, function: "echo-fn"), #"{"n":4}"#)
            #expect(reply.status == 200)
            #expect(reply.headers["x-amz-function-error"] == nil)
            #expect(try JSONDecoder().decode(Echo.self, from: Data(reply.body.utf8)).event == ["n": 4])
        }
    }

    @Test func errorPostsAreFunctionErrors() async throws {
        let dir = try TempDir()
        let runtime = try fakeRuntime(
            dir,
            #"""
            while true; do
              next
              if grep -q fail "$ev"; then
                curl -sS -o /dev/null -H 'Lambda-Runtime-Function-Error-Type: Fake.Error' \
                  --data-binary '{"errorMessage":"boom","errorType":"Fake.Error","stackTrace":["line 1"]}' \
                  "$API/invocation/$id/error"
              else
                respond @"$ev" >/dev/null
              fi
            done
            """#)
        let posted = #"{"errorMessage":"boom","errorType":"Fake.Error","stackTrace":["line 1"]}"#
        try await withEmulator([runtime]) { lambda in
            let failure = try await lambda.invoke(Array(#"{"fail":1}"#.utf8))
            #expect(failure.functionError)
            #expect(String(decoding: failure.body, as: UTF8.self) == posted)

            let reply = try await post(await invokeURL(lambda), #"{"fail":2}"#)
            #expect(reply.status == 200)
            #expect(reply.headers["x-amz-function-error"] == "Unhandled")
            #expect(reply.body == posted)

            // A reported error leaves the process serving.
            let ok = try await lambda.invoke(Array(#"{"ok":1}"#.utf8))
            #expect(!ok.functionError)
            #expect(String(decoding: ok.body, as: UTF8.self) == #"{"ok":1}"#)
        }
    }

    @Test func invalidRequestIDsGet400() async throws {
        let dir = try TempDir()
        // Each answer reports what the runtime saw on its previous round: a bogus id, its real
        // answer, and a second answer for the same id.
        let runtime = try fakeRuntime(
            dir,
            #"""
            answered=none duplicate=none
            while true; do
              next
              bogus=$(post invocation/not-a-request-id/response '{}')
              bogusError=$(post invocation/not-a-request-id/error '{}')
              answered=$(respond "{\"bogus\":\"$bogus\",\"bogusError\":\"$bogusError\",\"answered\":\"$answered\",\"duplicate\":\"$duplicate\"}")
              duplicate=$(respond '{"second":true}')
            done
            """#)
        try await withEmulator([runtime]) { lambda in
            let first = try await lambda.invoke(Array("{}".utf8))
            #expect(
                String(decoding: first.body, as: UTF8.self)
                    == #"{"bogus":"400","bogusError":"400","answered":"none","duplicate":"none"}"#)
            let second = try await lambda.invoke(Array("{}".utf8))
            #expect(
                String(decoding: second.body, as: UTF8.self)
                    == #"{"bogus":"400","bogusError":"400","answered":"202","duplicate":"400"}"#)

            let runtimeAPI = "http://127.0.0.1:\(await lambda.port)/2018-06-01/runtime"
            let bogus = try await post("\(runtimeAPI)/invocation/\(UUID().uuidString.lowercased())/response", "{}")
            #expect(bogus.status == 400)
            #expect(bogus.body == #"{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}"#)
            #expect(try await post("\(runtimeAPI)/invocation/next/nothing", "{}").status == 404)
        }
    }

    @Test func timeoutKillsTheHandlerAndTheNextInvocationGetsAFreshOne() async throws {
        let dir = try TempDir()
        let runtime = try fakeRuntime(
            dir,
            #"""
            echo $$ >> pids
            while true; do
              next
              if grep -q hang "$ev"; then sleep 30 & echo $! > sleeper; wait; fi
              respond "{\"pid\":$$}" >/dev/null
            done
            """#)
        try await withEmulator([runtime], timeout: 1) { lambda in
            let started = Date()
            let hung = try await lambda.invoke(Array(#"{"hang":true}"#.utf8))
            let elapsed = Date().timeIntervalSince(started)
            #expect(hung.functionError)
            #expect(
                String(decoding: hung.body, as: UTF8.self)
                    == #"{"errorMessage":"Task timed out after 1.00 seconds","errorType":"Sandbox.Timedout"}"#)
            #expect(elapsed >= 1)
            #expect(elapsed < 4)

            // The whole sandbox is gone: the handler and what it started.
            let first = try pids(dir.file("pids"))
            let sleeper = try pids(dir.file("sleeper"))
            try #require(first.count == 1)
            try #require(sleeper.count == 1)
            #expect(try await eventually { !isAlive(first[0]) }, "the handler is still running")
            #expect(try await eventually { !isAlive(sleeper[0]) }, "what the handler started is still running")

            let next = try await lambda.invoke(Array(#"{"n":2}"#.utf8))
            #expect(!next.functionError)
            let both = try pids(dir.file("pids"))
            try #require(both.count == 2)
            #expect(both[0] != both[1])
            #expect(String(decoding: next.body, as: UTF8.self) == #"{"pid":\#(both.last ?? 0)}"#)
        }
    }

    @Test func handlerExitingMidInvocationIsARuntimeExitError() async throws {
        let dir = try TempDir()
        let runtime = try fakeRuntime(
            dir,
            #"""
            while true; do
              next
              if grep -q crash "$ev"; then exit 3; fi
              respond "{\"pid\":$$}" >/dev/null
            done
            """#)
        try await withEmulator([runtime]) { lambda in
            let crash = try await lambda.invoke(Array(#"{"crash":true}"#.utf8))
            #expect(crash.functionError)
            let error = try JSONDecoder().decode(ErrorDocument.self, from: Data(crash.body))
            #expect(error.errorType == "Runtime.ExitError")
            #expect(error.errorMessage.hasPrefix("RequestId: "))
            #expect(error.errorMessage.hasSuffix("Error: Runtime exited with error: exit status 3"))

            let after = try await lambda.invoke(Array("{}".utf8))
            #expect(!after.functionError)
            #expect(String(decoding: after.body, as: UTF8.self).hasPrefix(#"{"pid":"#))
        }
    }

    @Test func initErrorIsReported() async throws {
        let dir = try TempDir()
        let runtime = try fakeRuntime(
            dir,
            #"""
            curl -sS -o /dev/null -w '%{http_code}\n' -H 'Lambda-Runtime-Function-Error-Type: Fake.InitError' \
              --data-binary '{"errorMessage":"settings missing","errorType":"Fake.InitError","stackTrace":[]}' \
              "$API/init/error" >> statuses
            exit 1
            """#)
        try await withEmulator([runtime]) { lambda in
            for _ in 1...2 {
                let answer = try await lambda.invoke(Array("{}".utf8))
                #expect(answer.functionError)
                #expect(
                    String(decoding: answer.body, as: UTF8.self)
                        == #"{"errorMessage":"settings missing","errorType":"Fake.InitError","stackTrace":[]}"#)
            }
            // A fresh handler after each failed one: the one from start (unless it was gone before the
            // first invocation arrived), then one per invocation.
            let statuses = try String(contentsOfFile: dir.file("statuses"), encoding: .utf8).split(separator: "\n")
            #expect((2...3).contains(statuses.count))
            #expect(statuses.allSatisfy { $0 == "202" })
        }
    }

    @Test func concurrentInvocationsAreServedOneAtATime() async throws {
        let dir = try TempDir()
        // Three workers poll `next` at once; any overlap of in-flight work is written down.
        let runtime = try fakeRuntime(
            dir,
            #"""
            worker() {
              while true; do
                next
                mkdir busy 2>/dev/null || echo "$id" >> overlaps
                sleep 0.05
                rmdir busy 2>/dev/null
                respond @"$ev" >/dev/null
              done
            }
            worker & worker & worker &
            wait
            """#)
        try await withEmulator([runtime]) { lambda in
            let url = await invokeURL(lambda)
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for n in 0..<8 {
                    group.addTask {
                        let event = #"{"n":\#(n)}"#
                        if n.isMultiple(of: 2) { return (n, try await post(url, event).body) }
                        return (n, String(decoding: try await lambda.invoke(Array(event.utf8)).body, as: UTF8.self))
                    }
                }
                for try await (n, body) in group {
                    #expect(body == #"{"n":\#(n)}"#)
                }
            }
            #expect(!FileManager.default.fileExists(atPath: dir.file("overlaps")))
        }
    }
}

// MARK: Helpers

private func invokeURL(_ lambda: LambdaEmulator, function: String = "function") async -> String {
    "http://127.0.0.1:\(await lambda.port)/2015-03-31/functions/\(function)/invocations"
}

private func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

/// POSTs with curl; headers keyed in lower case.
private func post(_ url: String, _ body: String) async throws -> (status: Int, headers: [String: String], body: String)
{
    let result = try await Program("/usr/bin/curl", ["-sS", "-i", "--data-binary", body, url]).finish()
    let parts = result.stdout.components(separatedBy: "\r\n\r\n")
    let head = parts[0].components(separatedBy: "\r\n")
    let status = Int(head[0].split(separator: " ").dropFirst().first ?? "") ?? 0
    var headers: [String: String] = [:]
    for line in head.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return (status, headers, parts.dropFirst().joined(separator: "\r\n\r\n"))
}
