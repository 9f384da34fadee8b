import Foundation

/// One handler process: the sandbox of one function instance.
struct RuntimeProcess {
    private let process: Process

    /// Starts `configuration.command` with the environment Lambda gives a runtime. Its stdout and
    /// stderr are its logs and go to the configured log file or to our stderr, so our stdout
    /// carries only answers.
    static func start(
        _ configuration: LambdaEmulator.Configuration, apiAddress: String,
        onExit: @escaping @Sendable (_ reason: String) -> Void
    ) throws -> RuntimeProcess {
        guard let executable = configuration.command.first else {
            throw LambdaEmulatorError.cannotStartHandler("no handler command")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: resolve(executable))
        process.arguments = Array(configuration.command.dropFirst())
        process.environment = Environment.forRuntime(configuration, apiAddress: apiAddress)
        process.standardInput = FileHandle.nullDevice
        let logs = try configuration.logFile.map(appending) ?? FileHandle.standardError
        process.standardOutput = logs
        process.standardError = logs
        process.terminationHandler = { process in
            onExit(
                process.terminationReason == .uncaughtSignal
                    ? "signal: \(process.terminationStatus)" : "exit status \(process.terminationStatus)")
        }
        do {
            try process.run()
        } catch {
            throw LambdaEmulatorError.cannotStartHandler("\(executable): \(error.localizedDescription)")
        }
        return RuntimeProcess(process: process)
    }

    private static func appending(_ path: String) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw LambdaEmulatorError.cannotStartHandler("cannot create the log file \(path)")
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        return handle
    }

    /// SIGKILL to the whole process group (Foundation gives the child its own), so helpers the
    /// handler started (a shell's curl, a sleep) cannot outlive it and answer for it.
    func kill() {
        _ = Foundation.kill(-process.processIdentifier, SIGKILL)
    }

    /// A bare name is looked up on PATH, as a shell would.
    private static func resolve(_ executable: String) -> String {
        guard !executable.contains("/") else { return executable }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(executable)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? executable
    }
}

enum Environment {
    static var region: String {
        let env = ProcessInfo.processInfo.environment
        return env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1"
    }

    /// Ours plus what Lambda sets for a function instance (region only if not already set).
    static func forRuntime(_ configuration: LambdaEmulator.Configuration, apiAddress: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.merging(configuration.environment) { $1 }
        let name = configuration.functionName
        env["AWS_LAMBDA_RUNTIME_API"] = apiAddress
        env["AWS_LAMBDA_FUNCTION_NAME"] = name
        env["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(configuration.memoryMB)
        env["AWS_REGION"] = env["AWS_REGION"] ?? region
        env["AWS_DEFAULT_REGION"] = env["AWS_DEFAULT_REGION"] ?? region
        env["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/\(name)"
        env["AWS_LAMBDA_LOG_STREAM_NAME"] = logStreamName()
        env["LAMBDA_TASK_ROOT"] = FileManager.default.currentDirectoryPath
        return env
    }

    /// `2025/01/31/[$LATEST]<32 hex>`, a new stream per instance as in CloudWatch.
    private static func logStreamName() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy/MM/dd"
        return "\(formatter.string(from: Date()))/[$LATEST]\(Hex.random(32))"
    }
}
