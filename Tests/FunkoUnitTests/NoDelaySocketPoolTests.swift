import FlyingFox
import Foundation
import FunkoHTTP
import FunkoTestSupport
import LambdaLocal
import Testing

/// FlyingFox writes a response's header and body separately; with Nagle's algorithm on, each
/// answer on a kept-alive connection waited for the client's delayed acknowledgement (40 ms on
/// Linux), so lambda-local answered about 11 invocations a second (scripts/soak found it).
@Suite(.ownThread) struct NoDelaySocketPoolTests {
    @Test func keptAliveConnectionsAreAnsweredWithoutNagleDelays() async throws {
        let server = HTTPServer.withoutNagle(address: try sockaddr_in.inet(ip4: "127.0.0.1", port: 0), timeout: 30)
        await server.appendRoute("GET /answer") { _ in
            FlyingFox.HTTPResponse(
                statusCode: .ok, headers: [.contentType: "application/json"], body: Data(#"{"ok":true}"#.utf8))
        }
        let task = Task { try await server.run() }
        defer { task.cancel() }
        try await server.waitUntilListening()
        guard case .ip4(_, let port) = await server.listeningAddress else {
            Issue.record("not listening on IPv4")
            return
        }
        // One libcurl handle: one connection, kept alive. 50 answers took 2 s or more with Nagle.
        let seconds = try await Task.detached {
            let client = FunkoHTTP.HTTPClient()
            _ = try client.send(FunkoHTTP.HTTPRequest(url: "http://127.0.0.1:\(port)/answer"))
            let started = Date()
            for _ in 0..<50 {
                let answer = try client.send(FunkoHTTP.HTTPRequest(url: "http://127.0.0.1:\(port)/answer"))
                #expect(answer.status == 200)
                #expect(answer.text == #"{"ok":true}"#)
            }
            return Date().timeIntervalSince(started)
        }.value
        #expect(seconds < 1, "50 requests on one connection took \(seconds) s")
        await server.stop()
    }
}
