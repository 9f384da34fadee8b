import FlyingFox
import Foundation
import FunkoTestSupport

@testable import FunkoCore
@testable import FunkoHTTP

/// A fault-injecting HTTP proxy in front of moto. It exists because throttling, 503s and a hung
/// endpoint cannot be asked of moto (or AWS) on demand. Each request takes the next scripted
/// fault; when the script is empty, requests are forwarded unchanged (the Host header included,
/// so SigV4 signatures still verify at moto).
final class FaultProxy: @unchecked Sendable {
    enum Fault {
        case status(Int, String)
        case hang(Double)
        case forward
    }

    let server: HTTPServer
    let target: String
    var port: UInt16 = 0
    private let lock = Mutex()
    private var script: [Fault]
    /// A fault for every request while set (an outage), before the script.
    private var standing: Fault?
    private(set) var seen: [String] = []
    /// `X-Amz-Target` of each request (JSON APIs), "" when absent.
    private(set) var targets: [String] = []
    /// Fixed answers by `X-Amz-Target`, for calls the emulator lacks (moto 5.2 has no UpdateEndpoint).
    var answers: [String: (Int, String)] = [:]

    init(target: String, script: [Fault]) async throws {
        self.target = target
        self.script = script
        server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: 0), timeout: 60, logger: .disabled)
        await server.appendRoute("*") { [unowned self] request in
            let body = Array(try await request.bodyData)
            let fault: Fault = self.lock.locked {
                self.seen.append("\(request.method.rawValue) \(request.path)")
                self.targets.append(request.headers[HTTPHeader("X-Amz-Target")] ?? "")
                if let (code, text) = self.answers[request.headers[HTTPHeader("X-Amz-Target")] ?? ""] {
                    return .status(code, text)
                }
                if let standing = self.standing { return standing }
                return self.script.isEmpty ? .forward : self.script.removeFirst()
            }
            switch fault {
            case .status(let code, let text):
                return FlyingFox.HTTPResponse(
                    statusCode: HTTPStatusCode(code, phrase: "Injected"),
                    headers: [.contentType: text.hasPrefix("<") ? "application/xml" : "application/json"],
                    body: Data(text.utf8))
            case .hang(let seconds):
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return FlyingFox.HTTPResponse(statusCode: .gatewayTimeout)
            case .forward:
                var headers: [(String, String)] = []
                for (k, v) in request.headers { headers.append((k.rawValue, v)) }
                let url = self.target + request.target.rawValue  // byte for byte, as signed
                let forwarded = FunkoHTTP.HTTPRequest(
                    method: request.method.rawValue, url: url, headers: headers, body: body)
                let answer = try await onThread { try FunkoHTTP.HTTPClient().send(forwarded) }
                var out = HTTPHeaders()
                for (k, v) in answer.headers where k != "content-length" && k != "transfer-encoding" {
                    out[HTTPHeader(k)] = v
                }
                return FlyingFox.HTTPResponse(
                    statusCode: HTTPStatusCode(answer.status, phrase: "OK"), headers: out, body: Data(answer.body))
            }
        }
        Task { try await server.run() }
        try await server.waitUntilListening()
        if case .ip4(_, let p) = await server.listeningAddress { port = p }
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }
    var requests: [String] { lock.locked { seen } }
    var amzTargets: [String] { lock.locked { targets } }
    /// Every request gets `fault` until called again with nil.
    func always(_ fault: Fault?) { lock.locked { standing = fault } }
    func answer(_ target: String, status: Int = 200, body: String) { lock.locked { answers[target] = (status, body) } }
}
