import Foundation
import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import FunkoCore
@testable import FunkoModel
@testable import FunkoStore
@testable import LambdaEvents
@testable import LambdaLocal

/// No secret in any output: one run with distinctive credentials and a database URL with a
/// password, through every handler binary (every sample event, good and bad), retraining on
/// SageMaker (moto), the CLI, and the failures that put the database URL and AWS errors into
/// messages; then every log line, answer, error message and artifact it produced is searched
/// for the secrets.
@Suite(.serialized, .ownThread) struct SecretScanTests {
    @Test func noLogAnswerErrorOrArtifactContainsASecret() async throws {
        let moto = try Moto.shared
        let server = try Postgres.shared
        let password = "pw-Qz7K2-never-in-a-log"
        let wrongSecret = "wrong-secret-Lx93-never-in-a-log-0123456"
        let secrets = [password, moto.credentials.secretAccessKey, wrongSecret]
        let goodURL = try PostgresFixture.shared.url.replacingOccurrences(
            of: "postgresql://postgres@", with: "postgresql://postgres:\(password)@")
        let downURL = goodURL.replacingOccurrences(of: ":\(server.port)/", with: ":1/")

        let dir = try TempDir()
        let (bucket, s3) = try moto.bucketWithFixtureModel("secret-scan")
        var env = moto.environment
        env["DATABASE_URL"] = goodURL
        env["MODEL_BUCKET"] = bucket
        env["FUNKO_DATA_DIR"] = "/nonexistent"

        // Everything the run shows anyone: answers, logs, CLI output.
        var outputs: [String: String] = [:]
        func run(_ function: String, _ env: [String: String], events: [[UInt8]], label: String) async throws {
            let log = dir.file("\(label).log")
            let e = LambdaEmulator(
                .init(
                    command: ["\(HandlerBinaryTests.binDir)/\(function)"], port: 0, timeout: 120,
                    functionName: function, environment: env, logFile: log))
            try await e.start()
            var answers = ""
            for event in events {
                let answer = try await e.invoke(event)
                answers += String(decoding: answer.body, as: UTF8.self) + "\n"
            }
            await e.stop()
            outputs["\(label) answers"] = answers
            outputs["\(label) log"] = try String(contentsOfFile: log, encoding: .utf8)
        }
        for function in ["predict", "predict-batch", "history", "status"] {
            let events = try SampleEvent.all.filter { $0.function == function }.map { try $0.bytes }
            try await run(function, env, events: events, label: function)
        }
        // Retraining on SageMaker: the dataset goes to the bucket, the job to moto.
        var retrain = env
        retrain["TRAINING_MODE"] = "sagemaker"
        retrain["SAGEMAKER_ROLE_ARN"] = "arn:aws:iam::123456789012:role/funko-sagemaker"
        try await run(
            "retrain-trigger", retrain, events: try SampleEvent.retrain.map { try $0.bytes }, label: "retrain")
        // Failures that name the database and AWS in their messages.
        var down = env
        down["DATABASE_URL"] = downURL
        try await run("predict", down, events: [try SampleEvent.all[0].bytes], label: "database down")
        var wrongKey = env
        wrongKey["AWS_SECRET_ACCESS_KEY"] = wrongSecret
        try await run("status", wrongKey, events: [try SampleEvent.all[8].bytes], label: "wrong AWS secret")
        var noParameter = env
        noParameter["DATABASE_URL"] = nil
        noParameter["DATABASE_URL_PARAMETER"] = "/funko/secret-scan/missing"
        try await run("status", noParameter, events: [try SampleEvent.all[8].bytes], label: "missing parameter")
        // The CLI, with the URL on the command line and in the environment.
        var cli = env
        cli["CI"] = "1"
        for (label, args) in [
            ("cli status", ["status", "--db", goodURL]),
            ("cli predict", ["predict", "10001", "--db", goodURL]),
            ("cli predict down", ["predict", "10001", "--db", downURL]),
            ("cli search down", ["search", "batman", "--db", downURL]),
            ("cli wrong secret", ["status"]),
        ] {
            var e = cli
            if label == "cli wrong secret" { e["AWS_SECRET_ACCESS_KEY"] = wrongSecret }
            let r = try runProcess(funkoBinary, args, env: e)
            outputs[label] = "exit \(r.status)\n\(r.stdout)\n\(r.stderr)"
        }
        // Every artifact: the bucket's objects and every file the run left on disk.
        var artifacts: [String: [UInt8]] = [:]
        for key in try s3.listObjects(bucket: bucket, prefix: "") {
            artifacts["s3://\(bucket)/\(key)"] = try s3.getObject(bucket: bucket, key: key)
        }
        for case let file as String in FileManager.default.enumerator(atPath: dir.path)! {
            if let bytes = FileManager.default.contents(atPath: dir.file(file)) { artifacts[file] = Array(bytes) }
        }

        func hits(_ text: String) -> [String] { secrets.filter { text.contains($0) } }
        for (label, text) in outputs {
            #expect(hits(text).isEmpty, "\(label) shows a secret:\n\(text)")
        }
        for (name, bytes) in artifacts {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(hits(text).isEmpty, "\(name) holds a secret")
        }
        // The search is not vacuous: the run did produce the messages that could have leaked,
        // and the same search finds a secret where there is one.
        let everything = outputs.values.joined(separator: "\n")
        #expect(everything.split(separator: "\n").count > 60, "\(everything)")
        #expect(everything.contains("postgresql://postgres@127.0.0.1:1/"), "the database-down error names the URL")
        #expect(everything.contains("SignatureDoesNotMatch"), "the wrong secret was refused")
        #expect(everything.contains("ParameterNotFound"), "the missing parameter was reported")
        #expect(everything.contains("training_started"), "retraining reached SageMaker")
        #expect(artifacts.keys.contains { $0.contains("datasets/") && $0.hasSuffix("train.csv") })
        #expect(hits("\(goodURL) \(moto.environment)").count == 2)
    }
}
