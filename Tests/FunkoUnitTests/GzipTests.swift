import CZlib
import Testing

@testable import FunkoCore

/// `Gzip.decompress` inflates into a buffer sized from the gzip trailer; these cases cover a trailer
/// that is right, one that lies (too small, too large, unbelievable) and streams with no trailer.
@Suite struct GzipTests {
    /// Bytes that compress well (a model's JSON is like this) and bytes that do not.
    static func sample(_ count: Int, random: Bool) -> [UInt8] {
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        return (0..<count).map { i in
            guard random else { return UInt8(ascii: "a") + UInt8(i % 7) }
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    @Test(arguments: [0, 1, 65_535, 65_536, 65_537, 1 << 20])
    func roundTrips(count: Int) throws {
        for random in [false, true] {
            let input = Self.sample(count, random: random)
            let gz = try Gzip.compress(input)
            #expect(Gzip.expectedSize(gz) == count + 1)
            #expect(try Gzip.decompress(gz) == input)
        }
    }

    /// The trailer's size is only a first guess: a wrong one must cost speed, never bytes.
    @Test func aWrongSizeInTheTrailerIsCaughtByZlib() throws {
        let input = Self.sample(200_000, random: false)
        for stated: UInt32 in [10, 150_000, 250_000, .max] {
            var gz = try Gzip.compress(input)
            let n = gz.count
            for i in 0..<4 { gz[n - 4 + i] = UInt8(truncatingIfNeeded: stated >> (8 * UInt32(i))) }
            #expect(Gzip.expectedSize(gz) == (Int(stated) <= 1032 * n ? Int(stated) + 1 : max(4 * n, 1 << 16)))
            do {
                _ = try Gzip.decompress(gz)
                Issue.record("a trailer stating \(stated) bytes for \(input.count) was accepted")
            } catch let e as FunkoError {
                #expect(e.message.contains("not valid gzip data"), "\(e.message)")
            }
        }
    }

    /// A file of several gzip members (`cat a.gz b.gz`) inflates to all of them, not the first
    /// only; zero padding after the last is ignored, and anything else after it is an error.
    @Test func everyMemberOfAMultiMemberFileIsInflated() throws {
        let a = Self.sample(100_000, random: true)
        let b = Self.sample(70_000, random: false)
        let both = try Gzip.compress(a) + Gzip.compress(b)
        #expect(try Gzip.decompress(both) == a + b)
        #expect(try Gzip.decompress(both + [0, 0, 0, 0]) == a + b)
        #expect(try Gzip.decompress(try Gzip.compress(a) + Gzip.compress([]) + Gzip.compress(b)) == a + b)
        let error = try #require(throws: FunkoError.self) { try Gzip.decompress(both + Array("junk".utf8)) }
        #expect(error.message.contains("4 bytes after the end"), "\(error.message)")
    }

    /// A zlib stream (no gzip trailer) grows its buffer from the first guess.
    @Test func zlibStreamsGrowFromTheFirstGuess() throws {
        let input = Self.sample(1 << 20, random: false)
        var bound = compressBound(UInt(input.count))
        var z = [UInt8](repeating: 0, count: Int(bound))
        #expect(compress2(&z, &bound, input, UInt(input.count), 9) == Z_OK)
        z.removeSubrange(Int(bound)...)
        #expect(Gzip.expectedSize(z) < input.count)
        #expect(try Gzip.decompress(z) == input)
    }
}
