import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import LambdaEvents
@testable import LambdaLocal

/// The real handler executables, each started once by the local Runtime API (lambda-local's
/// emulator) and sent every sample event of its function: what Lambda itself would do.
@Suite(.serialized, .ownThread) struct HandlerBinaryTests {
    static var binDir: String { ProcessInfo.processInfo.environment["FUNKO_BIN_DIR"] ?? "\(packageRoot)/.build/debug" }

    /// Retraining trains a full model: a generous limit, since the machine may be busy.
    func emulator(_ function: String, environment: [String: String]) async throws -> LambdaEmulator {
        let e = LambdaEmulator(
            .init(
                command: ["\(Self.binDir)/\(function)"], port: 0, timeout: function == "retrain-trigger" ? 600 : 60,
                functionName: function,
                environment: environment))
        try await e.start()
        return e
    }

    @Test(arguments: ["predict", "predict-batch", "history", "status"])
    func everySampleEventThroughTheBinary(_ function: String) async throws {
        let e = try await emulator(function, environment: HandlerFixture.shared.environment)
        for sample in SampleEvent.all where sample.function == function {
            let answer = try await e.invoke(sample.bytes)
            #expect(answer.functionError == (sample.functionError != nil), "\(sample.file)")
            var body = String(decoding: answer.body, as: UTF8.self)
            if let status = sample.status {
                let result = try HTTPResult.decode(answer.body)
                #expect(result.status == status, "\(sample.file): \(body.prefix(300))")
                body = String(decoding: result.body, as: UTF8.self)
            }
            if let type = sample.functionError {
                #expect(body.contains(#""errorType":"\#(type)""#), "\(sample.file): \(body)")
            }
            for fragment in sample.contains {
                #expect(body.contains(fragment), "\(sample.file): \(fragment) not in \(body.prefix(300))")
            }
        }
        await e.stop()
    }

    @Test func retrainTriggerAnswersTheScheduleAndManualEventsWithADecision() async throws {
        let (dir, settings) = try HandlerFixture.shared.copy()
        let e = try await emulator(
            "retrain-trigger", environment: ["FUNKO_DB": settings.databasePath, "FUNKO_DATA_DIR": settings.dataDir])
        for sample in SampleEvent.retrain {
            let answer = try await e.invoke(sample.bytes)
            #expect(!answer.functionError, "\(sample.file)")
            let text = String(decoding: answer.body, as: UTF8.self)
            for fragment in sample.contains { #expect(text.contains(fragment), "\(sample.file): \(text.prefix(300))") }
        }
        let log = try JSON.decode([JSONValue].self, from: try Files.read(dir.file("store/models/decisions.json")))
        #expect(log.count == SampleEvent.retrain.count)
        await e.stop()
    }

    /// The cold start's steps (scripts/bench lambda's profile), logged once, after the first answer:
    /// the runtime loop logs the line before it asks for the second event, so the second answer
    /// means the line is written.
    @Test func theFirstAnswerIsFollowedByOneColdStartLineWithItsSteps() async throws {
        let dir = try TempDir()
        let log = dir.file("predict.log")
        let before = Time.monotonic()
        let e = LambdaEmulator(
            .init(
                command: ["\(Self.binDir)/predict"], port: 0, timeout: 60, functionName: "predict",
                environment: try HandlerFixture.shared.environment, logFile: log))
        try await e.start()
        for _ in 0..<2 { #expect(!(try await e.invoke(try SampleEvent.all[0].bytes)).functionError) }
        await e.stop()
        let lines = try Files.readString(log).split(separator: "\n").filter { $0.contains(#""message":"cold start""#) }
        #expect(lines.count == 1, "\(lines)")
        let line = try JSON.decode([String: JSONValue].self, from: Array((lines.first ?? "{}").utf8))
        guard case .number(let main)? = line["mainAtMonotonic"], case .array(let steps)? = line["steps"],
            case .number(let total)? = line["totalMs"]
        else {
            Issue.record("no mainAtMonotonic, steps or totalMs: \(line)")
            return
        }
        #expect(main > before && main < Time.monotonic())
        var names: [String] = []
        var sum = 0.0
        for case .object(let step) in steps {
            if case .string(let name)? = step["step"] { names.append(name) }
            if case .number(let ms)? = step["ms"] {
                #expect(ms >= 0)
                sum += ms
            }
        }
        #expect(
            names == [
                "runtime client", "settings", "store open", "model fetch", "inflate", "model load", "initialised",
                "first event received", "first answer",
            ])
        #expect(abs(sum - total) < 0.1, "steps add up to \(sum) ms, the total is \(total) ms")
    }

    @Test func aBadSettingIsAnInitErrorNotACrashLoop() async throws {
        var env = try HandlerFixture.shared.environment
        env["INFERENCE_MODE"] = "quantum"
        let e = try await emulator("predict", environment: env)
        let answer = try await e.invoke(SampleEvent.all[0].bytes)
        #expect(answer.functionError)
        let text = String(decoding: answer.body, as: UTF8.self)
        #expect(text.contains("BadRequest"), "\(text)")
        #expect(text.contains(#"INFERENCE_MODE \"quantum\" is not supported: use one of embedded"#), "\(text)")
        await e.stop()
    }
}
