import Dispatch
import FunkoCore
import FunkoStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A deterministic synthetic Funko Pop market: a catalog and its sales history. The model of the
/// market (and why each effect is there) is documented in docs/data.md.
public struct MarketGenerator: Sendable {
    public struct Config: Sendable {
        public var pops: Int = 2000
        public var days: Int = 1095
        public var seed: UInt64 = 42
        /// Last day of the history (UTC). Defaults to yesterday, so no sale is in the future.
        public var endDay: Int64 = Time.dayNumber(Time.now()) - 1
        /// Mean sales per Pop per day before popularity, hype and price effects.
        public var salesRate: Double = 0.075
        public init() {}
    }

    public let config: Config
    public let catalog: [FunkoPop]
    private let traits: [Traits]

    /// Hidden per-Pop market parameters (never stored; the model must infer them from sales).
    struct Traits: Sendable {
        var marketValue: Double  // typical mint price on eBay at steady state
        var popularity: Double  // relative sales rate
        var hype: Double  // extra value right after release
        var hypeDays: Double  // how fast the hype fades
        var drift: Double  // long-run log-price change per year (decay < 0 < scarcity)
        var vaultGrowth: Double  // log-price growth per year after vaulting
        var volatility: Double  // daily sd of the latent log-price random walk
    }

    public var startDay: Int64 { config.endDay - Int64(config.days) + 1 }

