import FunkoCore
import FunkoFuzzEntryPoints
import FunkoTestSupport
import Testing

/// Replays every input scripts/fuzz saved in Tests/Fixtures/fuzz-crashes/<target>/ through the
/// fuzzer's own entry points: an input that crashes again crashes this test run, and one that
/// throws anything but a clear error fails it. On a thread of its own: the seeds run the real
/// handlers on a trained fixture, which would starve the in-process servers of other suites.
@Suite(.serialized, .ownThread) struct FuzzReplayTests {
    static let folder = "\(packageRoot)/Tests/Fixtures/fuzz-crashes"

    @Test func everySavedInputIsHandled() throws {
        #expect(Files.exists("\(Self.folder)/README.md"), "the folder and its README are tracked")
        var replayed = 0
        for name in Files.list(Self.folder) where name != "README.md" {
            guard let target = FuzzTarget(rawValue: name) else {
                Issue.record("fuzz-crashes/\(name) is not named after a fuzz target")
                continue
            }
            for file in Files.list("\(Self.folder)/\(name)") {
                let finding = target.check(try Files.read("\(Self.folder)/\(name)/\(file)"))
                #expect(finding == nil, "fuzz-crashes/\(name)/\(file)")
                replayed += 1
            }
        }
        // Reported so that a run shows how much was replayed (zero while nothing has been saved).
        print("replayed \(replayed) saved fuzz input(s)")
    }

    /// The seeds scripts/fuzz starts from are handled too: the entry points still accept what the
    /// tracked samples hold, so a change that breaks them shows here and not only in a fuzz run.
    @Test(arguments: FuzzTarget.allCases) func seedsAreHandled(target: FuzzTarget) throws {
        let seeds = try target.seeds(root: packageRoot)
        #expect(!seeds.isEmpty)
        for (i, seed) in seeds.enumerated() { #expect(target.check(seed) == nil, "seed \(i)") }
    }
}
