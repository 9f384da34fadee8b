import Foundation
import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import FunkoAPI
@testable import FunkoCore
@testable import FunkoFeatures
@testable import FunkoHandlers
@testable import FunkoModel
@testable import FunkoStore
@testable import LambdaEvents
@testable import LambdaLocal
@testable import LambdaRuntime

/// The handler binaries in SageMaker mode against moto: metadata from S3, InvokeEndpoint with the
/// shared feature rows, and the same post-processing as in-process inference. Also the CLI's
/// artifacts and deploy commands.
@Suite(.serialized, .ownThread) struct AWSHandlerTests {
    /// The signature-checking server; a server that cannot start fails each test of the suite.
    let moto: Moto

    init() throws { moto = try Moto.shared }
    static let bucket = "funko-artifacts"

    /// Pushes the fixture's artifacts to S3 once.
    func artifactsInS3() throws -> S3Client {
        let s3 = S3Client(config: moto.config)
        if try s3.headObject(bucket: Self.bucket, key: "models/champion.json") == nil {
            try? s3.createBucket(Self.bucket)
            try Moto.copyFixtureModel(to: S3ObjectStore(s3: s3, bucket: Self.bucket))
        }
        return s3
    }

    func sagemakerEnvironment(endpoint: String = "funko-endpoint", runtimeURL: String? = nil) throws -> [String: String]
    {
        var env = try moto.environment.merging(HandlerFixture.shared.environment) { $1 }
        env["INFERENCE_MODE"] = "sagemaker"
        env["SAGEMAKER_ENDPOINT_NAME"] = endpoint
        env["MODEL_BUCKET"] = Self.bucket
        env["FUNKO_DATA_DIR"] = "/nonexistent"  // the model must come from S3
        // These tests are not about time limits, and moto on loopback can take seconds to answer
        // on a busy machine: a generous limit per InvokeEndpoint attempt instead of the default 5 s
        // (aHungEndpointIsA503WithinTheDeadline sets its own).
        env["SAGEMAKER_TIMEOUT_SECONDS"] = "30"
        if let runtimeURL { env["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"] = runtimeURL }
        return env
    }

    /// The embedded model's raw outputs for a request, to queue as the endpoint's answers.
    func embeddedTargets(ids: [String], condition: Condition, marketplace: Marketplace, futureDays: Int) throws
        -> [Double]
    {
        let store = try SQLiteStore(path: HandlerFixture.shared.databasePath)
        let model = try ModelRepository(store: LocalObjectStore(root: HandlerFixture.shared.dataDir)).load()
        let now = Time.now()
        var table = SalesTable(pops: try ids.map { try store.pop(id: $0)! })
        var queries: [FeatureQuery] = []
        for (i, id) in ids.enumerated() {
            for s in try store.sales(popID: id, from: 0, until: now) {
                table.append(
                    pop: Int32(i), soldAt: s.soldAt, price: s.price, condition: s.condition, marketplace: s.marketplace)
            }
            queries.append(
                FeatureQuery(
                    pop: Int32(i), time: now + Int64(futureDays) * secondsPerDay, windowEnd: now, condition: condition,
                    marketplace: marketplace))
        }
        return try model.predictTargets(
            FeatureBuilder.rows(for: queries, sales: table, encoders: model.metadata.vocabularies), deadline: nil)
    }

    func embeddedAnswer(_ function: String, _ event: [UInt8]) throws -> String {
        let answer = try HandlerFixture.shared.function(function).handle(event, context: testContext())
        return String(decoding: try HTTPResult.decode(answer).body, as: UTF8.self)
    }

