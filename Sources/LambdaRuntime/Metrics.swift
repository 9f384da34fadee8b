import FunkoCore

/// CloudWatch embedded metric format (EMF): a JSON log line that CloudWatch Logs turns into
/// metrics, with no API call and no extra latency. Namespace `FunkoPrice`, dimension `Function`
/// (and more where a line names them); the names are `MetricName`'s.
public struct MetricsLogger: Sendable {
    public enum Unit: String, Sendable {
        case milliseconds = "Milliseconds"
        case count = "Count"
        case none = "None"
    }
    public struct Metric: Sendable {
        public var name: MetricName
        /// One value, or up to 100 (EMF's limit) for a batch.
        public var values: [Double]
        public var unit: Unit
        public init(_ name: MetricName, _ value: Double, _ unit: Unit = .none) {
            self.name = name
            values = [value]
            self.unit = unit
        }
        public init(_ name: MetricName, values: [Double], _ unit: Unit = .none) {
            self.name = name
            self.values = Array(values.prefix(100))
            self.unit = unit
        }
    }

    public static let namespace = "FunkoPrice"
    public var function: String
    /// Where lines go; stdout in Lambda (CloudWatch Logs reads both streams).
    public var sink: @Sendable (String) -> Void

    public init(function: String, sink: @escaping @Sendable (String) -> Void = { writeStdout($0 + "\n") }) {
        self.function = function
        self.sink = sink
    }

    /// One line for `metrics`, plus `properties` as searchable fields that are not metrics.
    /// `dimensions` adds a second dimension set (Function and these) beside Function alone.
    public func emit(
        _ metrics: [Metric], properties: [String: JSONValue] = [:], dimensions: [String: String] = [:],
        at milliseconds: Int64 = Time.nowMilliseconds()
    ) {
        let metrics = metrics.filter { !$0.values.isEmpty }
        guard !metrics.isEmpty else { return }
        var line = properties
        line["_aws"] = .object([
            "Timestamp": .number(Double(milliseconds)),
            "CloudWatchMetrics": .array([
                .object([
                    "Namespace": .string(Self.namespace),
                    "Dimensions": .array(
                        [.array([.string("Function")])]
                            + (dimensions.isEmpty
                                ? [] : [.array(([("Function")] + dimensions.keys.sorted()).map(JSONValue.string))])),
                    "Metrics": .array(
                        metrics.map { .object(["Name": .string($0.name.rawValue), "Unit": .string($0.unit.rawValue)]) }),
                ])
            ]),
        ])
        line["Function"] = .string(function)
        for (k, v) in dimensions { line[k] = .string(v) }
        for m in metrics {
            line[m.name.rawValue] = m.values.count == 1 ? .number(m.values[0]) : .array(m.values.map(JSONValue.number))
        }
        sink(JSONValue.object(line).serialized)
    }
}

extension MetricsLogger {
    /// The line every invocation emits: its latency and whether it failed (5xx, or a function
    /// error) or was refused (4xx), with `extra` metrics and `properties` beside them.
    public func emitInvocation(
        started: Double, status: Int, requestID: String, extra: [Metric] = [], properties: [String: JSONValue] = [:],
        dimensions: [String: String] = [:]
    ) {
        var line = properties
        line["requestId"] = .string(requestID)
        line["status"] = .number(Double(status))
        emit(
            [
                Metric(.latency, ((Time.monotonic() - started) * 100_000).rounded() / 100, .milliseconds),
                Metric(.errors, status >= 500 ? 1 : 0, .count),
                Metric(.clientErrors, (400..<500).contains(status) ? 1 : 0, .count),
            ] + extra, properties: line, dimensions: dimensions)
    }
}
