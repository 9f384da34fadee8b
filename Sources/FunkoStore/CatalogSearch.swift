import FunkoCore

/// A catalog search (`GET /pops`): the words typed, an optional series, and how many to list.
/// A Pop matches when every word typed starts a word of its name or character, or its box
/// number. First come the Pops whose name starts with the text, then those where every word
/// typed is a whole word (so `3` finds box number 3 before 30), then the rest; by name within each.
public struct CatalogSearch: Sendable, Equatable {
    /// The text as typed, trimmed (ranks the names that start with it first).
    public var text: String
    /// `text`'s words, as `CatalogWords` splits them.
    public var words: [String]
    /// Only this series (compared without case), when given.
    public var series: String?
    public var limit: Int

    public init(text: String, series: String? = nil, limit: Int) {
        self.text = text.trimmed
        words = CatalogWords.words(in: text)
        self.series = series
        self.limit = limit
    }

    /// `text` as a LIKE pattern for "the name starts with it" (`\` escapes).
    var namePrefixPattern: String {
        var out = ""
        for c in text.lowercased() {
            if c == "%" || c == "_" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "%"
    }
}

/// One page of a catalog search: the Pops with their newest sale, and how many matched in all.
public struct CatalogPage: Sendable {
    public var hits: [CatalogHit]
    public var total: Int
    public init(hits: [CatalogHit], total: Int) {
        self.hits = hits
        self.total = total
    }
}

public struct CatalogHit: Sendable, Equatable {
    public var pop: FunkoPop
    public var lastSale: LastSale?
    public init(pop: FunkoPop, lastSale: LastSale?) {
        self.pop = pop
        self.lastSale = lastSale
    }
}

public struct LastSale: Sendable, Equatable {
    public var price: Double
    public var soldAt: EpochSeconds
    public init(price: Double, soldAt: EpochSeconds) {
        self.price = price
        self.soldAt = soldAt
    }
}

/// How catalog text becomes searchable words: lowercased runs of letters and digits. The stores
/// index each Pop's words (name, character, box number) in `pop_words` with the same function
/// that splits a search, so both stores match alike.
public enum CatalogWords {
    public static func words(in text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for c in text.lowercased() {
            if c.isLetter || c.isNumber {
                current.append(c)
            } else if !current.isEmpty {
                out.append(current)
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    /// The words a Pop is found by.
    public static func words(of pop: FunkoPop) -> [String] {
        words(in: "\(pop.name) \(pop.character) \(pop.funkoNumber)")
    }

    /// The upper bound of the words that start with `word`: `word <= w < end(word)` in byte order.
    static func end(_ word: String) -> String { word + "\u{10FFFF}" }
}
