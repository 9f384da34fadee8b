import Foundation
import Testing

@testable import AWSClients
@testable import FunkoCore
@testable import FunkoModel
@testable import FunkoRetrain
@testable import FunkoStore

/// `champion.json` and `decisions.json` are read-modify-write objects that two retraining runs
/// (a redelivered EventBridge event, the schedule next to a completion event) may change at
/// once: no change may be lost, in the local folder or in S3.
@Suite(.serialized, .ownThread) struct ObjectStoreUpdateTests {
    /// Appends `entry` to the JSON array of strings in `bytes`.
    func appending(_ entry: String, to bytes: [UInt8]?) throws -> [UInt8] {
        let list = try bytes.map { try JSON.decode([String].self, from: $0) } ?? []
        return Array(try JSON.encode(list + [entry]).utf8)
    }

    func entries(_ store: ObjectStore, _ key: String) throws -> [String] {
        try JSON.decode([String].self, from: try #require(try store.get(key)))
    }

    @Test func localWritersTakeTurnsAndLoseNothing() throws {
        let dir = TempDir()
        // Four writers with a store each, as four processes would have.
        let failures = Box<[String]>([])
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { w in
            let store = LocalObjectStore(root: dir.path)
            for i in 0..<25 {
                do { try store.update("models/log.json") { try self.appending("\(w)-\(i)", to: $0) } } catch {
                    lock.lock()
                    failures.value.append("\(error)")
                    lock.unlock()
                }
            }
        }
        #expect(failures.value.isEmpty, "\(failures.value.prefix(3))")
        let log = try entries(LocalObjectStore(root: dir.path), "models/log.json")
        #expect(log.count == 100 && Set(log).count == 100)
        // Each writer's entries stay in its order.
        for w in 0..<4 { #expect(log.filter { $0.hasPrefix("\(w)-") } == (0..<25).map { "\(w)-\($0)" }) }
        // Answering nil leaves the object alone.
        try LocalObjectStore(root: dir.path).update("models/log.json") { _ in nil }
        #expect(try entries(LocalObjectStore(root: dir.path), "models/log.json").count == 100)
    }

    /// A rival's write lands between this writer's read and its write: the conditional put
    /// fails (412), the writer reads the rival's object and applies its change to that.
    @Test(arguments: [false, true]) func s3WriterThatLostTheRaceRetriesOnTheWinnersObject(existing: Bool) throws {
        let bucket = "update-race-\(existing)"
        let s3 = S3Client(config: Moto.shared.config)
        try s3.createBucket(bucket)
        let store = S3ObjectStore(s3: s3, bucket: bucket, prefix: "funko")
        let rival = S3ObjectStore(s3: s3, bucket: bucket, prefix: "funko")
        if existing { try store.put("models/decisions.json", try appending("first", to: nil)) }
        var calls = 0
        try store.update("models/decisions.json") { bytes in
            calls += 1
            if calls == 1 { try rival.update("models/decisions.json") { try self.appending("rival", to: $0) } }
            return try self.appending("ours", to: bytes)
        }
        #expect(calls == 2)
        #expect(try entries(store, "models/decisions.json") == (existing ? ["first"] : []) + ["rival", "ours"])
        #expect(try s3.headObject(bucket: bucket, key: "funko/models/decisions.json") != nil)
    }

    /// A redelivered completion event: the job is decided once, and promoting the champion
    /// again keeps the version a rollback goes back to.
    @Test func aTrainingJobIsDecidedOnceAndARepeatedPromotionKeepsItsPrevious() throws {
        let dir = TempDir()
        let repository = ModelRepository(store: LocalObjectStore(root: dir.path))
        let service = RetrainService(store: try SQLiteStore(path: dir.file("funko.sqlite")), repository: repository)
        func outcome(_ status: RetrainOutcome.Status, _ reason: String) -> RetrainOutcome {
            var o = RetrainOutcome(
                status: status, candidate: "v2", champion: "v1", reason: reason, decidedAt: "2026-11-25T00:00:00Z")
            o.trainingJob = "funko-train-v2"
            return o
        }
        try service.record(outcome(.trainingStarted, "started"))
        let first = try service.record(outcome(.promoted, "first delivery"))
        let second = try service.record(outcome(.keptChampion, "second delivery"))
        #expect(first.reason == "first delivery" && second == first)
        #expect(try service.decisions().map(\.reason) == ["started", "first delivery"])

        try repository.promote("v1", reason: "first", at: 0)
        try repository.promote("v2", reason: "better", at: 1, endpointConfig: "funko-v2-a")
        try repository.promote("v2", reason: "better", at: 2, endpointConfig: "funko-v2-b")
        let champion = try #require(try repository.champion())
        #expect(champion.version == "v2" && champion.previous == "v1" && champion.endpointConfig == "funko-v2-b")
    }
}
