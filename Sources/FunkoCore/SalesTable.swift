/// Sales in columns, the shape the feature pipeline consumes: one array per field, rows grouped
/// by Pop and in time order within a Pop. Columns (not an array of `Sale`) keep 10M sales in a few
/// hundred MB and let the feature kernel stream through memory.
public struct SalesTable: Sendable {
    /// The catalog the rows refer to; `pop[i]` indexes into it.
    public var pops: [FunkoPop]
    public var pop: [Int32] = []
    public var soldAt: [EpochSeconds] = []
    public var price: [Double] = []
    public var condition: [UInt8] = []  // Condition.score, 1...5
    public var marketplace: [UInt8] = []  // index into Marketplace.allCases

    public init(pops: [FunkoPop]) { self.pops = pops }

    public var count: Int { pop.count }

    public mutating func reserve(_ n: Int) {
        pop.reserveCapacity(n)
        soldAt.reserveCapacity(n)
        price.reserveCapacity(n)
        condition.reserveCapacity(n)
        marketplace.reserveCapacity(n)
    }

    public mutating func append(
        pop p: Int32, soldAt t: EpochSeconds, price x: Double, condition c: Condition, marketplace m: Marketplace
    ) {
        pop.append(p)
        soldAt.append(t)
        price.append(x)
        condition.append(UInt8(c.score))
        marketplace.append(Marketplace.code(m))
    }

    /// Orders rows by (Pop, time) unless they already are: a linear check, then a counting sort by
    /// Pop and a per-Pop sort by time only where needed. Stable, so equal times keep input order.
    public mutating func sortByPopAndTime() {
        let n = count
        var sorted = true
        for i in 1..<max(n, 1) where pop[i] < pop[i - 1] || (pop[i] == pop[i - 1] && soldAt[i] < soldAt[i - 1]) {
            sorted = false
            break
        }
        if sorted { return }
        var start = [Int](repeating: 0, count: pops.count + 1)
        for p in pop { start[Int(p) + 1] += 1 }
        for i in 0..<pops.count { start[i + 1] += start[i] }
        var next = start
        var order = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let p = Int(pop[i])
            order[next[p]] = i
            next[p] += 1
        }
        for p in 0..<pops.count where start[p + 1] - start[p] > 1 {
            let slice = start[p]..<start[p + 1]
            let ts = soldAt
            if !zip(order[slice].dropLast(), order[slice].dropFirst()).allSatisfy({ ts[$0] <= ts[$1] }) {
                order[slice].sort { (ts[$0], $0) < (ts[$1], $1) }
            }
        }
        pop = order.map { pop[$0] }
        soldAt = order.map { soldAt[$0] }
        price = order.map { price[$0] }
        condition = order.map { condition[$0] }
        marketplace = order.map { marketplace[$0] }
    }

    /// Row ranges per Pop (requires rows sorted by Pop): `ranges[p]` is Pop p's rows.
    public func popRanges() -> [Range<Int>] {
        var ranges = [Range<Int>](repeating: 0..<0, count: pops.count)
        var i = 0
        let n = count
        while i < n {
            let p = pop[i]
            var j = i + 1
            while j < n, pop[j] == p { j += 1 }
            ranges[Int(p)] = i..<j
            i = j
        }
        return ranges
    }
}

extension Marketplace {
    private static let all = Marketplace.allCases
    @inline(__always) public static func code(_ m: Marketplace) -> UInt8 { UInt8(all.firstIndex(of: m)!) }
    @inline(__always) public static func from(code: UInt8) -> Marketplace { all[Int(code)] }
}
