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
