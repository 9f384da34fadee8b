import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import LambdaEvents
@testable import LambdaLocal

/// The Lambda zips of `scripts/package` (for provided.al2023: the binary with every shared library
/// it loads, the C library and its loader included), each unpacked into an otherwise empty root and
/// started there as Lambda starts it: `/var/task/bootstrap` (chrooted, as root), with the
/// variables Lambda sets, against the local Runtime API. Every sample event of the function must
/// get the answer the unpacked release binary the zip was made from gives on this machine, with
/// this machine's libraries.
///
/// The root holds only:
/// - `/var/task`: the unpacked zip;
/// - `/bin/sh`: busybox from Debian's busybox-static (statically linked), for the bootstrap
///   script, as Amazon Linux has its own `/bin/sh`;
/// - `/tmp/data`: a copy of the handler fixture (SQLite database and model store), named by
///   FUNKO_DB and FUNKO_DATA_DIR (/tmp is the writable folder on Lambda too).
///
/// No /lib, /usr, /etc, /dev or /proc: a library (or any file) the handler needed from outside its
/// zip fails the start, which `aZipMissingALibraryDoesNotStartInTheRoot` proves.
/// Needs root (chroot) and the zips: `scripts/test` runs `scripts/package` first.
@Suite(.serialized, .ownThread) struct PackageTests {
    static let handlers = ["predict", "predict-batch", "history", "retrain-trigger", "status"]
    static var zipDir: String { "\(packageRoot)/build/lambda" }
    /// The release binaries the zips are made from (scripts/package builds them there).
    static var releaseDir: String { "\(packageRoot)/.build-package/release" }
    static let busybox = "/bin/busybox"

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func samples(of handler: String) -> [SampleEvent] {
        handler == "retrain-trigger" ? SampleEvent.retrain : SampleEvent.all.filter { $0.function == handler }
    }

