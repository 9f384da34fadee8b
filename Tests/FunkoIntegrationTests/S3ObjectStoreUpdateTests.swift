import Foundation
import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import FunkoCore

/// `ObjectStore.update` in S3 (moto): two writers of the same object lose no change
/// (FunkoUnitTests.ObjectStoreUpdateTests checks the local folder's file lock).
@Suite(.serialized, .ownThread) struct S3ObjectStoreUpdateTests {
    /// A rival's write lands between this writer's read and its write: the conditional put
    /// fails (412), the writer reads the rival's object and applies its change to that.
    @Test(arguments: [false, true]) func s3WriterThatLostTheRaceRetriesOnTheWinnersObject(existing: Bool) throws {
        let bucket = "update-race-\(existing)"
        let s3 = try S3Client(config: Moto.shared.config)
        try s3.createBucket(bucket)
        let store = S3ObjectStore(s3: s3, bucket: bucket, prefix: "funko")
        let rival = S3ObjectStore(s3: s3, bucket: bucket, prefix: "funko")
        if existing { try store.put("models/decisions.json", try JSONLog.appending("first", to: nil)) }
        var calls = 0
        try store.update("models/decisions.json") { bytes in
            calls += 1
            if calls == 1 { try rival.update("models/decisions.json") { try JSONLog.appending("rival", to: $0) } }
            return try JSONLog.appending("ours", to: bytes)
        }
        #expect(calls == 2)
        #expect(try JSONLog.entries(store, "models/decisions.json") == (existing ? ["first"] : []) + ["rival", "ours"])
        #expect(try s3.headObject(bucket: bucket, key: "funko/models/decisions.json") != nil)
    }
}
