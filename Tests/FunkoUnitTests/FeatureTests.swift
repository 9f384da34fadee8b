import Foundation
import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoData
@testable import FunkoFeatures

@Suite(.ownThread) struct FeatureTests {
    static let day = secondsPerDay
    static let release = Time.parseISO8601("2024-01-01")!

    static func pop(_ id: String = "1", series: String = "Marvel", character: String = "Thor") -> FunkoPop {
        FunkoPop(
            id: id, name: "Thor #1", series: series, character: character, funkoNumber: 1, releaseDate: release,
            isChase: false, isExclusive: true, isVaulted: true, vaultedDate: release + 100 * day, baseEstimatedValue: 20
        )
    }

    /// Hand-computed windows: sales at days 10 (10$), 50 (20$), 80 (30$), 85 (40$) and 90 (50$, same instant as the query).
    @Test func windowsCoverSalesStrictlyBeforeTheirEnd() {
        var table = SalesTable(pops: [Self.pop()])
        for (d, p) in [(10, 10.0), (50, 20.0), (80, 30.0), (85, 40.0), (90, 50.0)] {
            table.append(
                pop: 0, soldAt: Self.release + Int64(d) * Self.day, price: p, condition: .good, marketplace: .ebay)
        }
        let encoders = Encoders(fitting: table.pops)
        let rows = FeatureBuilder.trainingRows(table, encoders: encoders)
        // Row 4 is the sale at day 90: its own sale is excluded.
        #expect(rows[4, .avgPrice7d] == 40)  // day 85 only
        #expect(rows[4, .avgPrice30d] == 35)  // days 80 and 85 (day 60 boundary excludes day 50)
        #expect(rows[4, .avgPrice90d] == 25)  // days 10, 50, 80, 85
        #expect(abs(rows[4, .priceVolatility30d] - Float((50.0).squareRoot())) < 1e-5)  // sd of {30, 40}
        #expect(rows[4, .lastPrice] == 40)
        #expect(rows[4, .daysSinceLastSale] == 5)
        #expect(rows[4, .salesCount90d] == 4)
        #expect(rows[4, .daysSinceRelease] == 90)
        #expect(rows[4, .isVaulted] == 0)  // vaulted on day 100
        #expect(rows[0, .avgPrice90d].isNaN)
        #expect(rows[0, .lastPrice].isNaN)
        #expect(rows[0, .priceVolatility30d].isNaN)
        #expect(rows[1, .priceVolatility30d].isNaN)  // nothing in the 30 days before day 50
        #expect(rows[4, .isExclusive] == 1)
        #expect(rows[4, .isChase] == 0)
        #expect(rows[4, .baseEstimatedValue] == 20)
        #expect(rows[4, .conditionScore] == 3)
        #expect(rows[4, .saleDayOfWeek] == Float(Time.weekday(Self.release + 90 * Self.day)))

        // The relative features, from the same four earlier sales (10, 20, 30, 40; last 40).
        let w = Feature.ewmWeight
        let ewm = w * 40 + (1 - w) * (w * 30 + (1 - w) * (w * 20 + (1 - w) * 10))
        func near(_ f: Feature, _ v: Double) -> Bool { abs(Double(rows[4, f]) - v) < 1e-5 }
        #expect(near(.ewmPrice, ewm))
        #expect(near(.logEwmToLast, log(ewm / 40)))
        #expect(near(.logAvg7dToLast, 0))
        #expect(near(.logAvg30dToLast, log(35.0 / 40)))
        #expect(near(.logAvg90dToLast, log(25.0 / 40)))
        #expect(near(.logAvgLast5ToLast, log(25.0 / 40)))
        #expect(near(.logBaseToLast, log(20.0 / 40)))
        #expect(near(.logLastToPrevious, log(40.0 / 30)))
        #expect(near(.relativeVolatility30d, 50.0.squareRoot() / 35))
        #expect(near(.momentum7dTo30d, log(40.0 / 35)))
        #expect(near(.momentum30dTo90d, log(35.0 / 25)))
        // No earlier sale: every relative feature is missing; one earlier sale: no previous jump.
        for f in Feature.allCases where f.rawValue >= Feature.ewmPrice.rawValue { #expect(rows[0, f].isNaN, "\(f)") }
        #expect(rows[1, .logLastToPrevious].isNaN)
        #expect(near(.ewmPrice, ewm) && rows[1, .ewmPrice] == 10)
    }

    @Test func windowBoundaryIsInclusiveAtItsStart() {
        var table = SalesTable(pops: [Self.pop()])
        table.append(pop: 0, soldAt: Self.release, price: 10, condition: .mint, marketplace: .ebay)
        table.append(pop: 0, soldAt: Self.release + 7 * Self.day, price: 20, condition: .mint, marketplace: .ebay)
        let rows = FeatureBuilder.trainingRows(table, encoders: Encoders(fitting: table.pops))
        #expect(rows[1, .avgPrice7d] == 10)  // exactly 7 days before: inside [t-7d, t)
    }

    /// Changing or adding a sale at time t changes no feature of any row before t.
    @Test func pointInTimeCorrectness() {
        let g = smallMarket()
        let table = g.salesTable()
        let encoders = Encoders(fitting: table.pops)
        let before = FeatureBuilder.trainingRows(table, encoders: encoders)
        var rng = SeededRandom(seed: 99)
        for _ in 0..<25 {
            let k = Int(rng.uniform() * Double(table.count))
            let t = table.soldAt[k]
            var changed = table
            changed.price[k] *= 3  // change a sale at t
            // Add one at t.
            changed.append(pop: table.pop[k], soldAt: t, price: 999, condition: .poor, marketplace: .other)
            changed.append(pop: table.pop[k], soldAt: t + 3600, price: 1, condition: .mint, marketplace: .amazon)
            changed.sortByPopAndTime()
            let after = FeatureBuilder.trainingRows(changed, encoders: encoders)
            // Match rows by (pop, time, price) for every sale strictly before t.
            var index: [String: Int] = [:]
            for i in 0..<changed.count {
                index[
                    "\(changed.pop[i])|\(changed.soldAt[i])|\(changed.price[i])|\(changed.condition[i])", default: i] =
                    i
            }
            var compared = 0
            for i in 0..<table.count where table.soldAt[i] < t {
                let j = index["\(table.pop[i])|\(table.soldAt[i])|\(table.price[i])|\(table.condition[i])"]!
                for f in Feature.allCases {
                    let a = before[i, f]
                    let b = after[j, f]
                    #expect(a == b || (a.isNaN && b.isNaN), "row \(i) feature \(f.name) changed")
                }
                compared += 1
            }
            #expect(compared > 0)
            // The change does show in that Pop's later rows, so this comparison is not vacuous.
            for i in 0..<table.count
            where table.pop[i] == table.pop[k] && table.soldAt[i] > t + 3600 && table.soldAt[i] < t + 80 * secondsPerDay
            {
                let j = index["\(table.pop[i])|\(table.soldAt[i])|\(table.price[i])|\(table.condition[i])"]!
                #expect(after[j, .avgPrice90d] != before[i, .avgPrice90d])
            }
        }
    }

    /// Serving rows go through the same kernel: asking at each sale's own time reproduces the training rows exactly.
    @Test func servingRowsEqualTrainingRows() {
        let table = smallMarket(pops: 60).salesTable()
        let encoders = Encoders(fitting: table.pops)
        let training = FeatureBuilder.trainingRows(table, encoders: encoders)
        let queries = (0..<table.count).reversed().map {
            FeatureQuery(
                pop: table.pop[$0], time: table.soldAt[$0], windowEnd: table.soldAt[$0],
                condition: Condition(score: Int(table.condition[$0]))!,
                marketplace: Marketplace.from(code: table.marketplace[$0]))
        }
        let serving = FeatureBuilder.rows(for: queries, sales: table, encoders: encoders)
        for (k, i) in (0..<table.count).reversed().enumerated() {
            for f in Feature.allCases {
                let a = training[i, f]
                let b = serving[k, f]
                #expect(a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN), "row \(i) \(f.name): \(a) vs \(b)")
            }
        }
    }

    @Test func servingWindowsEndAtNowWhileTheTargetMovesAhead() {
        var table = SalesTable(pops: [Self.pop()])
        let now = Self.release + 200 * Self.day
        table.append(pop: 0, soldAt: now - 2 * Self.day, price: 30, condition: .mint, marketplace: .ebay)
        table.append(pop: 0, soldAt: now + 1, price: 90, condition: .mint, marketplace: .ebay)  // after now: ignored
        let q = FeatureQuery(
            pop: 0, time: now + 30 * Self.day, windowEnd: now, condition: .nearMint, marketplace: .mercari)
        let rows = FeatureBuilder.rows(for: [q], sales: table, encoders: Encoders(fitting: table.pops))
        #expect(rows[0, .avgPrice7d] == 30)
        #expect(rows[0, .daysSinceRelease] == 230)
        #expect(rows[0, .daysSinceLastSale] == 32)
        #expect(rows[0, .conditionScore] == 4)
        #expect(rows[0, .isVaulted] == 1)
    }

    @Test func encodersMapUnseenValuesToTheUnknownCode() throws {
        let encoders = Encoders(fitting: [
            Self.pop(series: "Marvel", character: "Thor"), Self.pop("2", series: "DC Comics", character: "Batman"),
        ])
        #expect(encoders.series.code("Marvel") == 2)  // sorted: DC Comics = 1, Marvel = 2
        #expect(encoders.series.code("DC Comics") == 1)
        #expect(encoders.series.code("Star Wars") == Vocabulary.unknownCode)
        #expect(encoders.character.code("Yoda") == 0)
        // Saved and loaded with the model, the codes stay the same.
        let decoded = try JSON.decode(Encoders.self, from: try JSON.encode(encoders))
        #expect(decoded == encoders)
        #expect(decoded.series.code("Marvel") == 2)
        // A serving row for a Pop of an unseen series gets the unknown code.
        var table = SalesTable(pops: [Self.pop(series: "Star Wars", character: "Yoda")])
        table.append(pop: 0, soldAt: Self.release + Self.day, price: 10, condition: .mint, marketplace: .ebay)
        let rows = FeatureBuilder.trainingRows(table, encoders: encoders)
        #expect(rows[0, Feature.seriesEncoded] == 0)
        #expect(rows[0, Feature.characterEncoded] == 0)
        #expect(rows[0, Feature.marketplaceEncoded] == Float(encoders.marketplace.code("ebay")))
    }

    @Test func sortingGroupsByPopAndTime() {
        var table = SalesTable(pops: [Self.pop("a"), Self.pop("b")])
        table.append(pop: 1, soldAt: 30, price: 1, condition: .mint, marketplace: .ebay)
        table.append(pop: 0, soldAt: 20, price: 2, condition: .mint, marketplace: .ebay)
        table.append(pop: 1, soldAt: 10, price: 3, condition: .mint, marketplace: .ebay)
        table.append(pop: 0, soldAt: 5, price: 4, condition: .mint, marketplace: .ebay)
        table.sortByPopAndTime()
        #expect(table.pop == [0, 0, 1, 1])
        #expect(table.soldAt == [5, 20, 10, 30])
        #expect(table.price == [4, 2, 3, 1])
        #expect(table.popRanges() == [0..<2, 2..<4])
    }
}
