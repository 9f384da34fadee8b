import CLibFuzzer
import FunkoCore
import FunkoFuzzEntryPoints

#if canImport(Glibc)
    import Glibc
#endif

// One executable serves every target (one sanitizer link instead of one per target); scripts/fuzz
// names the target in FUNKO_FUZZ_TARGET. SwiftPM links every executable with a main of its own
// (on Linux it renames the module's entry point and points `main` at it), so instead of
// libFuzzer's `main` (what `-parse-as-library` would leave room for) this main starts
// libFuzzer's driver with the arguments.

enum Fuzz {
    /// The target of this process.
    static let selected: FuzzTarget = {
        let name = processEnvironment()["FUNKO_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            writeStderr("FUNKO_FUZZ_TARGET=\(name) is not a fuzz target: use one of \(names)\n")
            exit(2)
        }
        return target
    }()

    /// With FUNKO_FUZZ_WRITE_SEEDS=<folder> (and FUNKO_FUZZ_ROOT=<package folder>), writes the
    /// target's seed inputs into the folder instead of fuzzing.
    static func writeSeeds(_ folder: String, root: String) -> Int32 {
        do {
            let seeds = try selected.seeds(root: root)
            for (i, seed) in seeds.enumerated() { try Files.write("\(folder)/seed-\(i)", seed) }
            writeStderr("\(selected.rawValue): \(seeds.count) seed(s) in \(folder)\n")
            return 0
        } catch {
            writeStderr("\(selected.rawValue): cannot write the seeds: \(error)\n")
            return 1
        }
    }
}

let environment = processEnvironment()
if let folder = environment["FUNKO_FUZZ_WRITE_SEEDS"] {
    exit(Fuzz.writeSeeds(folder, root: environment["FUNKO_FUZZ_ROOT"] ?? "."))
}
Fuzz.selected.prepare()
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))

/// One input. Also exported under libFuzzer's name, which the runtime's own main refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    // A clear rejection is fine; anything else is a finding, and a trap is what libFuzzer saves.
    if let finding = Fuzz.selected.check(input) { fatalError(finding) }
    return 0
}
