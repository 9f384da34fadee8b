import FlyingFox
import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoHTTP

/// The libcurl client against a local server: keep-alive, headers, streaming, timeouts, errors.
@Suite(.serialized, .ownThread) struct HTTPClientTests {
    final class Server: @unchecked Sendable {
        let server: HTTPServer
        var port: UInt16 = 0
        private let lock = Mutex()
        private var peers: [String] = []
        var remotePeers: [String] { lock.locked { peers } }

        init() async throws {
            server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 30, logger: .disabled)
            await server.appendRoute("POST /echo") { [unowned self] req in
                let body = try await req.bodyData
                self.lock.locked { self.peers.append("\(String(describing: req.remoteAddress))") }
                return HTTPResponse(
                    statusCode: .ok,
                    headers: [
                        HTTPHeader("X-Length"): String(body.count),
                        HTTPHeader("X-Echo"): req.headers[HTTPHeader("X-Token")] ?? "",
                    ], body: body)
            }
            await server.appendRoute("GET /big") { _ in
                HTTPResponse(statusCode: .ok, body: Data(repeating: 7, count: 3_000_000))
            }
            await server.appendRoute("GET /slow") { _ in
                try await Task.sleep(nanoseconds: 3_000_000_000)
                return HTTPResponse(statusCode: .ok)
            }
            await server.appendRoute("GET /missing") { _ in HTTPResponse(statusCode: .notFound, body: Data("nope".utf8))
            }
            Task { try await server.run() }
            // FlyingFox gives up after 5 s by default; under ThreadSanitizer on a busy machine
            // starting the listener alone can take longer.
            try await server.waitUntilListening(timeout: 60)
            if case .ip4(_, let p) = await server.listeningAddress { port = p }
        }
        var base: String { "http://127.0.0.1:\(port)" }
    }

    @Test func keepsTheConnectionAliveAndCarriesHeadersAndBodies() async throws {
        let s = try await Server()
        try await onThread {
            let client = FunkoHTTP.HTTPClient()
            for i in 0..<3 {
                let r = try client.send(
                    FunkoHTTP.HTTPRequest(
                        method: "POST", url: "\(s.base)/echo", headers: [("X-Token", "t\(i)")],
                        body: Array("hello \(i)".utf8)))
                #expect(r.status == 200)
                #expect(r.text == "hello \(i)")
                #expect(r.header("X-Echo") == "t\(i)")
                #expect(r.header("x-length") == "7")
            }
            #expect(Set(s.remotePeers).count == 1, "one connection reused: \(s.remotePeers)")
            let missing = try client.send(FunkoHTTP.HTTPRequest(url: "\(s.base)/missing"))
            // HTTP errors are answers, not throws.
            #expect(missing.status == 404)
            #expect(missing.text == "nope")
        }
        await s.server.stop()
    }

    @Test func streamsLargeBodiesBothWays() async throws {
        let s = try await Server()
        try await onThread {
            let client = FunkoHTTP.HTTPClient()
            let size = 5_000_000
            var produced = 0
            let upload = BodySource(size: size) { buf in
                let n = min(buf.count, size - produced)
                for i in 0..<n { buf[i] = UInt8((produced + i) % 251) }
                produced += n
                return n
            }
            var chunks = 0
            var received = 0
            let head = try client.stream(FunkoHTTP.HTTPRequest(method: "POST", url: "\(s.base)/echo"), body: upload) {
                part in
                chunks += 1
                received += part.count
                return true
            }
            #expect(head.status == 200)
            #expect(received == size)
            #expect(chunks > 1)
            #expect(head.headers.first { $0.0 == "x-length" }?.1 == String(size))
            var total = 0
            _ = try client.stream(FunkoHTTP.HTTPRequest(url: "\(s.base)/big"), body: BodySource([])) {
                total += $0.count
                return true
            }
            #expect(total == 3_000_000)
        }
        await s.server.stop()
    }

    @Test func timeoutsAndConnectionFailuresAreClearErrors() async throws {
        let s = try await Server()
        let client = FunkoHTTP.HTTPClient()
        try await onThread {
            let start = Time.monotonic()
            do {
                _ = try client.send(FunkoHTTP.HTTPRequest(url: "\(s.base)/slow?X-Amz-Signature=secret", timeout: 0.3))
                Issue.record("expected a timeout")
            } catch let e as HTTPError {
                #expect(e.kind == .timeout)
                #expect(e.description.hasPrefix("\(s.base)/slow: "))
                #expect(!e.description.contains("secret"))
            }
            #expect(Time.monotonic() - start < 2)
        }
        await s.server.stop()
        do {
            _ = try client.send(FunkoHTTP.HTTPRequest(url: "\(s.base)/echo", timeout: 2))
            Issue.record("expected a connection error")
        } catch let e as HTTPError {
            #expect(e.kind == .connect, "\(e)")
        }
    }
}
