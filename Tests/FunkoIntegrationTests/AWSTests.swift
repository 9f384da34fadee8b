import Foundation
import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import AWSSigV4
@testable import FunkoAPI
@testable import FunkoCore
@testable import FunkoFeatures
@testable import FunkoHTTP
@testable import FunkoModel
@testable import LambdaEvents
@testable import LambdaLocal

/// The AWS clients against a real moto server with signature checking on.
@Suite(.serialized, .ownThread) struct AWSTests {
    /// The signature-checking server; a server that cannot start fails each test of the suite.
    let moto: Moto

    init() throws { moto = try Moto.shared }

    func bucket(_ name: String) throws -> S3Client {
        let s3 = S3Client(config: moto.config)
        try s3.createBucket(name)
        return s3
    }

    @Test func s3RoundTripsSmallAndMultipartObjects() throws {
        let s3 = try bucket("round-trip")
        try s3.putObject(
            bucket: "round-trip", key: "models/v 1/metadata.json", bytes: Array(#"{"ok":true}"#.utf8),
            contentType: "application/json")
        #expect(try s3.getObject(bucket: "round-trip", key: "models/v 1/metadata.json") == Array(#"{"ok":true}"#.utf8))
        #expect(try s3.getObject(bucket: "round-trip", key: "models/none.json") == nil)
        #expect(try s3.headObject(bucket: "round-trip", key: "models/v 1/metadata.json")?.size == 11)
        #expect(try s3.headObject(bucket: "round-trip", key: "nope") == nil)

        // 12 MB through multipart (5 MiB parts), from memory and from a file, and streamed back to a file.
        s3.multipartThreshold = 5 * 1024 * 1024
        let big = (0..<12_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 9)) }
        try s3.putObject(bucket: "round-trip", key: "datasets/v1/train.csv", bytes: big)
        #expect(try s3.getObject(bucket: "round-trip", key: "datasets/v1/train.csv") == big)
        let dir = try TempDir()
        try Files.write(dir.file("big.bin"), big)
        try s3.putFile(bucket: "round-trip", key: "datasets/v1/file.bin", path: dir.file("big.bin"))
        #expect(try s3.downloadFile(bucket: "round-trip", key: "datasets/v1/file.bin", to: dir.file("back.bin")))
        #expect(try Files.read(dir.file("back.bin")) == big)
        // Uploaded in 3 parts.
        #expect(try s3.headObject(bucket: "round-trip", key: "datasets/v1/file.bin")?.etag.contains("-3") == true)

    }

    @Test func listingAcrossPages() throws {
        let s3 = try S3Client(config: Moto.open.config)
        try s3.createBucket("listing")
        for i in 0..<1005 { try s3.putObject(bucket: "listing", key: "datasets/v1/part-\(i).csv", bytes: [1]) }
        try s3.putObject(bucket: "listing", key: "models/v 1/metadata.json", bytes: [1])
        #expect(try s3.listObjects(bucket: "listing", prefix: "datasets/v1/").count == 1005)  // two pages
        #expect(try s3.listObjects(bucket: "listing", prefix: "", delimiter: "/").sorted() == ["datasets/", "models/"])
        // The artifact store view used by handlers and the CLI.
        #expect(try S3ObjectStore(s3: s3, bucket: "listing").list("models/") == ["models/v 1"])
    }

    /// Why listing uses the open server: with signature checks on, moto 5.2.1 rejects any
    /// request whose query holds an encoded "/" (every prefix listing), even when botocore signed
    /// it. If this starts passing, move listing back.
    @Test func listingNeedsTheOpenServer() throws {
        _ = try bucket("control")
        let script = """
            import boto3, sys
            s3 = boto3.client("s3", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
            try:
                s3.list_objects_v2(Bucket="control", Prefix="datasets/v1/")
                print("accepted")
            except Exception as e:
                print(getattr(e, "response", {}).get("Error", {}).get("Code", str(e)))
            """
        let r = try runProcess(
            "\(packageRoot)/.venv/bin/python",
            ["-c", script, moto.endpoint, moto.credentials.accessKeyID, moto.credentials.secretAccessKey])
        #expect(r.stdout.trimmed == "SignatureDoesNotMatch", "\(r.stdout) \(r.stderr)")
    }

    @Test func aWrongSecretIsAClearSignatureDoesNotMatch() throws {
        _ = try bucket("signed")
        var config = moto.config
        config.credentials = AWSCredentials(
            accessKeyID: moto.credentials.accessKeyID, secretAccessKey: "not-the-secret-0123456789")
        let s3 = S3Client(config: config)
        do {
            try s3.putObject(bucket: "signed", key: "x", bytes: [1])
            Issue.record("a wrongly signed request was accepted")
        } catch let e as AWSError {
            #expect(e.code == "SignatureDoesNotMatch", "\(e)")
            #expect(e.status == 403, "\(e)")
            #expect(e.description.hasPrefix("S3 PutObject failed: SignatureDoesNotMatch (HTTP 403)"))
            #expect(!e.description.contains("not-the-secret"))
            #expect(!e.description.contains(moto.credentials.secretAccessKey))
        }
        var sm = moto.config
        sm.credentials = config.credentials
        #expect(throws: AWSError.self) { try SageMakerClient(config: sm).describeEndpoint("any") }
    }

    @Test func sagemakerControlPlane() async throws {
        let s3 = try bucket("sm-artifacts")
        try s3.putObject(bucket: "sm-artifacts", key: "datasets/v1/train.csv", bytes: Array("1,2,3\n".utf8))
        let sm = SageMakerClient(config: moto.config)
        let role = "arn:aws:iam::123456789012:role/funko-sagemaker"
        let image = SageMakerClient.xgboostImage(region: "us-east-1")!
        #expect(image == "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
        try sm.createTrainingJob(
            .init(
                name: "funko-train-1", image: image, roleARN: role, instanceType: "ml.m5.large",
                hyperparameters: ["num_round": "200", "eta": "0.05", "objective": "reg:squarederror"],
                channels: [.init(name: "train", s3URI: "s3://sm-artifacts/datasets/v1/train.csv")],
                outputS3URI: "s3://sm-artifacts/training/"))
        let job = try sm.describeTrainingJob("funko-train-1")
        #expect(job.name == "funko-train-1")
        #expect(!job.status.isEmpty)
        #expect(job.status != "Unknown")
        try sm.createModel(
            name: "funko-m1", image: image, modelDataURL: "s3://sm-artifacts/models/v1/model.tar.gz", roleARN: role)
        try sm.createEndpointConfig(name: "funko-c1", modelName: "funko-m1", instanceType: "ml.t2.medium")
        #expect(try sm.describeEndpoint("funko-cp") == nil)
        try sm.createEndpoint(name: "funko-cp", configName: "funko-c1")
        let e = try sm.describeEndpoint("funko-cp")
        #expect(e?.configName == "funko-c1")
        #expect(e?.status == "InService")
        try sm.createModel(
            name: "funko-m2", image: image, modelDataURL: "s3://sm-artifacts/models/v2/model.tar.gz", roleARN: role)
        try sm.createEndpointConfig(name: "funko-c2", modelName: "funko-m2", instanceType: "ml.t2.medium")
        // moto 5.2.1 has no UpdateEndpoint (it answers 500), so that one call is answered by the
        // proxy, which records what was sent; everything else goes to moto.
        #expect(throws: AWSError.self) { try sm.updateEndpoint(name: "funko-cp", configName: "funko-c2") }
        let proxy = try await FaultProxy(
            target: moto.endpoint,
            script: [.status(200, #"{"EndpointArn":"arn:aws:sagemaker:us-east-1:123456789012:endpoint/funko-cp"}"#)])
        var viaProxy = moto.config
        viaProxy.endpointOverrides[.sagemaker] = proxy.endpoint
        try await onThread {
            try SageMakerClient(config: viaProxy).updateEndpoint(name: "funko-cp", configName: "funko-c2")
        }
        #expect(proxy.amzTargets == ["SageMaker.UpdateEndpoint"])
        await proxy.server.stop()
        do {
            _ = try sm.describeTrainingJob("no-such-job")
            Issue.record("an unknown training job was described")
        } catch let error as AWSError {
            #expect(error.service == "SageMaker", "\(error)")
            #expect(error.operation == "DescribeTrainingJob", "\(error)")
            #expect(error.status == 400, "\(error)")
            #expect(error.code == "ValidationException", "\(error)")
            #expect(error.description.contains("no-such-job"), "\(error)")
        }
    }

    @Test func throttlingAnd503AreRetriedThenSucceed() async throws {
        let s3 = try bucket("retries")
        try s3.putObject(bucket: "retries", key: "k", bytes: Array("value".utf8))
        let proxy = try await FaultProxy(
            target: moto.endpoint,
            script: [
                .status(503, "<Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error>"),
                .status(503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"),
            ])
        var config = moto.config
        config.endpointOverrides = [.s3: proxy.endpoint, .sagemaker: proxy.endpoint, .sagemakerRuntime: proxy.endpoint]
        let value = try await onThread { try S3Client(config: config).getObject(bucket: "retries", key: "k") }
        #expect(value == Array("value".utf8))
        #expect(proxy.requests.count == 3)

        let sm = try await FaultProxy(
            target: moto.endpoint,
            script: [.status(400, #"{"__type":"ThrottlingException","message":"Rate exceeded"}"#)])
        config.endpointOverrides[.sagemaker] = sm.endpoint
        _ = try await onThread { try SageMakerClient(config: config).describeEndpoint("absent") }
        #expect(sm.requests.count == 2)

        // Client errors are not retried: one request, and the code comes through.
        let bad = try await FaultProxy(
            target: moto.endpoint, script: [.status(400, #"{"__type":"ValidationException","message":"bad field"}"#)])
        config.endpointOverrides[.sagemaker] = bad.endpoint
        await #expect(throws: AWSError.self) {
            try await onThread { try SageMakerClient(config: config).describeEndpoint("x") }
        }
        #expect(bad.requests.count == 1)
        for p in [proxy, sm, bad] { await p.server.stop() }
    }

    @Test func retriesGiveUpAtTheDeadline() throws {
        // Nothing listens on this port: connection errors are retried until the deadline.
        var config = moto.config
        config.endpointOverrides[.s3] = "http://127.0.0.1:\(Moto.freePort())"
        let s3 = S3Client(config: config)
        s3.client.retry = RetryPolicy(maxAttempts: 100, backoff: Backoff(base: 0.05, cap: 0.2))
        let start = Time.monotonic()
        #expect(throws: FunkoError.self) {
            try s3.getObject(bucket: "b", key: "k", deadline: Time.nowMilliseconds() + 1000)
        }
        #expect(Time.monotonic() - start < 1.5)
    }
}
