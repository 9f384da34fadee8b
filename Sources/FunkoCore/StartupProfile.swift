/// Where a cold start's time goes. Start-up code marks the end of each step (settings read, store
/// open, model fetched, inflated, loaded, first answer sent); the runtime loop logs them once, as
/// the "cold start" line, after the first answer. Marks after that (a model reload in a warm
/// function) are not recorded. Times are CLOCK_MONOTONIC, so a harness that noted when it
/// started the process can add the time exec and dynamic linking took before `main`.
public enum StartupProfile {
    private static let lock = Mutex()
    nonisolated(unsafe) private static var started: Double?
    nonisolated(unsafe) private static var marks: [(name: String, at: Double)] = []
    nonisolated(unsafe) private static var finished = false

    /// `main` has begun: the start every step is measured from. Only the first call counts.
    public static func begin() {
        let now = Time.monotonic()
        lock.locked { if started == nil, !finished { started = now } }
    }

    /// The step `name` ended now. Ignored before `begin` and after `finish`.
    public static func mark(_ name: String) {
        let now = Time.monotonic()
        lock.locked { if started != nil, !finished { marks.append((name, now)) } }
    }

    /// The "cold start" log line's fields, and stops recording: `mainAtMonotonic` (CLOCK_MONOTONIC
    /// seconds), each step with its milliseconds since the one before (since `main` for the first),
    /// in order, and `totalMs`. Nil if `begin` was never called or `finish` already was.
    public static func finish() -> [String: JSONValue]? {
        lock.locked {
            defer { finished = true }
            guard !finished, let start = started else { return nil }
            var previous = start
            let steps = marks.map { mark -> JSONValue in
                defer { previous = mark.at }
                let ms = ((mark.at - previous) * 1_000_000).rounded() / 1000
                return .object(["step": .string(mark.name), "ms": .number(ms)])
            }
            return [
                "mainAtMonotonic": .number(start), "steps": .array(steps),
                "totalMs": .number(((marks.last?.at ?? start) - start) * 1000),
            ]
        }
    }
}