    static func zip(_ handler: String) throws -> String {
        let path = "\(zipDir)/\(handler).zip"
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure("build/lambda/\(handler).zip is missing: run scripts/package first (scripts/test does)")
        }
        return path
    }

    /// An empty root with the unpacked zip in /var/task, a static /bin/sh and the fixture in /tmp/data.
    final class Root {
        let dir: TempDir
        var path: String { dir.path }
        var task: String { "\(path)/var/task" }

        init(_ handler: String) throws {
            dir = try TempDir()
            let zip = try PackageTests.zip(handler)
            guard getuid() == 0 else { throw Failure("PackageTests run the zips under chroot, which needs root") }
            guard FileManager.default.isExecutableFile(atPath: PackageTests.busybox) else {
                throw Failure("\(PackageTests.busybox) is missing: install busybox-static (scripts/package does)")
            }
            let fm = FileManager.default
            for folder in ["var/task", "bin", "tmp"] {
                try fm.createDirectory(atPath: "\(path)/\(folder)", withIntermediateDirectories: true)
            }
            let unzip = try runProcess("/usr/bin/unzip", ["-q", zip, "-d", task])
            guard unzip.status == 0 else { throw Failure("unzip \(zip): \(unzip.stdout)\(unzip.stderr)") }
            try fm.copyItem(atPath: PackageTests.busybox, toPath: "\(path)/bin/sh")
            try fm.copyItem(atPath: HandlerFixture.shared.dir.path, toPath: "\(path)/tmp/data")
        }
    }

    // MARK: The environment Lambda gives a provided.al2023 function

    /// Set by the emulator per instance, as by Lambda; kept through `env -i`.
    static let fromEmulator = [
        "AWS_LAMBDA_RUNTIME_API", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_REGION", "AWS_DEFAULT_REGION",
    ]

    /// The rest of a Lambda function's environment (values as on provided.al2023), and the data.
    static func lambdaVariables(_ handler: String, taskRoot: String?, data: String) -> [String] {
        var env = [
            "_HANDLER=\(handler)", "LAMBDA_RUNTIME_DIR=/var/runtime", "AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
            "LANG=en_US.UTF-8", "TZ=:UTC", "PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
            "LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
            "FUNKO_DB=\(data)/funko.sqlite", "FUNKO_DATA_DIR=\(data)/store",
        ]
        if let taskRoot { env.append("LAMBDA_TASK_ROOT=\(taskRoot)") }
        return env
    }

    /// `command` with only Lambda's variables: the emulator's per-instance ones and `variables`,
    /// none inherited from this process (the emulator would also set LAMBDA_TASK_ROOT to our folder).
    static func lambdaCommand(_ variables: [String], _ command: [String]) -> [String] {
        let keep = fromEmulator.map { "\($0)=\"$\($0)\"" }.joined(separator: " ")
        return ["/bin/sh", "-c", "exec /usr/bin/env -i \(keep) \"$@\"", "sh"] + variables + command
    }

    /// The zip in its root, started as Lambda starts it.
    static func packagedCommand(_ handler: String, root: Root, taskRoot: String? = "/var/task") -> [String] {
        lambdaCommand(
            lambdaVariables(handler, taskRoot: taskRoot, data: "/tmp/data"),
            ["/usr/sbin/chroot", root.path, "/var/task/bootstrap"])
    }

    static func emulator(_ handler: String, _ command: [String]) async throws -> LambdaEmulator {
        // Retraining trains a full model (up to 2,000 rounds): minutes on a busy two-core machine.
        let e = LambdaEmulator(
            .init(command: command, port: 0, timeout: handler == "retrain-trigger" ? 900 : 120, functionName: handler))
        try await e.start()
        return e
    }

    /// Runs `body` with started emulators and stops them however it ends.
    static func with(_ emulators: [LambdaEmulator], _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            for e in emulators { await e.stop() }
            throw error
        }
        for e in emulators { await e.stop() }
    }

    static func invokeOnce(_ handler: String, _ command: [String], _ event: [UInt8]) async throws -> (
        body: [UInt8], functionError: Bool
    ) {
        let e = try await emulator(handler, command)
        var answer: (body: [UInt8], functionError: Bool) = ([], false)
        try await with([e]) { answer = try await e.invoke(event) }
        return answer
    }

    // MARK: Comparing answers

    /// Fields whose values differ between any two runs of the same event: request ids (the
    /// `x-request-id` header, `request_id` in error bodies) and clock readings (`prediction_date`,
    /// now + future_days; a retraining's `decided_at`). They are replaced by a marker, so their
    /// presence is still compared. Model versions made during the run are named after the clock
    /// (`20250101-120000`): they become `version-1`, `version-2`… in order of first appearance, so
    /// a retraining that promotes its candidate must still name the same model in both runs.
    /// Everything else must be equal.
    static let varying: Set<String> = ["x-request-id", "request_id", "prediction_date", "decided_at"]

    final class Normaliser {
        private var versions: [String: String] = [:]
        private let fixed: Set<String>

        /// `fixed`: versions that exist before the run (the fixture's champion), kept as they are.
        init(fixed: Set<String>) { self.fixed = fixed }

        func callAsFunction(_ bytes: [UInt8]) throws -> JSONValue {
            var value = try JSON.decode(JSONValue.self, from: bytes)
            // An HTTP answer carries its JSON body as a string: compare it as JSON.
            if case .object(var o) = value, case .string(let body)? = o["body"],
                let parsed = try? JSON.decode(JSONValue.self, from: body)
            {
                o["body"] = parsed
                value = .object(o)
            }
            return masked(value)
        }

        private func masked(_ value: JSONValue) -> JSONValue {
            switch value {
            case .object(let o):
                return .object(
                    Dictionary(
                        uniqueKeysWithValues: o.map { key, v in
                            (key, PackageTests.varying.contains(key) ? .string("<varies>") : masked(v))
                        }))
            case .array(let a):
                return .array(a.map(masked))
            case .string(let s) where !fixed.contains(s) && s.wholeMatch(of: #/[0-9]{8}-[0-9]{6}/#) != nil:
                if versions[s] == nil { versions[s] = "version-\(versions.count + 1)" }
                return .string(versions[s]!)
            default:
                return value
            }
        }
    }

    static func text(_ bytes: [UInt8]) -> String { String(String(decoding: bytes, as: UTF8.self).prefix(400)) }
    static func json(_ value: JSONValue) -> String { (try? JSON.encode(value)) ?? "\(value)" }

    // MARK: Tests

    @Test func buildLambdaHoldsOneZipPerHandlerWithTheBootstrapLayout() throws {
        for handler in Self.handlers {
            let list = try runProcess("/usr/bin/unzip", ["-Z1", try Self.zip(handler)])
            let names = list.stdout.split(separator: "\n").map(String.init)
            #expect(names == names.sorted(), "\(handler).zip: entries are not sorted")
            for required in ["bootstrap", "bin/\(handler)", "lib/ld-linux-x86-64.so.2", "lib/libc.so.6"] {
                #expect(names.contains(required), "\(handler).zip has no \(required)")
            }
            #expect(
                names.allSatisfy { $0 == "bootstrap" || $0 == "bin/\(handler)" || $0.hasPrefix("lib/") },
                "\(handler).zip: \(names)")
            // Only the function that trains carries libxgboost (and its OpenMP and dmlc); the API
            // functions predict with TreeEnsemble, and loading libxgboost cost their cold start.
            let training = names.filter { $0.hasPrefix("lib/libxgboost") || $0.hasPrefix("lib/libgomp") }
            #expect(training.isEmpty == (handler != "retrain-trigger"), "\(handler).zip: \(training)")
        }
        let zips = try FileManager.default.contentsOfDirectory(atPath: Self.zipDir).filter { $0.hasSuffix(".zip") }
        #expect(Set(zips) == Set(Self.handlers.map { "\($0).zip" }), "build/lambda: \(zips.sorted())")
    }

    @Test(arguments: PackageTests.handlers)
    func theZipAnswersEverySampleEventInAnEmptyRootAsTheUnpackedBinaryDoes(_ handler: String) async throws {
        let root = try Root(handler)
        let binary = "\(Self.releaseDir)/\(handler)"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure("\(binary) is missing: scripts/package builds it")
        }
        // Its own copy of the fixture: retraining changes the champion.
        let (referenceData, _) = try HandlerFixture.shared.copy()
        let packaged = try await Self.emulator(handler, Self.packagedCommand(handler, root: root))
        let unpacked = try await Self.emulator(
            handler,
            Self.lambdaCommand(
                Self.lambdaVariables(handler, taskRoot: Self.releaseDir, data: referenceData.path), [binary]))
        let champion: Set<String> = ["fixture"]
        let normalisePackaged = Normaliser(fixed: champion)
        let normaliseUnpacked = Normaliser(fixed: champion)
        try await Self.with([packaged, unpacked]) {
            for sample in Self.samples(of: handler) {
                let p = try await packaged.invoke(sample.bytes)
                let u = try await unpacked.invoke(sample.bytes)
                let place = "\(handler) ← \(sample.file)"
                // A handler that cannot start in the root fails every event alike: stop at the first.
                try #require(
                    p.functionError == u.functionError,
                    "\(place): packaged \(Self.text(p.body)) but unpacked \(Self.text(u.body))")
                // The answer the sample table documents (so two equally broken runs cannot pass)…
                #expect(p.functionError == (sample.functionError != nil), "\(place): \(Self.text(p.body))")
                if let status = sample.status {
                    #expect((try? HTTPResult.decode(p.body).status) == status, "\(place): \(Self.text(p.body))")
                }
                // …and the unpacked binary's, field for field.
                let np = try normalisePackaged(p.body)
                let nu = try normaliseUnpacked(u.body)
                #expect(np == nu, "\(place): packaged \(Self.json(np)) ≠ unpacked \(Self.json(nu))")
            }
        }
    }

    /// The control: the root really holds nothing else. Without one library of its lib/
    /// (SQLite's, which this machine has in /lib/x86_64-linux-gnu), the packaged handler cannot
    /// start in the root and the invocation fails, while the same files still answer when run
    /// outside the root, where the loader falls back to the machine's libraries.
    @Test func aZipMissingALibraryDoesNotStartInTheRoot() async throws {
        let root = try Root("predict")
        try FileManager.default.removeItem(atPath: "\(root.task)/lib/libsqlite3.so.0")
        let event = SampleEvent.all[0]
        #expect(event.file == "predict.json")
        #expect(event.status == 200)

        let inRoot = try await Self.invokeOnce("predict", Self.packagedCommand("predict", root: root), event.bytes)
        #expect(inRoot.functionError, "started without libsqlite3: \(Self.text(inRoot.body))")
        #expect(Self.text(inRoot.body).contains("Runtime.ExitError"), "\(Self.text(inRoot.body))")

        let outside = try await Self.invokeOnce(
            "predict",
            Self.lambdaCommand(
                Self.lambdaVariables("predict", taskRoot: root.task, data: "\(root.path)/tmp/data"),
                ["\(root.task)/bootstrap"]), event.bytes)
        #expect(!outside.functionError, "\(Self.text(outside.body))")
        #expect((try? HTTPResult.decode(outside.body).status) == 200, "\(Self.text(outside.body))")
    }

    /// Without LAMBDA_TASK_ROOT, the bootstrap finds lib/ and bin/ next to itself.
    @Test func theBootstrapFallsBackToItsOwnFolder() async throws {
        let root = try Root("status")
        let event = try #require(SampleEvent.all.first { $0.file == "health.json" })
        let answer = try await Self.invokeOnce(
            "status", Self.packagedCommand("status", root: root, taskRoot: nil), event.bytes)
        #expect(!answer.functionError, "\(Self.text(answer.body))")
        #expect((try? HTTPResult.decode(answer.body).status) == 200, "\(Self.text(answer.body))")
    }
}
