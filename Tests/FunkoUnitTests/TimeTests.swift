import FunkoTestSupport
import Testing

@testable import FunkoCore

@Suite struct TimeTests {
    @Test func parsesDatesAndDateTimes() {
        #expect(Time.parseISO8601("1970-01-01") == 0)
        #expect(Time.parseISO8601("2024-02-29T12:30:15Z") == 1_709_209_815)
        #expect(Time.parseISO8601("2024-02-29 12:30:15.250") == 1_709_209_815)
        #expect(Time.parseISO8601("2024-02-29T14:30:15+02:00") == 1_709_209_815)
        #expect(Time.parseISO8601("2024-02-29T07:30:15-0500") == 1_709_209_815)
        #expect(Time.parseISO8601("2024-02-29T12:30Z") == 1_709_209_800)
    }

    @Test func rejectsMalformedAndImpossibleDates() {
        for bad in [
            "", "2023-02-29", "2024-13-01", "2024-1-01", "yesterday", "2024-01-01T25:00:00Z", "2024-01-01T10:00:00Q",
            "2024-01-01X",
        ] {
            #expect(Time.parseISO8601(bad) == nil, "\(bad)")
        }
    }

    @Test func formatsAndRoundTrips() {
        for t: EpochSeconds in [0, 86_399, 951_782_400, 1_709_209_815, 4_102_444_799] {
            #expect(Time.parseISO8601(Time.iso8601(t)) == t)
        }
        #expect(Time.iso8601(1_709_209_815) == "2024-02-29T12:30:15Z")
        #expect(Time.isoDate(1_709_209_815) == "2024-02-29")
    }

    @Test func weekdaysStartOnMonday() {
        #expect(Time.weekday(Time.parseISO8601("2024-06-03")!) == 0)  // a Monday
        #expect(Time.weekday(Time.parseISO8601("2024-06-08T23:59:59Z")!) == 5)
        #expect(Time.weekday(Time.parseISO8601("1969-12-28")!) == 6)  // before the epoch
    }
}

@Suite struct CentsTests {
    @Test func formatsPricesWithCents() {
        #expect(formatCents(19.99) == "19.99")
        #expect(formatCents(0.5) == "0.50")
        #expect(formatCents(-3) == "-3.00")
        #expect(formatCents(Sale.maximumPrice) == "1000000.00")
    }

    /// Cents that do not fit an Int64 (the csv-import fuzzer's 96666666666666660) print as they are.
    @Test func valuesBeyondInt64CentsDoNotTrap() {
        #expect(formatCents(96_666_666_666_666_660) == "\(96_666_666_666_666_660.0)")
        #expect(formatCents(.infinity) == "inf")
        #expect(formatCents(.nan) == "nan")
    }
}

/// Log and metric lines are written by `JSONValue.serialized`, not JSONEncoder: the same text.
@Suite struct JSONValueSerializationTests {
    @Test func writesWhatJSONEncoderWrites() throws {
        var random = SystemRandomNumberGenerator()
        let strings = [
            "", "plain", "quote \" backslash \\ slash /", "lines\n\r\ttab", "\u{01}\u{08}\u{0C}\u{1F}\u{7F}",
            "é ü 漢字 🦄", "{\"nested\": [1, 2]}",
        ]
        var numbers: [Double] = [
            0, -0.0, 1, -1, 0.1, 1.5, 100, 1e16, 1e-7, 123_456_789.125, -2.5e-300, 1.7976931348623157e308,
        ]
        for _ in 0..<200 {
            let n = Double(bitPattern: random.next())
            numbers.append(n.isFinite ? n : 3)
        }
        let values: [JSONValue] = [
            .null, .bool(true), .bool(false), .array([]), .object([:]),
            .object(Dictionary(uniqueKeysWithValues: strings.enumerated().map { ("k\($0)\($1)", .string($1)) })),
            .array(numbers.map(JSONValue.number)),
            .object([
                "b": .array([.null, .object(["z": .number(1), "a": .string("x")])]), "a": .number(2.25),
                "_aws": .object(["Timestamp": .number(1_764_000_000_123)]), "B": .bool(false),
            ]),
        ]
        for value in values {
            #expect(value.serialized == (try JSON.encode(value)), "\(value)")
        }
        #expect(JSONValue.array([.number(.nan), .number(.infinity)]).serialized == "[null,null]")
    }
}
