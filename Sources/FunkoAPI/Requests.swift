import FunkoCore
import FunkoStore

/// `POST /predict` body as sent. Decoding checks JSON types and names the offending field;
/// `validated()` checks ranges and vocabularies.
public struct PredictRequest: Decodable, Sendable {
    public var funkoPopID: String?
    public var condition: String?
    public var marketplace: String?
    public var futureDays: Int?

    public init(funkoPopID: String?, condition: String? = nil, marketplace: String? = nil, futureDays: Int? = nil) {
        self.funkoPopID = funkoPopID
        self.condition = condition
        self.marketplace = marketplace
        self.futureDays = futureDays
    }

    enum CodingKeys: String, CodingKey {
        case funkoPopID = "funko_pop_id"
        case condition, marketplace
        case futureDays = "future_days"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        funkoPopID = try decodeID(c, .funkoPopID)
        condition = try decodeLabel(c, .condition, accepted: Condition.acceptedValues)
        marketplace = try decodeLabel(c, .marketplace, accepted: Marketplace.acceptedValues)
        futureDays = try decodeInt(c, .futureDays, range: PredictQuery.futureDaysRange)
    }

    public func validated() throws -> PredictQuery {
        guard let id = funkoPopID, !id.isEmpty else {
            throw FunkoError.badRequest(
                "funko_pop_id is required: the catalog id of a Funko Pop, e.g. \"10001\"", field: "funko_pop_id")
        }
        try PopID.check(id, field: "funko_pop_id")
        return try PredictQuery(ids: [id], condition: condition, marketplace: marketplace, futureDays: futureDays)
    }
}

/// `POST /predict/batch` body as sent.
public struct BatchPredictRequest: Decodable, Sendable {
    public var funkoPopIDs: [String]?
    public var condition: String?
    public var marketplace: String?
    public var futureDays: Int?

    public static let maxIDs = 100

    enum CodingKeys: String, CodingKey {
        case funkoPopIDs = "funko_pop_ids"
        case condition, marketplace
        case futureDays = "future_days"
    }

    public init(funkoPopIDs: [String]?, condition: String? = nil, marketplace: String? = nil, futureDays: Int? = nil) {
        self.funkoPopIDs = funkoPopIDs
        self.condition = condition
        self.marketplace = marketplace
        self.futureDays = futureDays
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.funkoPopIDs) {
            guard var list = try? c.nestedUnkeyedContainer(forKey: .funkoPopIDs) else {
                throw FunkoError.badRequest(
                    "funko_pop_ids must be an array of 1 to \(Self.maxIDs) Funko Pop ids", field: "funko_pop_ids")
            }
            var ids: [String] = []
            while !list.isAtEnd {
                if let s = try? list.decode(String.self) {
                    ids.append(s)
                } else if let n = try? list.decode(Int.self) {
                    ids.append(String(n))
                } else {
                    throw FunkoError.badRequest(
                        "funko_pop_ids[\(ids.count)] must be a string id such as \"10001\"", field: "funko_pop_ids")
                }
            }
            funkoPopIDs = ids
        }
        condition = try decodeLabel(c, .condition, accepted: Condition.acceptedValues)
        marketplace = try decodeLabel(c, .marketplace, accepted: Marketplace.acceptedValues)
        futureDays = try decodeInt(c, .futureDays, range: PredictQuery.futureDaysRange)
    }

    public func validated() throws -> PredictQuery {
        guard let ids = funkoPopIDs else {
            throw FunkoError.badRequest(
                "funko_pop_ids is required: an array of 1 to \(Self.maxIDs) Funko Pop ids", field: "funko_pop_ids")
        }
        guard (1...Self.maxIDs).contains(ids.count) else {
            throw FunkoError.badRequest(
                "funko_pop_ids must hold 1 to \(Self.maxIDs) ids (got \(ids.count))", field: "funko_pop_ids")
        }
        for (i, id) in ids.enumerated() { try PopID.check(id, name: "funko_pop_ids[\(i)]", field: "funko_pop_ids") }
        return try PredictQuery(ids: ids, condition: condition, marketplace: marketplace, futureDays: futureDays)
    }
}

/// `GET /pops?q=&series=&limit=`, as sent (query parameters are text).
public struct CatalogRequest: Sendable {
    public var q: String?
    public var series: String?
    public var limit: String?

    public static let limitRange = 1...50
    public static let defaultLimit = 20
    public static let maxTextLength = 100

    public init(q: String? = nil, series: String? = nil, limit: String? = nil) {
        self.q = q
        self.series = series
        self.limit = limit
    }

