/// Capped exponential backoff with full jitter (the AWS SDKs' "standard" retry mode): attempt n
/// waits a random time in [0, min(cap, base·2ⁿ)]. The runtime loop and the AWS clients both wait
/// this way, each with its own base and cap.
public struct Backoff: Sendable {
    public var base: Double
    public var cap: Double

    public init(base: Double, cap: Double) {
        self.base = base
        self.cap = cap
    }

    /// Seconds to wait before retry number `attempt` (0 for the first retry).
    public func delay(attempt: Int) -> Double {
        Double.random(in: 0...min(cap, base * Double(1 << min(max(attempt, 0), 20))))
    }
}
