/// Where a cold start's time goes. Start-up code marks the end of each step (settings read, store
/// open, model fetched, inflated, loaded, first answer sent); the runtime loop logs them once, as
/// the "cold start" line, after the first answer. Marks after that (a model reload in a warm
/// function) are not recorded. Times are CLOCK_MONOTONIC, so a harness that noted when it
/// started the process can add the time exec and dynamic linking took before `main`.
public enum StartupProfile {
    public struct Step: Sendable, Equatable {
        public var name: String
        /// When the step ended (CLOCK_MONOTONIC seconds).
        public var end: Double
        /// Milliseconds since the previous step ended (since `main` for the first).
        public var milliseconds: Double
    }

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

    /// The start and the steps so far, and stops recording; nil if `begin` was never called or
    /// `finish` already was.
    public static func finish() -> (start: Double, steps: [Step])? {
        lock.locked {
            defer { finished = true }
            guard !finished, let start = started else { return nil }
            var previous = start
            let steps = marks.map { mark -> Step in
                defer { previous = mark.at }
                return Step(name: mark.name, end: mark.at, milliseconds: (mark.at - previous) * 1000)
            }
            return (start, steps)
        }
    }

    /// The "cold start" log line's fields: `main` as CLOCK_MONOTONIC seconds, and each step with
    /// its milliseconds, in order.
    public static func fields(start: Double, steps: [Step]) -> [String: JSONValue] {
        [
            "mainAtMonotonic": .number(start),
            "steps": .array(
                steps.map {
                    .object(["step": .string($0.name), "ms": .number(($0.milliseconds * 1000).rounded() / 1000)])
                }
            ),
            "totalMs": .number(((steps.last?.end ?? start) - start) * 1000),
        ]
    }
}
