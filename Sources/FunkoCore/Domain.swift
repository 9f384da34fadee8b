/// Item condition, best to worst. Scores 1-5 are accepted wherever names are.
public enum Condition: String, CaseIterable, Codable, Sendable {
    case mint
    case nearMint = "near_mint"
    case good, fair, poor

    public var score: Int {
        switch self {
        case .mint: 5
        case .nearMint: 4
        case .good: 3
        case .fair: 2
        case .poor: 1
        }
    }

    public init?(score: Int) {
        guard let c = Condition.allCases.first(where: { $0.score == score }) else { return nil }
        self = c
    }

    /// Accepts `mint`, `near_mint`, ... (case-insensitive, `near mint`/`near-mint` too) or `1`-`5`.
    public init?(parsing text: String) {
        let t = text.trimmed.lowercased().replacingSpacesAndDashes
        if let c = Condition(rawValue: t) {
            self = c
            return
        }
        if let n = Int(t), let c = Condition(score: n) {
            self = c
            return
        }
        return nil
    }

    public static let acceptedValues = "mint, near_mint, good, fair, poor (or 5, 4, 3, 2, 1)"
}

/// Where a sale happened; anything else is refused with the list of these.
public enum Marketplace: String, CaseIterable, Codable, Sendable {
    case ebay, mercari, amazon, whatnot, facebook
    case funkoShop = "funko_shop"
    case other

    public init?(parsing text: String) {
        guard let m = Marketplace(rawValue: text.trimmed.lowercased().replacingSpacesAndDashes) else { return nil }
        self = m
    }

    public static let acceptedValues = Marketplace.allCases.map(\.rawValue).joined(separator: ", ")
}

/// A catalog entry (`funko_pops`).
public struct FunkoPop: Equatable, Sendable {
    public var id: String
    public var name: String
    public var series: String
    public var character: String
    public var funkoNumber: Int
    public var releaseDate: EpochSeconds
    public var isChase: Bool
    public var isExclusive: Bool
    public var isVaulted: Bool
    public var exclusiveRetailer: String?
    public var vaultedDate: EpochSeconds?
    public var baseEstimatedValue: Double
    public var imageURL: String?

    public init(
        id: String, name: String, series: String, character: String, funkoNumber: Int,
        releaseDate: EpochSeconds, isChase: Bool, isExclusive: Bool, isVaulted: Bool,
        exclusiveRetailer: String? = nil, vaultedDate: EpochSeconds? = nil,
        baseEstimatedValue: Double, imageURL: String? = nil
    ) {
        self.id = id
        self.name = name
        self.series = series
        self.character = character
        self.funkoNumber = funkoNumber
        self.releaseDate = releaseDate
        self.isChase = isChase
        self.isExclusive = isExclusive
        self.isVaulted = isVaulted
        self.exclusiveRetailer = exclusiveRetailer
        self.vaultedDate = vaultedDate
        self.baseEstimatedValue = baseEstimatedValue
        self.imageURL = imageURL
    }

    /// Vaulted as of `t`: flagged vaulted and (no date known, or the date has passed).
    @inline(__always) public func isVaulted(at t: EpochSeconds) -> Bool {
        guard isVaulted else { return false }
        guard let v = vaultedDate else { return true }
        return v <= t
    }
}

/// One sale (`price_history`).
public struct Sale: Equatable, Sendable {
    public var popID: String
    public var soldAt: EpochSeconds
    public var price: Double
    public var condition: Condition
    public var marketplace: Marketplace
    public var source: String
    /// Unique per source. Imports without one use the row's content (`identityKey`).
    public var externalID: String

    public init(
        popID: String, soldAt: EpochSeconds, price: Double, condition: Condition,
        marketplace: Marketplace, source: String, externalID: String? = nil
    ) {
        self.popID = popID
        self.soldAt = soldAt
        self.price = price
        self.condition = condition
        self.marketplace = marketplace
        self.source = source
        self.externalID =
            externalID
            ?? Sale.contentKey(
                popID: popID, soldAt: soldAt, price: price,
                condition: condition, marketplace: marketplace)
    }

    /// The dearest price a sale may have, in USD. The record for a Funko Pop is about $100,000; a
    /// price above this is a typo or a price in cents, and the import refuses it (a price of
    /// 1e17 once reached `formatCents` through the content key and trapped: the csv-import fuzzer).
    public static let maximumPrice: Double = 1_000_000

    /// The identity of a sale that came without an external id: its content, exactly.
    public static func contentKey(
        popID: String, soldAt: EpochSeconds, price: Double,
        condition: Condition, marketplace: Marketplace
    ) -> String {
        "content:\(popID)|\(Time.iso8601(soldAt))|\(formatCents(price))|\(condition.rawValue)|\(marketplace.rawValue)"
    }
}

/// Prices are USD with cents; formats without Foundation's locale machinery. Beyond about 9e16
/// dollars the cents do not fit an Int64: such a value (never a price; `Sale.maximumPrice`) prints
/// as it is instead of trapping.
public func formatCents(_ value: Double) -> String {
    guard let cents = Int64(exactly: (value * 100).rounded()) else { return "\(value)" }
    let sign = cents < 0 ? "-" : ""
    let a = abs(cents)
    let frac = a % 100
    return "\(sign)\(a / 100).\(frac < 10 ? "0" : "")\(frac)"
}

/// Round to cents, for API answers.
public func roundCents(_ value: Double) -> Double { (value * 100).rounded() / 100 }

extension String {
    /// Without leading and trailing spaces, tabs and line breaks.
    public var trimmed: String {
        // Character.isWhitespace covers "\r\n", which is a single Character in Swift.
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }

    public var nilIfEmpty: String? { isEmpty ? nil : self }

    var replacingSpacesAndDashes: String {
        String(map { $0 == " " || $0 == "-" ? "_" : $0 })
    }
}
