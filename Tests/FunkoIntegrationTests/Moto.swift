import Foundation
import FunkoTestSupport

@testable import AWSClients
@testable import AWSSigV4
@testable import FunkoCore

/// A real moto server (the AWS API emulator from PyPI) on loopback, with signature checking on:
/// started once per test run, bootstrapped with an IAM user, and stopped when the tests exit
/// (Tests/python/moto_serve.py watches this process).
final class Moto: @unchecked Sendable {
    private static let signed = Shared { try Moto(checkSignatures: true) }
    private static let unsigned = Shared { try Moto(checkSignatures: false) }
    /// Started on first use; a server that cannot start fails each test that asks for it.
    static var shared: Moto { get throws { try signed.get() } }
    /// Without signature checks, only for what moto 5.2.1 cannot verify: it rejects even
    /// botocore's own signature on ListObjectsV2 (`listingNeedsTheOpenServer` proves it).
    static var open: Moto { get throws { try unsigned.get() } }

    let endpoint: String
    let credentials: AWSCredentials
    let region = "us-east-1"
    private let process: Process

    init(checkSignatures: Bool) throws {
        let venv = ProcessInfo.processInfo.environment["FUNKO_VENV"] ?? "\(packageRoot)/.venv"
        let port = Moto.freePort()
        endpoint = "http://127.0.0.1:\(port)"
        process = Process()
        process.executableURL = URL(fileURLWithPath: "\(venv)/bin/python")
        process.arguments =
            ["\(packageRoot)/Tests/python/moto_serve.py", String(port), String(getpid())]
            + (checkSignatures ? ["--check-signatures"] : [])
        // Not our stdout: a server holding the test runner's pipe would keep `swift test` waiting.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until it accepts connections (bounded).
        let start = Date()
        while !Moto.accepts(port) {
            guard Date().timeIntervalSince(start) < 30 else {
                throw FunkoError.unavailable("moto_server did not start on port \(port)")
            }
            usleep(50_000)
        }
        guard checkSignatures else {
            credentials = AWSCredentials(accessKeyID: "AKIAOPENMOTO", secretAccessKey: "open")
            return
        }
        let setup = try runProcess("\(venv)/bin/python", ["\(packageRoot)/Tests/python/moto_setup.py", endpoint])
        guard setup.status == 0, let keys = try? JSON.decode([String: String].self, from: setup.stdout),
            let id = keys["access_key_id"], let secret = keys["secret_access_key"]
        else {
            throw FunkoError.unavailable("moto bootstrap failed: \(setup.stderr)")
        }
        credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret)
    }

    var config: AWSConfig {
        AWSConfig(
            region: region, credentials: credentials,
            endpointOverrides: [.s3: endpoint, .sagemaker: endpoint, .sagemakerRuntime: endpoint, .ssm: endpoint])
    }

    /// What a handler binary or the CLI needs to reach it, as AWS SDK settings.
    var environment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
            "AWS_REGION": region, "AWS_ENDPOINT_URL": endpoint, "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_CONFIG_FILE": "/nonexistent",
        ]
    }

    /// Queues InvokeEndpoint answers (moto's own configuration API): each new request body gets the next.
    func queueEndpointResults(_ bodies: [String]) throws {
        let payload: [String: JSONValue] = [
            "region": .string(region),
            "results": .array(
                bodies.map {
                    .object(["Body": .string($0), "ContentType": .string("text/csv")])
                }),
        ]
        let r = try runProcess(
            "/usr/bin/curl",
            [
                "-sf", "-X", "POST", "\(endpoint)/moto-api/static/sagemaker/endpoint-results",
                "-H", "Content-Type: application/json", "-d", try JSON.encode(payload),
            ])
        guard r.status == 0 else { throw FunkoError.unavailable("moto endpoint-results: \(r.stderr)") }
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

extension Moto {
    /// A new bucket named `prefix-<random>` holding the handler fixture's champion and its
    /// artifacts, as the functions read them in the cloud.
    func bucketWithFixtureModel(_ prefix: String) throws -> (name: String, s3: S3Client) {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        let s3 = S3Client(config: config)
        try s3.createBucket(name)
        try Self.copyFixtureModel(to: S3ObjectStore(s3: s3, bucket: name))
        return (name, s3)
    }

    static func copyFixtureModel(to remote: S3ObjectStore) throws {
        let local = try LocalObjectStore(root: HandlerFixture.shared.dataDir)
        for key in [
            "models/fixture/model.tar.gz", "models/fixture/metadata.json", "models/fixture/evaluation.json",
            "models/champion.json",
        ] {
            try remote.put(key, try local.get(key)!)
        }
    }
}
