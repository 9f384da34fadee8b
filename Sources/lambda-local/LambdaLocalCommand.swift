import ArgumentParser
import Foundation
import LambdaLocal

/// `lambda-local [options] -- HANDLER [ARGS...]`: the Lambda service on this machine for one handler.
@main
struct LambdaLocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lambda-local",
        abstract: "Runs a Lambda handler binary behind a local Lambda Runtime API and Invoke API.",
        discussion: """
            Without --event it serves until SIGINT/SIGTERM; invoke with
              curl -d '{}' http://127.0.0.1:9001/2015-03-31/functions/function/invocations
            The handler's stdout and stderr go to stderr; stdout carries only responses.
            """)

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port: UInt16 = 9001
    @Option(help: "Seconds an invocation may run (fractions allowed).") var timeout: Double = 30
    @Option(help: "Function name (default: the handler's file name).") var functionName: String?
    @Option(help: "Memory size in MB reported to the handler.") var memory = 128
    @Option(
        help: "Invoke once with this file's bytes ('-' for stdin), print the response and exit (1 on a function error)."
    )
    var event: String?
    @Argument(parsing: .postTerminator, help: "The handler executable and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else {
            throw ValidationError("Missing the handler: lambda-local [options] -- HANDLER [ARGS...]")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        let emulator = LambdaEmulator(
            .init(
                command: command, host: host, port: port, timeout: timeout,
                functionName: functionName, memoryMB: memory))
        let signals = Self.signals([SIGINT, SIGTERM])
        let stopOnSignal = Task {
            for await signal in signals {
                await emulator.stop()
                Foundation.exit(128 + signal)
            }
        }
        // Read before starting, so a bad path leaves no handler behind.
        let bytes = try event.map(Self.read)
        try await emulator.start()
        guard let bytes else {
            let invokeURL = "http://\(host):\(await emulator.port)/2015-03-31/functions/function/invocations"
            FileHandle.standardError.write(
                Data("lambda-local: listening on \(host):\(await emulator.port); invoke with POST \(invokeURL)\n".utf8))
            await stopOnSignal.value
            return
        }
        let result: (body: [UInt8], functionError: Bool)
        do {
            result = try await emulator.invoke(bytes)
        } catch LambdaEmulatorError.notRunning {
            // Stopped by SIGINT/SIGTERM: that task exits the process with the signal's status.
            await stopOnSignal.value
            return
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
        FileHandle.standardOutput.write(Data(result.body + [0x0A]))
        if result.functionError { throw ExitCode.failure }
    }

    private static func read(_ path: String) throws -> [UInt8] {
        if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("Cannot read the event file \(path)")
        }
        return [UInt8](data)
    }

    /// Signals as a stream; the dispatch sources live as long as the stream.
    private static func signals(_ numbers: [Int32]) -> AsyncStream<Int32> {
        AsyncStream { continuation in
            // Dispatch sources are thread-safe; cancelling one from the termination handler is fine.
            nonisolated(unsafe) let sources = numbers.map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                return source
            }
            continuation.onTermination = { _ in for s in sources { s.cancel() } }
        }
    }
}
