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