    public func validated() throws -> CatalogSearch {
        for (name, value) in [("q", q), ("series", series)] {
            guard let value else { continue }
            guard value.count <= Self.maxTextLength else {
                throw FunkoError.badRequest(
                    "\(name) is \(value.count) characters long; at most \(Self.maxTextLength) are searched", field: name
                )
            }
            guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw FunkoError.badRequest("\(name) contains a control character: send printable text", field: name)
            }
        }
        var n = Self.defaultLimit
        if let limit {
            guard let v = Int(limit), Self.limitRange.contains(v) else {
                throw FunkoError.badRequest(
                    "limit must be an integer from \(Self.limitRange.lowerBound) to \(Self.limitRange.upperBound) (got \"\(limit)\")",
                    field: "limit")
            }
            n = v
        }
        return CatalogSearch(text: q ?? "", series: series?.trimmed.nilIfEmpty, limit: n)
    }
}

/// What a Funko Pop id may hold. The stores compare ids as C strings in places (libpq), so a
/// NUL would silently cut an id short: control characters are refused, not passed on.
public enum PopID {
    public static let maxLength = 128

    /// `name` is how the message calls the value (`funko_pop_ids[3]`), `field` the request field.
    public static func check(_ id: String, name: String? = nil, field: String) throws {
        let name = name ?? field
        if let bad = id.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            let code = String(bad.value, radix: 16, uppercase: true)
            throw FunkoError.badRequest(
                "\(name) contains a control character (U+\(String(repeating: "0", count: max(0, 4 - code.count)))\(code)): ids are printable text such as \"10001\"",
                field: field)
        }
        guard id.utf8.count <= maxLength else {
            throw FunkoError.badRequest(
                "\(name) is \(id.utf8.count) bytes long; ids are at most \(maxLength)", field: field)
        }
    }
}

/// A validated prediction question (one or many Pops, same condition/marketplace/horizon).
public struct PredictQuery: Equatable, Sendable {
    public var ids: [String]
    public var condition: Condition
    public var marketplace: Marketplace
    public var futureDays: Int

    public static let futureDaysRange = 0...365

    public init(ids: [String], condition: String?, marketplace: String?, futureDays: Int?) throws {
        self.ids = ids
        if let c = condition {
            guard let parsed = Condition(parsing: c) else {
                throw FunkoError.badRequest(
                    "condition \"\(c)\" is not accepted: use one of \(Condition.acceptedValues)", field: "condition")
            }
            self.condition = parsed
        } else {
            self.condition = .mint
        }
        if let m = marketplace {
            guard let parsed = Marketplace(parsing: m) else {
                throw FunkoError.badRequest(
                    "marketplace \"\(m)\" is not accepted: use one of \(Marketplace.acceptedValues)",
                    field: "marketplace")
            }
            self.marketplace = parsed
        } else {
            self.marketplace = .ebay
        }
        let d = futureDays ?? 0
        guard Self.futureDaysRange.contains(d) else {
            throw FunkoError.badRequest("future_days must be an integer from 0 to 365 (got \(d))", field: "future_days")
        }
        self.futureDays = d
    }
}

func decodeID<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> String? {
    guard c.contains(key), !((try? c.decodeNil(forKey: key)) ?? false) else { return nil }
    if let s = try? c.decode(String.self, forKey: key) { return s }
    if let n = try? c.decode(Int.self, forKey: key) { return String(n) }
    throw FunkoError.badRequest("\(key.stringValue) must be a string id such as \"10001\"", field: key.stringValue)
}

func decodeLabel<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K, accepted: String) throws -> String? {
    guard c.contains(key), !((try? c.decodeNil(forKey: key)) ?? false) else { return nil }
    if let s = try? c.decode(String.self, forKey: key) { return s }
    if let n = try? c.decode(Int.self, forKey: key) { return String(n) }
    throw FunkoError.badRequest("\(key.stringValue) must be a string, one of \(accepted)", field: key.stringValue)
}

func decodeInt<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K, range: ClosedRange<Int>) throws -> Int? {
    guard c.contains(key), !((try? c.decodeNil(forKey: key)) ?? false) else { return nil }
    if let n = try? c.decode(Int.self, forKey: key) { return n }
    if let d = try? c.decode(Double.self, forKey: key), d == d.rounded(), abs(d) < 1e9 { return Int(d) }
    throw FunkoError.badRequest(
        "\(key.stringValue) must be an integer from \(range.lowerBound) to \(range.upperBound)", field: key.stringValue)
}