    @Test func predictAndBatchBinariesCallTheEndpointAndAnswerLikeEmbedded() async throws {
        _ = try artifactsInS3()
        let single = try embeddedTargets(ids: ["10001"], condition: .mint, marketplace: .ebay, futureDays: 30)
        let batch = try embeddedTargets(
            ids: ["10001", "10002", "10003", "10004"], condition: .nearMint, marketplace: .whatnot, futureDays: 7)
        // What SageMaker's XGBoost container would answer for these rows: one value per line.
        try moto.queueEndpointResults([
            single.map { "\($0)" }.joined(separator: "\n"), batch.map { "\($0)" }.joined(separator: "\n"),
        ])

        for (function, sample) in [("predict", SampleEvent.all[0]), ("predict-batch", SampleEvent.all[6])] {
            let e = LambdaEmulator(
                .init(
                    command: ["\(HandlerBinaryTests.binDir)/\(function)"], port: 0, timeout: 60, functionName: function,
                    environment: try sagemakerEnvironment()))
            try await e.start()
            let answer = try await e.invoke(sample.bytes)
            await e.stop()
            let result = try HTTPResult.decode(answer.body)
            let body = String(decoding: result.body, as: UTF8.self)
            #expect(result.status == 200, "\(function): \(body)")
            // Same prices, ranges and confidence as the in-process model (dates aside).
            func strip(_ s: String) -> String {
                s.replacingOccurrences(of: #""prediction_date":"[^"]*""#, with: "", options: .regularExpression)
                    .replacingOccurrences(of: #""request_id":"[^"]*""#, with: "", options: .regularExpression)
            }
            #expect(strip(body) == strip(try embeddedAnswer(function, sample.bytes)), "\(function)")
        }
    }

    @Test func modelStatusReportsTheEndpointsRealStatus() async throws {
        _ = try artifactsInS3()
        let sm = SageMakerClient(config: moto.config)
        try sm.createModel(
            name: "status-m", image: SageMakerClient.xgboostImage(region: "us-east-1")!,
            modelDataURL: "s3://\(Self.bucket)/models/fixture/model.tar.gz",
            roleARN: "arn:aws:iam::123456789012:role/sm")
        try sm.createEndpointConfig(name: "status-c", modelName: "status-m", instanceType: "ml.t2.medium")
        try sm.createEndpoint(name: "status-endpoint", configName: "status-c")
        let e = LambdaEmulator(
            .init(
                command: ["\(HandlerBinaryTests.binDir)/status"], port: 0, timeout: 60, functionName: "status",
                environment: try sagemakerEnvironment(endpoint: "status-endpoint")))
        try await e.start()
        let status = String(
            decoding: try HTTPResult.decode(try await e.invoke(SampleEvent.all[9].bytes).body).body, as: UTF8.self)
        #expect(status.contains(#""endpoint":{"name":"status-endpoint","status":"InService"}"#), "\(status)")
        #expect(status.contains(#""inference_mode":"sagemaker""#))
        #expect(status.contains(#""model_version":"fixture""#))
        await e.stop()
        let missing = LambdaEmulator(
            .init(
                command: ["\(HandlerBinaryTests.binDir)/status"], port: 0, timeout: 60, functionName: "status",
                environment: try sagemakerEnvironment(endpoint: "no-such-endpoint")))
        try await missing.start()
        let health = try HTTPResult.decode(try await missing.invoke(SampleEvent.all[8].bytes).body)
        #expect(health.status == 503)
        #expect(String(decoding: health.body, as: UTF8.self).contains("endpoint no-such-endpoint is NotFound"))
        await missing.stop()
    }

    @Test func aHungEndpointIsA503WithinTheDeadline() async throws {
        _ = try artifactsInS3()
        let proxy = try await FaultProxy(target: moto.endpoint, script: [.hang(30), .hang(30)])
        var env = try sagemakerEnvironment(runtimeURL: proxy.endpoint)
        env["SAGEMAKER_TIMEOUT_SECONDS"] = "1"
        let e = LambdaEmulator(
            .init(
                command: ["\(HandlerBinaryTests.binDir)/predict"], port: 0, timeout: 60, functionName: "predict",
                environment: env))
        try await e.start()
        // The function's own timeout is generous: its start reads the model's metadata from moto,
        // which is slow while other suites use it. The deadline under test is measured below.
        // A request refused before any endpoint call first, so the function's start (the model's
        // metadata read from S3) is not part of the time measured below.
        let refused = try await e.invoke(try Files.read("\(packageRoot)/events/bad/predict-missing-id.json"))
        #expect(try HTTPResult.decode(refused.body).status == 400)
        #expect(proxy.requests.isEmpty)
        let start = Time.monotonic()
        let answer = try await e.invoke(SampleEvent.all[0].bytes)
        let elapsed = Time.monotonic() - start
        await e.stop()
        #expect(!answer.functionError, "took \(elapsed) s")
        #expect(elapsed < 5, "took \(elapsed) s")
        let result = try HTTPResult.decode(answer.body)
        let body = String(decoding: result.body, as: UTF8.self)
        #expect(result.status == 503, "\(body)")
        #expect(body.contains("SageMaker endpoint funko-endpoint did not answer in time"), "\(body)")
        await proxy.server.stop()
    }

    /// Against the open moto: `pull` lists objects, which moto cannot verify (see AWSTests).
    @Test func artifactsPushPullAndDeployFromTheCLI() async throws {
        let moto = try Moto.open
        let s3 = S3Client(config: moto.config)
        try s3.createBucket("cli-artifacts")
        var env = moto.environment
        env["FUNKO_DATA_DIR"] = try HandlerFixture.shared.dataDir
        env["FUNKO_DB"] = try HandlerFixture.shared.databasePath
        env["CI"] = "1"
        let push = try runProcess(
            funkoBinary, ["artifacts", "push", "--bucket", "cli-artifacts", "--prefix", "funko"], env: env)
        #expect(push.status == 0, "\(push.stderr)")
        #expect(try s3.getObject(bucket: "cli-artifacts", key: "funko/models/champion.json") != nil)
        let dir = try TempDir()
        env["FUNKO_DATA_DIR"] = dir.path
        let pull = try runProcess(
            funkoBinary, ["artifacts", "pull", "--bucket", "cli-artifacts", "--prefix", "funko"], env: env)
        #expect(pull.status == 0, "\(pull.stderr)")
        for key in ["models/champion.json", "models/fixture/model.tar.gz", "models/fixture/metadata.json"] {
            #expect(
                try Files.read(dir.file(key)) == Files.read("\(HandlerFixture.shared.dataDir)/\(key)"),
                "\(key)")
        }
        let deploy = try runProcess(
            funkoBinary,
            [
                "deploy", "--bucket", "cli-artifacts", "--prefix", "funko", "--endpoint-name", "cli-endpoint",
                "--role-arn", "arn:aws:iam::123456789012:role/sm", "--poll-interval", "0.1",
            ], env: env)
        #expect(deploy.status == 0, "\(deploy.stderr)")
        #expect(deploy.stdout.contains("creating endpoint cli-endpoint with model fixture"))
        #expect(deploy.stdout.contains("is InService"))
        // A second deploy updates the endpoint in place. moto has no UpdateEndpoint, so the proxy
        // answers that call (the fourth SageMaker request) and forwards the rest.
        let proxy = try await FaultProxy(
            target: moto.endpoint, script: [.forward, .forward, .forward, .status(200, #"{"EndpointArn":"x"}"#)])
        var viaProxy = env
        viaProxy["AWS_ENDPOINT_URL_SAGEMAKER"] = proxy.endpoint
        let again = try await onThread {
            try runProcess(
                funkoBinary,
                [
                    "deploy", "--bucket", "cli-artifacts", "--prefix", "funko", "--endpoint-name", "cli-endpoint",
                    "--role-arn", "arn:aws:iam::123456789012:role/sm", "--poll-interval", "0.1",
                ], env: viaProxy)
        }
        #expect(again.stdout.contains("updating endpoint cli-endpoint"), "\(again.stdout) \(again.stderr)")
        #expect(
            Array(proxy.amzTargets.prefix(4)) == [
                "SageMaker.DescribeEndpoint", "SageMaker.CreateModel", "SageMaker.CreateEndpointConfig",
                "SageMaker.UpdateEndpoint",
            ])
        await proxy.server.stop()
        let noRole = try runProcess(
            funkoBinary, ["deploy", "--bucket", "cli-artifacts", "--endpoint-name", "x"], env: env)
        #expect(noRole.status == 1)
        #expect(noRole.stderr.contains("no execution role: pass --role-arn"))
        // A baseline version has no trees: deploy refuses it and leaves the endpoint alone.
        var baseline = try JSON.decode(
            ModelMetadata.self, from: try Files.read("\(HandlerFixture.shared.dataDir)/models/fixture/metadata.json"))
        baseline.version = "fixture-baseline"
        baseline.predictorKind = .baseline(.lastSale)
        try S3ObjectStore(s3: s3, bucket: "cli-artifacts", prefix: "funko").put(
            ArtifactKey.metadata(baseline.version), Array(try JSON.encode(baseline).utf8))
        let notDeployed = try runProcess(
            funkoBinary,
            [
                "deploy", "--bucket", "cli-artifacts", "--prefix", "funko", "--version", "fixture-baseline",
                "--endpoint-name", "cli-endpoint", "--role-arn", "arn:aws:iam::123456789012:role/sm",
            ], env: env)
        #expect(notDeployed.status == 1)
        #expect(
            notDeployed.stderr.contains("version fixture-baseline is the baseline:last_sale predictor"),
            "\(notDeployed.stderr)")
        var noCreds = env
        noCreds["AWS_ACCESS_KEY_ID"] = nil
        noCreds["AWS_SECRET_ACCESS_KEY"] = nil
        let denied = try runProcess(funkoBinary, ["artifacts", "pull", "--bucket", "cli-artifacts"], env: noCreds)
        #expect(denied.status == 1, "\(denied.stderr)")
        #expect(denied.stderr.contains("no AWS credentials"), "\(denied.stderr)")
    }
}
