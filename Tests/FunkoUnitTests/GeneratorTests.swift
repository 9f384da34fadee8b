import FunkoTestSupport
import Testing

@testable import FunkoCore
@testable import FunkoData
@testable import FunkoFeatures
@testable import FunkoStore

@Suite(.ownThread) struct GeneratorTests {
    @Test func sameSeedSameData() {
        let a = smallMarket(seed: 5).salesTable()
        let b = smallMarket(seed: 5).salesTable()
        #expect(a.pops == b.pops)
        #expect(a.soldAt == b.soldAt)
        #expect(a.price == b.price)
        #expect(a.condition == b.condition)
        #expect(a.marketplace == b.marketplace)
        let c = smallMarket(seed: 6).salesTable()
        #expect(c.price != a.price)
    }

    @Test func writingToTheStoreIsDeterministicAndIdempotent() throws {
        let dir = try TempDir()
        let store = try SQLiteStore(path: dir.file("a.sqlite"))
        let g = smallMarket(pops: 40)
        let first = try g.write(to: store)
        #expect(first.sales == g.salesTable().count)
        let again = try g.write(to: store)
        #expect(again.sales == 0)
        #expect(again.pops.unchanged == 40)
        let fromStore = try store.salesTable(since: nil)
        var expected = g.salesTable()
        // The store orders Pops by id; generated ids are fixed-width, so the orders match.
        expected.sortByPopAndTime()
        #expect(fromStore.price == expected.price)
        #expect(fromStore.soldAt == expected.soldAt)
    }

    /// The default market looks like the real one (docs/data.md).
    @Test func defaultMarketIsCalibrated() throws {
        var c = MarketGenerator.Config()
        c.pops = 2000
        c.seed = 42
        c.endDay = CivilDate(year: 2025, month: 12, day: 31).dayNumber
        let g = MarketGenerator(config: c)
        let t = g.salesTable()
        #expect(t.count > 100_000)
        let mint = (0..<t.count).filter { t.condition[$0] == 5 }.map { t.price[$0] }.sorted()
        let median = mint[mint.count / 2]
        #expect(median > 15, "median mint price \(median)")
        #expect(median < 22, "median mint price \(median)")
        #expect(mint.last! > 1000, "long right tail")
        func meanPrice(_ include: (Int) -> Bool) -> Double {
            let p = (0..<t.count).filter(include).map { t.price[$0] }
            return p.reduce(0, +) / Double(p.count)
        }
        let pops = t.pops
        // Chase variants sell for several times their common version.
        var ratios: [Double] = []
        for (i, p) in pops.enumerated() where p.isChase && i > 0 && pops[i - 1].character == p.character {
            let chase = meanPrice { Int(t.pop[$0]) == i }
            let common = meanPrice { Int(t.pop[$0]) == i - 1 }
            if chase.isFinite && common.isFinite { ratios.append(chase / common) }
        }
        ratios.sort()
        try #require(ratios.count > 20)
        #expect(ratios[ratios.count / 2] > 2.5)
        #expect(meanPrice { t.condition[$0] == 1 } < 0.5 * meanPrice { t.condition[$0] == 5 })
        // Popular Pops sell often, rare ones seldom.
        let counts = t.popRanges().map(\.count).sorted()
        #expect(counts[counts.count * 9 / 10] > 4 * max(counts[counts.count / 10], 1))
        #expect(t.soldAt.max()! < (c.endDay + 1) * secondsPerDay)
    }
}
