import Foundation
import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import FunkoApp
@testable import FunkoCore
@testable import FunkoFeatures
@testable import FunkoHandlers
@testable import FunkoModel
@testable import FunkoRetrain
@testable import FunkoStore
@testable import FunkoTraining
@testable import LambdaEvents
@testable import LambdaRuntime
@testable import RetrainHandler

/// Retraining in the cloud, against the moto server with signature checks on: the weekly event runs
/// the pipeline into S3 and starts a SageMaker training job; the job's completion event evaluates
/// the candidate against the champion and promotes it onto the endpoint only if it is better.
///
/// moto accepts CreateTrainingJob but trains nothing: the test trains the candidate the way
/// SageMaker's XGBoost 1.7-1 container does (Python xgboost 1.7.6 on the dataset's CSV channels
/// with the job's hyperparameters, Tests/python/sagemaker_train.py) and writes its model.tar.gz
/// where the job's output would be. moto 5.2 also lacks UpdateEndpoint: a proxy in front of it
/// answers that one call and records it; every other call reaches moto.
@Suite(.serialized, .ownThread) struct CloudRetrainTests {
    /// The signature-checking server; a server that cannot start fails each test of the suite.
    let moto: Moto

    init() throws { moto = try Moto.shared }
    static let role = "arn:aws:iam::123456789012:role/funko-sagemaker"

    struct Deployment {
        let dir: TempDir
        let bucket: String
        let endpoint: String
        let proxy: FaultProxy
        let env: [String: String]
        let s3: S3Client
        var repository: ModelRepository { ModelRepository(store: S3ObjectStore(s3: s3, bucket: bucket)) }
    }