    public init(config: Config = Config()) {
        self.config = config
        var rng = SeededRandom(seed: config.seed, stream: 0)
        var pops: [FunkoPop] = []
        var traits: [Traits] = []
        pops.reserveCapacity(config.pops)
        let seriesWeights = Catalog.series.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1.weight) }
        var numbers = [Int](repeating: 0, count: Catalog.series.count)
        let endDay = config.endDay
        let start = endDay - Int64(config.days)
        while pops.count < config.pops {
            let si = rng.pick(seriesWeights)
            let series = Catalog.series[si]
            let character = series.characters[Int(rng.uniform() * Double(series.characters.count))]
            numbers[si] += 1 + Int(rng.uniform() * 3)
            let number = numbers[si]
            // Releases from four years before the window to a month before its end.
            let release = Int64(Double(start - 4 * 365) + rng.uniform() * Double(endDay - 30 - (start - 4 * 365)))
            let isExclusive = rng.chance(0.22)
            let retailer = isExclusive ? Catalog.retailers[rng.pick(Catalog.retailerWeights)] : nil
            let variant = rng.chance(0.25) ? Catalog.variants[Int(rng.uniform() * Double(Catalog.variants.count))] : nil
            // Market value: lognormal around the high teens, series and exclusivity premiums, and
            // a rare "grail" tail into the thousands.
            var value = 17.0 * exp(rng.normal(0, 0.45)) * series.premium
            if let retailer { value *= Catalog.retailerPremium(retailer) * exp(rng.normal(0, 0.15)) }
            if variant != nil { value *= 1.25 }
            if rng.chance(0.012) { value *= exp(rng.uniform(log(15), log(120))) }
            let ageAtEnd = Double(endDay - release) / 365
            let isVaulted = ageAtEnd > 1.2 && rng.chance(min(0.6, 0.18 * ageAtEnd))
            let vaultedDay: Int64? =
                isVaulted
                ? min(endDay - 20, release + Int64(rng.uniform(300, max(301, Double(endDay - release) - 20))))
                : nil
            let popularity = exp(rng.normal(0, 0.9)) * series.popularity
            let t = Traits(
                marketValue: value, popularity: popularity, hype: rng.uniform(0.05, 0.7),
                hypeDays: rng.uniform(25, 120), drift: rng.normal(-0.04, 0.12),
                vaultGrowth: rng.uniform(0.08, 0.45), volatility: rng.uniform(0.002, 0.007))
            let id = String(10_001 + pops.count)
            let baseName = "\(character) #\(number)" + (variant.map { " (\($0))" } ?? "")
            // The catalog's estimate is the list-time guess: right on average, off for any one Pop.
            let estimate = roundCents(value * exp(rng.normal(0, 0.35)))
            pops.append(
                FunkoPop(
                    id: id, name: baseName, series: series.name, character: character, funkoNumber: number,
                    releaseDate: release * secondsPerDay, isChase: false, isExclusive: isExclusive,
                    isVaulted: isVaulted, exclusiveRetailer: retailer,
                    // No picture: a generated Pop has none, and a made-up address would only fail to load.
                    vaultedDate: vaultedDay.map { $0 * secondsPerDay }, baseEstimatedValue: estimate, imageURL: nil))
            traits.append(t)
            // About one common in twelve has a chase variant: same figure, short-packed, worth several times more.
            if !isExclusive, pops.count < config.pops, rng.chance(0.08) {
                let cid = String(10_001 + pops.count)
                var chase = pops[pops.count - 1]
                var ct = t
                ct.marketValue = value * rng.uniform(3, 7)
                ct.popularity = popularity * 0.35
                chase.id = cid
                chase.name = "\(character) #\(number) (Chase)"
                chase.isChase = true
                chase.baseEstimatedValue = roundCents(ct.marketValue * exp(rng.normal(0, 0.35)))
                pops.append(chase)
                traits.append(ct)
            }
        }
        catalog = pops
        self.traits = traits
    }

    /// The `source` of generated sales: distinct per seed and end day, so two different histories
    /// never collide on external ids, while re-running the same one adds nothing.
    public static func source(seed: UInt64, endDay: Int64) -> String {
        "generator:seed=\(seed):end=\(Time.isoDate(endDay * secondsPerDay))"
    }

    /// Calls `emit` for each sale of Pop `index`, in time order. Each Pop has its own random
    /// stream, so Pops can be generated in any order or in parallel with the same result.
    public func sales(ofPop index: Int, _ emit: (EpochSeconds, Double, Condition, Marketplace) -> Void) {
        let pop = catalog[index]
        let t = traits[index]
        var rng = SeededRandom(seed: config.seed, stream: UInt64(index) + 1)
        let releaseDay = Time.dayNumber(pop.releaseDate)
        let vaultDay = pop.vaultedDate.map(Time.dayNumber)
        var walk = 0.0
        // The latent walk starts at release; burn in the days before the window cheaply.
        let first = max(releaseDay, startDay)
        if first > releaseDay { walk = rng.normal(0, t.volatility * Double(first - releaseDay).squareRoot()) }
        for day in first...config.endDay {
            walk += rng.normal(0, t.volatility)
            let age = Double(day - releaseDay)
            let hype = 1 + t.hype * exp(-age / t.hypeDays)
            var logValue = log(t.marketValue * hype) + t.drift * age / 365 + walk
            if let v = vaultDay, day >= v { logValue += t.vaultGrowth * Double(day - v) / 365 }
            let month = CivilDate(dayNumber: day).month
            let weekday = Int((day + 3) % 7)
            let holiday = month == 12 ? 1.06 : (month == 11 ? 1.03 : 1.0)
            let weekend = weekday >= 5
            // Demand: popular Pops sell often, grails seldom; more buyers at release, on
            // weekends and before the holidays; fewer once a vaulted Pop dries up.
            var rate = config.salesRate * t.popularity * pow(17 / max(t.marketValue, 5), 0.35)
            rate *= (1 + 2 * t.hype * exp(-age / t.hypeDays)) * (weekend ? 1.35 : 1) * (month == 12 ? 1.4 : 1)
            if let v = vaultDay, day >= v { rate *= 0.75 }
            let n = rng.poisson(rate)
            guard n > 0 else { continue }
            var times = (0..<n).map { _ in day * secondsPerDay + Int64(rng.uniform() * Double(secondsPerDay)) }
            times.sort()
            for time in times {
                let c = Catalog.conditions[rng.pick(Catalog.conditionWeights)]
                let m = Catalog.marketplaces[rng.pick(Catalog.marketplaceWeights)]
                let sd = 0.07 + Catalog.noise(m) + (c.score <= 2 ? 0.06 : 0)
                let price =
                    exp(logValue + rng.normal(0, sd)) * holiday * (weekend ? 1.02 : 1)
                    * Catalog.conditionMultiplier(c) * Catalog.marketplaceMultiplier(m)
                emit(time, max(1, roundCents(price)), c, m)
            }
        }
    }

    /// All sales as a table (sorted by Pop and time), generated on all cores.
    public func salesTable(progress: Progress? = nil) -> SalesTable {
        var parts = [SalesTable](repeating: SalesTable(pops: []), count: catalog.count)
        let chunk = 64
        let chunks = (catalog.count + chunk - 1) / chunk
        parts.withUnsafeMutableBufferPointer { out in
            // Each iteration writes the parts of its own Pops only.
            nonisolated(unsafe) let base = out.baseAddress!
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                for i in (k * chunk)..<min(catalog.count, (k + 1) * chunk) {
                    var part = SalesTable(pops: [])
                    sales(ofPop: i) { t, x, c, m in
                        part.append(pop: Int32(i), soldAt: t, price: x, condition: c, marketplace: m)
                    }
                    (base + i).pointee = part
                }
                progress?.update((k + 1) * chunk)
            }
        }
        var table = SalesTable(pops: catalog)
        table.reserve(parts.reduce(0) { $0 + $1.count })
        for p in parts {
            table.pop += p.pop
            table.soldAt += p.soldAt
            table.price += p.price
            table.condition += p.condition
            table.marketplace += p.marketplace
        }
        progress?.finish()
        return table
    }

    /// Writes the catalog and its sales to `store`, in batches, reporting progress. Idempotent:
    /// generated sales carry stable external ids, so running it twice adds nothing.
    public func write(to store: Store, progress: Progress? = nil) throws -> (pops: UpsertCount, sales: Int) {
        let popCount = try store.upsertPops(catalog)
        var inserted = 0
        var batch: [Sale] = []
        batch.reserveCapacity(50_000)
        let source = Self.source(seed: config.seed, endDay: config.endDay)
        try store.transaction {
            for i in catalog.indices {
                let id = catalog[i].id
                var k = 0
                sales(ofPop: i) { t, x, c, m in
                    batch.append(
                        Sale(
                            popID: id, soldAt: t, price: x, condition: c, marketplace: m,
                            source: source, externalID: "\(id)-\(k)"))
                    k += 1
                }
                if batch.count >= 50_000 || i == catalog.count - 1 {
                    inserted += try store.insertSales(batch)
                    batch.removeAll(keepingCapacity: true)
                    progress?.update(i + 1)
                }
            }
        }
        progress?.finish()
        return (popCount, inserted)
    }
}
