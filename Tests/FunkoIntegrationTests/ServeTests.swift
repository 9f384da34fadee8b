import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoHTTP

/// A `funko serve` process on a free port over the handler fixture, stopped at deinit.
final class ServeProcess {
    let process = Process()
    let base: String

    init(_ arguments: [String] = []) throws {
        process.executableURL = URL(fileURLWithPath: funkoBinary)
        process.arguments = ["serve", "--port", "0", "--web", "\(packageRoot)/web"] + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in try HandlerFixture.shared.environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
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
        guard let port else {
            process.terminate()
            throw FunkoError.unavailable("funko serve printed no serving line: \(seen)")
        }
        base = "http://127.0.0.1:\(port)"
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}

/// `funko serve` as a person uses it: a real process on a free port, HTTP requests to every
/// route (sent with the project's own libcurl client), and the web app's files.
@Suite(.serialized, .ownThread) struct ServeTests {
    @Test func everyRouteAnswers() throws {
        let server = try ServeProcess()
        let base = server.base
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
        let search = try call("GET", "/pops?q=black%20widow&limit=3")
        #expect(search.status == 200)
        let found = try JSON.decode(CatalogSearchResponse.self, from: search.body)
        #expect(!found.pops.isEmpty)
        #expect(found.pops.allSatisfy { $0.character == "Black Widow" })
        #expect(found.total >= found.pops.count)
        let one = try call("GET", "/pops/10001")
        #expect(one.status == 200)
        #expect(try JSON.decode(CatalogEntry.self, from: one.body).funkoPopID == "10001")
        #expect(try call("GET", "/pops?limit=0").status == 400)
    }

    /// The web app at /, with the headers the deployed app gets: content types, caching, ETags,
    /// and a Content-Security-Policy that allows only the app's own files and the API.
    @Test func theWebAppIsServedWithItsHeaders() throws {
        let server = try ServeProcess()
        let http = HTTPClient()
        func get(_ path: String, _ headers: [(String, String)] = []) throws -> HTTPResponse {
            try http.send(HTTPRequest(method: "GET", url: server.base + path, headers: headers, timeout: 30))
        }
        let page = try get("/")
        #expect(page.status == 200)
        #expect(page.header("content-type") == "text/html; charset=utf-8")
        #expect(page.text.contains(#"<script type="module" src="js/app.js"></script>"#))
        #expect(page.header("cache-control") == "no-cache")
        #expect(
            page.header("content-security-policy")
                == "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
        )
        #expect(page.header("x-content-type-options") == "nosniff")
        #expect(page.header("referrer-policy") == "no-referrer")
        for (path, type) in [
            ("/js/app.js", "text/javascript; charset=utf-8"), ("/css/app.css", "text/css; charset=utf-8"),
            ("/favicon.svg", "image/svg+xml"), ("/vendor/chart.js/chart.min.js", "text/javascript; charset=utf-8"),
            ("/config.js", "text/javascript; charset=utf-8"),
        ] {
            let r = try get(path)
            #expect(r.status == 200, "\(path)")
            #expect(r.header("content-type") == type, "\(path)")
        }
        #expect(try get("/js/app.js").header("cache-control") == "public, max-age=300")
        #expect(try get("/config.js").header("cache-control") == "no-cache")
        // A browser holding the current version gets 304 and no body.
        let etag = try #require(try get("/js/app.js").header("etag"))
        let again = try get("/js/app.js", [("If-None-Match", etag)])
        #expect(again.status == 304)
        #expect(again.body.isEmpty)
        #expect(try get("/js/app.js", [("If-None-Match", "\"stale\"")]).status == 200)
        // Nothing outside the folder, nothing hidden, nothing missing.
        let escape = try runProcess(
            "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--path-as-is", server.base + "/../../etc/passwd"])
        #expect(escape.stdout == "404")
        #expect(try get("/.gitignore").status == 404)
        #expect(try get("/js/missing.js").status == 404)
        #expect(try get("/README.md").status == 404)  // the notes are not deployed either
        // The API keeps its own answers beside the files.
        let api = try get("/health")
        #expect(api.header("content-type") == "application/json")
    }

    @Test func aConfiguredOriginGetsCORSAnswers() throws {
        let server = try ServeProcess(["--cors-origin", "http://localhost:5173"])
        let preflight = try runProcess(
            "/usr/bin/curl",
            [
                "-s", "-i", "-X", "OPTIONS", server.base + "/predict", "-H", "Origin: http://localhost:5173", "-H",
                "Access-Control-Request-Method: POST",
            ])
        let head = preflight.stdout.lowercased()
        #expect(head.hasPrefix("http/1.1 204"), "\(preflight.stdout)")
        #expect(head.contains("access-control-allow-origin: http://localhost:5173"))
        #expect(head.contains("access-control-allow-methods: post, options"))
        let other = try runProcess(
            "/usr/bin/curl",
            [
                "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "OPTIONS", server.base + "/predict", "-H",
                "Origin: https://elsewhere.example", "-H", "Access-Control-Request-Method: POST",
            ])
        #expect(other.stdout == "403")
        let bad = try runProcess(funkoBinary, ["serve", "--port", "0", "--cors-origin", "*"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(#"--cors-origin "*" is not an origin"#))
    }
}
