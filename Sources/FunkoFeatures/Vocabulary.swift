import FunkoCore

/// A stable string → integer code mapping saved with the model. Code 0 is reserved for values the
/// model never saw; known values get 1...n in sorted order, so the same data gives the same codes.
public struct Vocabulary: Codable, Equatable, Sendable {
    public static let unknownCode = 0

    public let values: [String]
    private let index: [String: Int]

    public init<S: Sequence>(fitting seen: S) where S.Element == String {
        values = Array(Set(seen)).sorted()
        index = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0 + 1) })
    }

    @inline(__always) public func code(_ value: String) -> Int { index[value] ?? Vocabulary.unknownCode }

    public init(from decoder: Decoder) throws {
        self.init(fitting: try decoder.singleValueContainer().decode([String].self))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(values)
    }
}

/// The categorical encoders of one model.
public struct Encoders: Codable, Equatable, Sendable {
    public var series: Vocabulary
    public var character: Vocabulary
    public var marketplace: Vocabulary

    public init(series: Vocabulary, character: Vocabulary, marketplace: Vocabulary) {
        self.series = series
        self.character = character
        self.marketplace = marketplace
    }

    /// Fits on the Pops that appear in the training rows; the marketplace vocabulary is the fixed
    /// accepted list so every accepted value has a code.
    public init(fitting pops: [FunkoPop]) {
        series = Vocabulary(fitting: pops.map(\.series))
        character = Vocabulary(fitting: pops.map(\.character))
        marketplace = Vocabulary(fitting: Marketplace.allCases.map(\.rawValue))
    }
}
