import Foundation
import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import FunkoCore

/// With MODEL_BUCKET set, every command that reads or writes models works on the bucket (moto,
/// signatures checked), and nothing lands in the local folder; a flag wins over the variable.
@Suite(.serialized, .ownThread) struct CLIOnS3Tests {
    @Test func modelCommandsReadAndWriteTheBucket() throws {
        let moto = try Moto.shared
        let s3 = S3Client(config: moto.config)
        let bucket = "cli-models-" + UUID().uuidString.lowercased().prefix(8)
        try s3.createBucket(String(bucket))
        let dir = try TempDir()
        var env = moto.environment
        env["FUNKO_DB"] = dir.file("funko.sqlite")
        env["FUNKO_DATA_DIR"] = dir.file("store")
        env["MODEL_BUCKET"] = String(bucket)
        env["MODEL_PREFIX"] = "team"
        env["CI"] = "1"
        func funko(_ args: String...) throws -> (status: Int32, stdout: String, stderr: String) {
            try runProcess(funkoBinary, args, env: env)
        }
        func object(_ key: String) throws -> [UInt8]? { try s3.getObject(bucket: String(bucket), key: "team/" + key) }

        let gen = try funko("generate", "--pops", "150", "--days", "500", "--seed", "1", "--end", "2025-06-30")
        #expect(gen.status == 0, "\(gen.stderr)")

        // train: the dataset, the model and the decision go to the bucket.
        let train = try funko("train", "--max-rounds", "60", "--eta", "0.2")
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("saved to s3://\(bucket)/team/models/"), "\(train.stdout)")
        let champion = try JSON.decode(ChampionRecordShape.self, from: try #require(try object("models/champion.json")))
        let version = champion.version
        #expect(try object("models/\(version)/model.tar.gz") != nil)
        #expect(try object("datasets/\(version)/train.csv") != nil)
        let decisions = try JSON.decode([DecisionShape].self, from: try #require(try object("models/decisions.json")))
        #expect(decisions.map(\.status) == ["promoted"])
        #expect(!Files.exists(dir.file("store")))

        // evaluate, predict, status and drift read the bucket's champion.
        let evaluate = try funko("evaluate", "--json")
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let report = try JSON.decode(EvaluationShape.self, from: evaluate.stdout)
        #expect(report.version == version)
        #expect(report.rows > 0)
        let predict = try funko("predict", "10001", "--as-of", "2025-07-01", "--future-days", "7")
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(try JSON.decode(Prediction.self, from: predict.stdout).modelVersion == version)
        let status = try funko("status")
        #expect(status.status == 0, "\(status.stderr)")
        #expect(try JSON.decode(ModelStatus.self, from: status.stdout).modelVersion == version)
        let drift = try funko("drift", "--from", "2025-06-01", "--to", "2025-07-01", "--json")
        #expect(drift.status == 0, "\(drift.stderr)")
        #expect(drift.stdout.contains(#""rows""#))

        // A flag wins over the environment: --data-dir names an empty local store.
        let local = try funko("status", "--data-dir", dir.file("empty"))
        #expect(local.status == 0, "\(local.stderr)")
        #expect(try JSON.decode(ModelStatus.self, from: local.stdout).status == "no_model")
        let both = try funko("status", "--data-dir", dir.file("empty"), "--bucket", "other")
        #expect(both.status == 1)
        #expect(both.stderr.contains("--data-dir and --bucket both name where models live"), "\(both.stderr)")
    }
}

private struct ChampionRecordShape: Decodable { let version: String }
private struct DecisionShape: Decodable { let status: String }
private struct EvaluationShape: Decodable {
    let version: String?
    let rows: Int
}
