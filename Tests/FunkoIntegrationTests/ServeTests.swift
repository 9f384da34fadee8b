import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoHTTP

/// `funko serve` as a person uses it: a real process on a free port, and HTTP requests to all
/// five routes (sent with the project's own libcurl client).
@Suite(.serialized, .ownThread) struct ServeTests {
    @Test func allFiveRoutesAnswer() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: funkoBinary)
        p.arguments = ["serve", "--port", "0"]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in try HandlerFixture.shared.environment { env[k] = v }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer {
            p.terminate()
            p.waitUntilExit()
        }
        // Wait for the "serving http://127.0.0.1:PORT" line (bounded by the pipe closing).
        var seen = ""
        var port: String?
        while port == nil {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let r = seen.range(of: #"serving http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = String(seen[r].split(separator: ":").last!)
            }
        }
        let base = "http://127.0.0.1:\(try #require(port, "no serving line: \(seen)"))"
        let http = HTTPClient()
        func call(_ method: String, _ path: String, _ body: String = "") throws -> HTTPResponse {
            try http.send(
                HTTPRequest(
                    method: method, url: base + path, headers: [("Content-Type", "application/json")],
                    body: Array(body.utf8), timeout: 30))
        }
        let health = try call("GET", "/health")
        #expect(health.status == 200)
        #expect(health.text.contains(#""status":"ok""#))
        let curl = try runProcess(
            "/usr/bin/curl", ["-s", "-X", "POST", "\(base)/predict", "-d", #"{"funko_pop_id":"10002"}"#])
        #expect(curl.status == 0, "\(curl.stdout)")
        #expect(curl.stdout.contains(#""funko_pop_id":"10002""#), "\(curl.stdout)")
        #expect(try call("GET", "/model/status").text.contains(#""model_version":"fixture""#))
        let predict = try call("POST", "/predict", #"{"funko_pop_id":"10001","future_days":30}"#)
        #expect(predict.status == 200, "\(predict.text)")
        #expect(predict.text.contains(#""predicted_price":"#), "\(predict.text)")
        #expect(predict.header("x-request-id") != nil)
        let batch = try call("POST", "/predict/batch", #"{"funko_pop_ids":["10001","10002","nope"]}"#)
        #expect(batch.status == 200)
        #expect(batch.text.contains(#""funko_pop_id":"nope""#))
        let history = try call("GET", "/history/10001?days=30")
        #expect(history.status == 200)
        #expect(history.text.contains(#""days":30"#))
        let bad = try call("POST", "/predict", #"{"funko_pop_id":"10001","marketplace":"craigslist"}"#)
        #expect(bad.status == 400)
        #expect(bad.text.contains("marketplace"))
        let wrong = try call("DELETE", "/predict")
        #expect(wrong.status == 405)
        #expect(wrong.header("allow") == "POST")
        #expect(try call("GET", "/nowhere").status == 404)
    }
}
