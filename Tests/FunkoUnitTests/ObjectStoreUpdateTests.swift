import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoModel
@testable import FunkoRetrain
@testable import FunkoStore

/// `champion.json` and `decisions.json` are read-modify-write objects that two retraining runs
/// (a redelivered EventBridge event, the schedule next to a completion event) may change at
/// once: no change may be lost. Here the local folder (a file lock);
/// FunkoIntegrationTests.S3ObjectStoreUpdateTests checks S3's conditional writes.
@Suite(.serialized, .ownThread) struct ObjectStoreUpdateTests {
    @Test func localWritersTakeTurnsAndLoseNothing() throws {
        let dir = try TempDir()
        // Four writers with a store each, as four processes would have.
        let failures = Box<[String]>([])
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { w in
            let store = LocalObjectStore(root: dir.path)
            for i in 0..<25 {
                do { try store.update("models/log.json") { try JSONLog.appending("\(w)-\(i)", to: $0) } } catch {
                    lock.lock()
                    failures.value.append("\(error)")
                    lock.unlock()
                }
            }
        }
        #expect(failures.value.isEmpty, "\(failures.value.prefix(3))")
        let log = try JSONLog.entries(LocalObjectStore(root: dir.path), "models/log.json")
        #expect(log.count == 100)
        #expect(Set(log).count == 100)
        // Each writer's entries stay in its order.
        for w in 0..<4 { #expect(log.filter { $0.hasPrefix("\(w)-") } == (0..<25).map { "\(w)-\($0)" }) }
        // Answering nil leaves the object alone.
        try LocalObjectStore(root: dir.path).update("models/log.json") { _ in nil }
        #expect(try JSONLog.entries(LocalObjectStore(root: dir.path), "models/log.json").count == 100)
    }

    /// A redelivered completion event: the job is decided once, and promoting the champion
    /// again keeps the version a rollback goes back to.
    @Test func aTrainingJobIsDecidedOnceAndARepeatedPromotionKeepsItsPrevious() throws {
        let dir = try TempDir()
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
        #expect(first.reason == "first delivery")
        #expect(second == first)
        #expect(try service.decisions().map(\.reason) == ["started", "first delivery"])

        try repository.promote("v1", reason: "first", at: 0)
        try repository.promote("v2", reason: "better", at: 1, endpointConfig: "funko-v2-a")
        try repository.promote("v2", reason: "better", at: 2, endpointConfig: "funko-v2-b")
        let champion = try #require(try repository.champion())
        #expect(champion.version == "v2")
        #expect(champion.previous == "v1")
        #expect(champion.endpointConfig == "funko-v2-b")
    }
}