    /// A bucket with a deliberately weak champion (one boosting round) already on an endpoint.
    func deployment() async throws -> Deployment {
        let dir = try TempDir()
        try FileManager.default.copyItem(
            atPath: HandlerFixture.shared.databasePath, toPath: dir.file("funko.sqlite"))
        let bucket = "retrain-\(UUID().uuidString.prefix(8).lowercased())"
        let endpoint = "funko-\(UUID().uuidString.prefix(8).lowercased())"
        let s3 = S3Client(config: moto.config)
        try s3.createBucket(bucket)
        let repo = ModelRepository(store: S3ObjectStore(s3: s3, bucket: bucket))
        var weak = quickConfig()
        weak.maxRounds = 1
        let now = Time.now()
        let champion = try Trainer.train(
            try SQLiteStore(path: dir.file("funko.sqlite")).salesTable(since: nil), config: weak,
            version: "weak", trainedAt: now - 86_400)
        try repo.save(champion)
        try repo.promote("weak", reason: "test champion", at: now - 86_400)
        var first = EndpointDeployment(
            sagemaker: SageMakerClient(config: moto.config), endpointName: endpoint, roleARN: Self.role,
            image: SageMakerClient.xgboostImage(region: moto.region)!)
        // Retraining never creates the endpoint (Terraform does): only a first deploy may.
        #expect(throws: FunkoError.self) {
            try first.deploy(version: "weak", modelDataURL: "s3://\(bucket)/models/weak/model.tar.gz", now: now)
        }
        first.createIfMissing = true
        #expect(
            try first.deploy(
                version: "weak", modelDataURL: "s3://\(bucket)/models/weak/model.tar.gz", now: now - 86_400
            ).created)

        let proxy = try await FaultProxy(target: moto.endpoint, script: [])
        proxy.answer(
            "SageMaker.UpdateEndpoint",
            body: #"{"EndpointArn":"arn:aws:sagemaker:us-east-1:123456789012:endpoint/\#(endpoint)"}"#)
        var env = moto.environment
        env["FUNKO_DB"] = dir.file("funko.sqlite")
        env["MODEL_BUCKET"] = bucket
        env["TRAINING_MODE"] = "sagemaker"
        env["SAGEMAKER_ROLE_ARN"] = Self.role
        env["SAGEMAKER_ENDPOINT_NAME"] = endpoint
        env["AWS_ENDPOINT_URL_SAGEMAKER"] = proxy.endpoint
        return Deployment(dir: dir, bucket: bucket, endpoint: endpoint, proxy: proxy, env: env, s3: s3)
    }

    func retrainTrigger(_ d: Deployment) throws -> RetrainFunction {
        RetrainFunction(
            app: try App(configuration: try AppConfiguration.fromEnvironment(d.env), logger: Logger(), loadModel: false)
        )
    }

    func invoke(_ f: RetrainFunction, _ event: [UInt8]) throws -> RetrainOutcome {
        try JSON.decode(RetrainOutcome.self, from: try f.handle(event, context: testContext()))
    }

    func completionEvent(job: String) throws -> [UInt8] {
        var text = try String(contentsOfFile: "\(packageRoot)/events/training-job-completed.json", encoding: .utf8)
        text = text.replacingOccurrences(of: "funko-train-20261123-030000", with: job)
        return Array(text.utf8)
    }

    /// Plays SageMaker's training container on the job's own channels and hyperparameters.
    func trainCandidate(_ d: Deployment, job: String, rounds: Int? = nil) throws {
        let sm = SageMakerClient(config: moto.config)
        let described = try sm.call("DescribeTrainingJob", ["TrainingJobName": .string(job)])
        var channels: [String: String] = [:]
        for case .object(let c) in described["InputDataConfig"]?.array ?? [] {
            channels[c["ChannelName"]?.string ?? ""] = c["DataSource"]?["S3DataSource"]?["S3Uri"]?.string
        }
        var hp = described["HyperParameters"]?.objectOfStrings ?? [:]
        if let rounds {
            hp["num_round"] = String(rounds)
            hp["early_stopping_rounds"] = nil
        }
        for (name, uri) in channels {
            let key = String(uri.dropFirst("s3://\(d.bucket)/".count))
            #expect(try d.s3.downloadFile(bucket: d.bucket, key: key, to: d.dir.file("\(name).csv")))
        }
        try Files.write(d.dir.file("hp.json"), try JSON.encode(hp))
        let python = ProcessInfo.processInfo.environment["FUNKO_PYTHON"] ?? "\(packageRoot)/.venv/bin/python"
        let r = try runProcess(
            python,
            [
                "\(packageRoot)/Tests/python/sagemaker_train.py", d.dir.file("train.csv"), d.dir.file("validation.csv"),
                d.dir.file("hp.json"), d.dir.file("model.tar.gz"),
            ])
        #expect(r.status == 0, "\(r.stderr)")
        let artifact = try sm.describeTrainingJob(job).modelArtifacts!
        #expect(artifact == "s3://\(d.bucket)/training-output/\(job)/output/model.tar.gz")
        try d.s3.putObject(
            bucket: d.bucket, key: String(artifact.dropFirst("s3://\(d.bucket)/".count)),
            bytes: try Files.read(d.dir.file("model.tar.gz")))
    }

    @Test func scheduleStartsATrainingJobAndABetterCandidateIsPromotedOntoTheEndpoint() async throws {
        let d = try await deployment()
        let f = try retrainTrigger(d)
        let started = try await onThread {
            try invoke(f, try Files.read("\(packageRoot)/events/retrain-schedule.json"))
        }
        #expect(started.status == .trainingStarted, "\(started.reason)")
        #expect(started.quality?.passed == true, "\(started.reason)")
        let version = try #require(started.dataset)
        let job = try #require(started.trainingJob)
        #expect(job == "funko-train-\(version)")

        // The dataset in S3: SageMaker CSV (label first, no header, 27 features) and its schema.
        let schema = try JSON.decode(
            DatasetSchema.self, from: try d.s3.getObject(bucket: d.bucket, key: "datasets/\(version)/schema.json")!)
        let train = String(
            decoding: try d.s3.getObject(bucket: d.bucket, key: "datasets/\(version)/train.csv")!, as: UTF8.self)
        let lines = train.split(separator: "\n")
        #expect(lines.count == schema.windows["train"]!.rows)
        #expect(lines.count > 1000)
        #expect(
            lines.allSatisfy {
                $0.split(separator: ",", omittingEmptySubsequences: false).count == 1 + Feature.allCases.count
            })
        #expect(Double(lines[0].split(separator: ",")[0]) != nil)  // a label, not a header
        #expect(try d.s3.headObject(bucket: d.bucket, key: "datasets/\(version)/quality.json") != nil)
        #expect(try d.s3.headObject(bucket: d.bucket, key: "datasets/\(version)/test.csv") != nil)

        // The training job as SageMaker received it.
        let described = try SageMakerClient(config: moto.config).call(
            "DescribeTrainingJob", ["TrainingJobName": .string(job)])
        #expect(
            described["AlgorithmSpecification"]?["TrainingImage"]?.string
                == "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
        #expect(described["ResourceConfig"]?["InstanceType"]?.string == "ml.m5.large")
        #expect(described["RoleArn"]?.string == Self.role)
        let channels = (described["InputDataConfig"]?.array ?? []).map {
            (
                $0["ChannelName"]?.string ?? "", $0["DataSource"]?["S3DataSource"]?["S3Uri"]?.string ?? "",
                $0["ContentType"]?.string ?? ""
            )
        }
        #expect(channels.map(\.0) == ["train", "validation"])
        #expect(
            channels.map(\.1) == [
                "s3://\(d.bucket)/datasets/\(version)/train.csv", "s3://\(d.bucket)/datasets/\(version)/validation.csv",
            ])
        #expect(channels.allSatisfy { $0.2 == "text/csv" })
        let hp = described["HyperParameters"]?.objectOfStrings ?? [:]
        #expect(hp == TrainingConfig().sageMakerHyperparameters)
        #expect(hp["objective"] == "reg:squarederror")
        #expect(hp["num_round"] == "2000")
        #expect(hp["early_stopping_rounds"] == "50")
        #expect(hp["max_depth"] == "7")

        try await onThread { try trainCandidate(d, job: job) }
        let before = try d.repository.champion()
        let outcome = try await onThread { try invoke(f, completionEvent(job: job)) }
        #expect(outcome.status == .promoted, "\(outcome.reason)")
        #expect(outcome.promoted, "\(outcome.reason)")
        #expect(outcome.candidate == version, "\(outcome.reason)")
        #expect(outcome.reason.contains("< champion MAE"))
        let championMAE = try #require(outcome.championMAE)
        let candidateMAE = try #require(outcome.metrics?.mae)
        #expect(championMAE > candidateMAE)
        let champion = try d.repository.champion()
        #expect(champion?.version == version)
        #expect(champion?.previous == before?.version)
        // Promotion: CreateModel and CreateEndpointConfig at moto, UpdateEndpoint to that config.
        let deployed = try #require(outcome.deployment)
        #expect(!deployed.created)
        #expect(deployed.endpoint == d.endpoint)
        #expect(deployed.endpointConfig.contains(version))
        let targets = d.proxy.amzTargets
        #expect(
            targets.suffix(4) == [
                "SageMaker.DescribeEndpoint", "SageMaker.CreateModel", "SageMaker.CreateEndpointConfig",
                "SageMaker.UpdateEndpoint",
            ])
        let config = try SageMakerClient(config: moto.config).call(
            "DescribeEndpointConfig", ["EndpointConfigName": .string(deployed.endpointConfig)])
        #expect(config["ProductionVariants"]?.array?.first?["InstanceType"]?.string == "ml.t2.medium")
        let model = try SageMakerClient(config: moto.config).call(
            "DescribeModel", ["ModelName": .string(deployed.model)])
        #expect(model["PrimaryContainer"]?["ModelDataUrl"]?.string == "s3://\(d.bucket)/models/\(version)/model.tar.gz")
        // The candidate's artifacts: our metadata and evaluation next to the served trees.
        let metadata = try d.repository.metadata(version: version)
        #expect(metadata.parameters["training_job"] == job)
        #expect(metadata.windows == schema.windows)
        #expect(try d.repository.evaluation(version: version)?.rows == schema.windows["test"]!.rows)

        // Serving in sagemaker mode follows the endpoint, not just champion.json: moto's endpoint
        // never ran the update (the proxy answered it), so the previous trees still answer there
        // and the previous metadata must go with them; once the endpoint runs the champion's
        // config, the champion's metadata serves.
        var serving = d.env
        serving["INFERENCE_MODE"] = "sagemaker"
        serving["TRAINING_MODE"] = nil
        let app = try App(configuration: try AppConfiguration.fromEnvironment(serving), logger: Logger())
        #expect(app.currentModel(logger: Logger())?.metadata.version == before?.version)
        let live = try #require(try SageMakerClient(config: moto.config).describeEndpoint(d.endpoint)?.configName)
        var record = try #require(champion)
        record.endpointConfig = live
        try d.repository.store.put("models/champion.json", Array(try JSON.encode(record).utf8))
        let caughtUp = try App(configuration: try AppConfiguration.fromEnvironment(serving), logger: Logger())
        #expect(caughtUp.currentModel(logger: Logger())?.metadata.version == version)
        try d.repository.store.put("models/champion.json", Array(try JSON.encode(champion).utf8))

        // The same event again (EventBridge delivers at least once) changes nothing.
        let calls = d.proxy.amzTargets.count
        let again = try await onThread { try invoke(f, completionEvent(job: job)) }
        #expect(again == outcome)
        #expect(d.proxy.amzTargets.count == calls)
        let log = try RetrainService(store: f.app.store, repository: d.repository).decisions()
        #expect(log.map(\.status) == [.trainingStarted, .promoted])
    }

    @Test func aWorseCandidateLeavesEverythingAsItWasAndSaysWhy() async throws {
        let d = try await deployment()
        let f = try retrainTrigger(d)
        let good = try await onThread { try invoke(f, try Files.read("\(packageRoot)/events/retrain-manual.json")) }
        let goodJob = try #require(good.trainingJob)
        try await onThread { try trainCandidate(d, job: goodJob) }
        #expect(try await onThread { try invoke(f, completionEvent(job: goodJob)) }.status == .promoted)
        let champion = try d.repository.champion()
        let calls = d.proxy.amzTargets.count

        // The next week's job trains one round only: worse than the champion on the same rows.
        let next = try await onThread { try invoke(f, try Files.read("\(packageRoot)/events/retrain-schedule.json")) }
        #expect(next.status == .trainingStarted)
        #expect(next.trainingJob != goodJob)
        try await onThread { try trainCandidate(d, job: next.trainingJob!, rounds: 1) }
        let outcome = try await onThread { try invoke(f, completionEvent(job: next.trainingJob!)) }
        #expect(outcome.status == .keptChampion)
        #expect(!outcome.promoted)
        #expect(outcome.deployment == nil)
        #expect(outcome.reason.contains("is not below champion MAE"), "\(outcome.reason)")
        #expect(try d.repository.champion() == champion)
        let newCalls = Array(d.proxy.amzTargets.dropFirst(calls))
        #expect(!newCalls.contains("SageMaker.UpdateEndpoint"), "\(newCalls)")
        #expect(!newCalls.contains("SageMaker.CreateModel"), "\(newCalls)")
        let log = try RetrainService(store: f.app.store, repository: d.repository).decisions()
        #expect(log.last == outcome)
        #expect(log.map(\.status) == [.trainingStarted, .promoted, .trainingStarted, .keptChampion])
    }

    /// A missed completion event: the next schedule finishes the pending job before starting a new one.
    @Test func theNextScheduleFinishesAJobWhoseEventWasMissed() async throws {
        let d = try await deployment()
        let f = try retrainTrigger(d)
        let first = try await onThread { try invoke(f, try Files.read("\(packageRoot)/events/retrain-schedule.json")) }
        try await onThread { try trainCandidate(d, job: first.trainingJob!) }
        let second = try await onThread { try invoke(f, try Files.read("\(packageRoot)/events/retrain-schedule.json")) }
        #expect(second.status == .trainingStarted)
        #expect(second.trainingJob != first.trainingJob)
        let log = try RetrainService(store: f.app.store, repository: d.repository).decisions()
        #expect(log.map(\.status) == [.trainingStarted, .promoted, .trainingStarted])
        let champion = try d.repository.champion()?.version
        #expect(log[1].trainingJob == first.trainingJob)
        #expect(champion == first.dataset)
    }

    @Test func aJobWithoutItsModelOrFromElsewhereIsRefused() async throws {
        let d = try await deployment()
        let f = try retrainTrigger(d)
        let unknown = try await onThread { () -> FunkoError? in
            do {
                _ = try invoke(f, completionEvent(job: "someone-elses-job"))
                return nil
            } catch let e as FunkoError { return e }
        }
        #expect(unknown?.status == 404)
        #expect(unknown?.message.contains("was not started by this deployment") == true)
        // A job that moto reports Completed but whose model never appeared is an error, not a promotion.
        let started = try await onThread {
            try invoke(f, try Files.read("\(packageRoot)/events/retrain-schedule.json"))
        }
        let missing = try await onThread { () -> FunkoError? in
            do {
                _ = try invoke(f, completionEvent(job: started.trainingJob!))
                return nil
            } catch let e as FunkoError { return e }
        }
        #expect(missing?.message.contains("does not exist") == true, "\(String(describing: missing))")
        #expect(try d.repository.champion()?.version == "weak")
        // Such a job does not block the next week: it is recorded as failed and a new job starts.
        let next = try await onThread { try invoke(f, try Files.read("\(packageRoot)/events/retrain-schedule.json")) }
        #expect(next.status == .trainingStarted)
        #expect(next.trainingJob != started.trainingJob)
        let log = try RetrainService(store: f.app.store, repository: d.repository).decisions()
        #expect(log.map(\.status) == [.trainingStarted, .trainingFailed, .trainingStarted])
        #expect(log[1].reason.contains("could not be finished"))
        #expect(log[1].trainingJob == started.trainingJob)
    }

    @Test func rollbackRestoresThePreviousChampionOnTheEndpoint() async throws {
        let d = try await deployment()
        let f = try retrainTrigger(d)
        let started = try await onThread {
            try invoke(f, try Files.read("\(packageRoot)/events/retrain-schedule.json"))
        }
        try await onThread { try trainCandidate(d, job: started.trainingJob!) }
        #expect(try await onThread { try invoke(f, completionEvent(job: started.trainingJob!)) }.promoted)
        let service = try f.app.retrainService()
        let back = try await onThread { try service.rollback(to: nil, now: Time.now()) }
        #expect(back.status == .rolledBack)
        #expect(back.champion == "weak")
        #expect(back.deployment?.endpointConfig.contains("weak") == true)
        #expect(try d.repository.champion()?.version == "weak")
        #expect(d.proxy.amzTargets.last == "SageMaker.UpdateEndpoint")
        #expect(
            throws: FunkoError.notFound(
                "model nope has no model.tar.gz in s3://\(d.bucket)/: pick a version under models/")
        ) {
            try service.rollback(to: "nope", now: Time.now())
        }
    }
}

extension JSONValue {
    var objectOfStrings: [String: String]? { object?.compactMapValues(\.string) }
}
