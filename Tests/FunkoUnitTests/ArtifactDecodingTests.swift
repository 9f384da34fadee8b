import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoModel
@testable import FunkoRetrain
@testable import FunkoStore

/// A broken champion.json, metadata.json or decisions.json (a half-written upload, a hand edit)
/// is a 503 that names the file and the field, not a decoder dump or a crash.
@Suite(.ownThread) struct ArtifactDecodingTests {
    func error(_ body: () throws -> Void) -> FunkoError? {
        do {
            try body()
            return nil
        } catch let e as FunkoError {
            return e
        } catch {
            Issue.record("not a FunkoError: \(error)")
            return nil
        }
    }

    @Test func brokenArtifactsNameTheFileAndTheField() throws {
        let dir = try TempDir()
        let store = LocalObjectStore(root: dir.path)
        let repository = ModelRepository(store: store)

        try store.put(ArtifactKey.champion, Array(#"{"version": 7}"#.utf8))
        let wrongType = try #require(error { _ = try repository.champion() })
        #expect(wrongType.code == .unavailable)
        #expect(wrongType.message.hasPrefix("models/champion.json is not valid: version has the wrong type"))

        try store.put(ArtifactKey.champion, Array("{ truncated".utf8))
        let notJSON = try #require(error { _ = try repository.champion() })
        #expect(notJSON.message.hasPrefix("models/champion.json is not valid: not JSON"), "\(notJSON.message)")

        try store.put(ArtifactKey.metadata("v1"), Array("{}".utf8))
        let missing = try #require(error { _ = try repository.metadata(version: "v1") })
        #expect(missing.message.hasPrefix("models/v1/metadata.json is not valid: "), "\(missing.message)")
        #expect(missing.message.hasSuffix(" is missing"), "\(missing.message)")

        let log = try #require(error { _ = try RetrainService.decodeLog(Array(#"[{"status": 3}]"#.utf8)) })
        #expect(log.message.hasPrefix("models/decisions.json is not valid: 0."), "\(log.message)")
    }
}
