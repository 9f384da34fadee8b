import FlyingFox
import Foundation
import FunkoHTTP
import FunkoTestSupport
import LambdaLocal
import Testing

/// FlyingFox writes a response's header and body separately; with Nagle's algorithm on, each
/// answer on a kept-alive connection waited for the client's delayed acknowledgement (40 ms on
/// Linux), so lambda-local answered about 11 invocations a second (scripts/bench soak found it).
/// The check reads the option off the server's side of a live connection, next to FlyingFox's
/// stock pool as the reference (which leaves Nagle on), instead of timing answers.
@Suite(.ownThread) struct NoDelaySocketPoolTests {
    @Test func acceptedConnectionsHaveNagleOffAndTheStockPoolIsTheReference() async throws {
        let address = try sockaddr_in.inet(ip4: "127.0.0.1", port: 0)
        #expect(try await serverSideNoDelay(HTTPServer.withoutNagle(address: address, timeout: 30)) == [1])
        #expect(try await serverSideNoDelay(HTTPServer(address: address, timeout: 30, logger: .disabled)) == [0])
    }

    /// TCP_NODELAY of the server's end of one kept-alive connection, after two answers on it.
    func serverSideNoDelay(_ server: HTTPServer) async throws -> [Int32] {
        await server.appendRoute("GET /answer") { _ in
            FlyingFox.HTTPResponse(
                statusCode: .ok, headers: [.contentType: "application/json"], body: Data(#"{"ok":true}"#.utf8))
        }
        let task = Task { try await server.run() }
        defer { task.cancel() }
        try await server.waitUntilListening(timeout: 60)
        guard case .ip4(_, let port) = await server.listeningAddress else {
            Issue.record("not listening on IPv4")
            return []
        }
        let values = try await onThread {
            let client = FunkoHTTP.HTTPClient()  // one handle: one connection, kept alive
            for _ in 0..<2 {
                let answer = try client.send(FunkoHTTP.HTTPRequest(url: "http://127.0.0.1:\(port)/answer"))
                #expect(answer.status == 200)
            }
            return withExtendedLifetime(client) { Self.noDelayOfAcceptedSockets(port: port) }
        }
        await server.stop()
        return values
    }

    /// The option on every connected socket of this process whose local port is `port`: the
    /// server's ends (the client's end has an ephemeral local port; the listener has no peer).
    static func noDelayOfAcceptedSockets(port: UInt16) -> [Int32] {
        var values: [Int32] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let fd = Int32(name) else { continue }
            var local = sockaddr_in()
            var peer = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            var peerLength = length
            let named = withUnsafeMutablePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0, local.sin_family == sa_family_t(AF_INET), UInt16(bigEndian: local.sin_port) == port
            else { continue }
            let connected = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &peerLength) }
            }
            guard connected == 0 else { continue }
            var on: Int32 = -1
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, &size) == 0 else { continue }
            values.append(on)
        }
        return values
    }
}
