import Foundation
import FunkoCore
import FunkoData

/// A market where the last sale is the best possible guess: each Pop's log price is a random walk
/// with one sale a day, so the next price is the last one times a shock with median 1. A model
/// can at best tie the last sale there. `conditions` true: each sale is in a random condition
/// that sets its price (poor sells at a quarter of mint), which a model can learn from the
/// sale's condition and the last sale cannot know. `lastPrices` continues earlier walks.
package func randomWalkMarket(
    pops: Int, days: ClosedRange<Int64>, conditions: Bool = false, lastPrices: [String: Double] = [:]
) -> (pops: [FunkoPop], sales: [Sale]) {
    var rng = SeededRandom(seed: 11, stream: UInt64(days.lowerBound))
    let factor: [Condition: Double] = [.mint: 1, .nearMint: 0.8, .good: 0.6, .fair: 0.4, .poor: 0.25]
    var catalog: [FunkoPop] = []
    var sales: [Sale] = []
    for i in 0..<pops {
        let id = "rw-\(i)"
        var logPrice = log(lastPrices[id] ?? rng.uniform(8, 200))
        catalog.append(
            FunkoPop(
                id: id, name: "Walker \(i)", series: "Random Walk", character: "Walker \(i)", funkoNumber: i,
                releaseDate: Time.parseISO8601("2020-01-01")!, isChase: false, isExclusive: false, isVaulted: false,
                baseEstimatedValue: 50))
        for day in days {
            logPrice += rng.normal(0, 0.04)
            let condition = conditions ? Condition.allCases[Int(rng.next() % 5)] : .mint
            sales.append(
                Sale(
                    popID: id, soldAt: day * secondsPerDay + 43_200 + Int64(i) * 60,
                    price: roundCents(exp(logPrice) * factor[condition]!), condition: condition, marketplace: .ebay,
                    source: "walk", externalID: "\(id)-\(day)"))
        }
    }
    return (catalog, sales)
}
