#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Seconds since 1970-01-01T00:00:00Z. All times in the project are UTC epoch seconds: cheap to
/// compare and subtract in the feature hot loop, and unambiguous across SQLite and PostgreSQL.
public typealias EpochSeconds = Int64

public let secondsPerDay: EpochSeconds = 86_400

/// A proleptic-Gregorian calendar date (UTC).
public struct CivilDate: Equatable, Sendable {
    public var year: Int
    public var month: Int  // 1...12
    public var day: Int  // 1...31

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    public var dayNumber: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Inverse of `dayNumber` (civil_from_days).
    public init(dayNumber z0: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), month: Int(m), day: Int(d))
    }

    public var epochSeconds: EpochSeconds { dayNumber * secondsPerDay }
}

public enum Time {
    public static func now() -> EpochSeconds {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return EpochSeconds(ts.tv_sec)
    }

    /// Wall-clock milliseconds since the epoch (deadlines, log timestamps).
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// `2024-05-01T13:45:00.123Z`
    public static func iso8601(milliseconds ms: Int64) -> String {
        let s = iso8601(ms / 1000)
        let frac = Int(ms % 1000)
        return String(s.dropLast()) + "." + (frac < 100 ? (frac < 10 ? "00" : "0") : "") + String(frac) + "Z"
    }

    /// Monotonic seconds, for measuring durations.
    public static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    @inline(__always) public static func dayNumber(_ t: EpochSeconds) -> Int64 {
        t >= 0 ? t / secondsPerDay : (t - secondsPerDay + 1) / secondsPerDay
    }

    /// 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday).
    @inline(__always) public static func weekday(_ t: EpochSeconds) -> Int {
        let r = Int((dayNumber(t) + 3) % 7)
        return r < 0 ? r + 7 : r
    }

    public static func month(_ t: EpochSeconds) -> Int { CivilDate(dayNumber: dayNumber(t)).month }

    /// `2024-05-01T13:45:00Z`
    public static func iso8601(_ t: EpochSeconds) -> String {
        let d = CivilDate(dayNumber: dayNumber(t))
        let s = t - dayNumber(t) * secondsPerDay
        return
            "\(pad(d.year, 4))-\(pad(d.month, 2))-\(pad(d.day, 2))T\(pad(Int(s / 3600), 2)):\(pad(Int(s / 60 % 60), 2)):\(pad(Int(s % 60), 2))Z"
    }

    /// `2024-05-01`
    public static func isoDate(_ t: EpochSeconds) -> String {
        let d = CivilDate(dayNumber: dayNumber(t))
        return "\(pad(d.year, 4))-\(pad(d.month, 2))-\(pad(d.day, 2))"
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    public static func parseISO8601(_ text: Substring) -> EpochSeconds? {
        var t = text
        return t.withUTF8 { parseISO8601(bytes: $0) }
    }

    /// Parses ISO 8601 dates and date-times: `2024-05-01`, `2024-05-01T13:45:00Z`,
    /// `2024-05-01 13:45:00.123+02:00`, `2024-05-01T13:45Z`. A missing zone means UTC.
    /// Returns nil for anything else, including impossible calendar dates. Works on raw bytes so
    /// bulk reads (SQLite columns, CSV fields) parse without allocating.
    public static func parseISO8601(bytes raw: UnsafeBufferPointer<UInt8>) -> EpochSeconds? {
        var n = raw.count
        while n > 0, raw[n - 1] == 0x20 { n -= 1 }
        let u = UnsafeBufferPointer(rebasing: raw[0..<n])
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= u.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                let c = u[i]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard u.count >= 10, let y = num(0, 4), u[4] == 0x2D, let mo = num(5, 2), u[7] == 0x2D,
            let d = num(8, 2)
        else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysInMonth(year: y, month: mo) else { return nil }
        var seconds = CivilDate(year: y, month: mo, day: d).epochSeconds
        if u.count == 10 { return seconds }
        guard u[10] == 0x54 || u[10] == 0x20 || u[10] == 0x74,
            let h = num(11, 2), u.count > 13, u[13] == 0x3A, let mi = num(14, 2),
            h < 24, mi < 60
        else { return nil }
        var i = 16
        var sec = 0
        if i < u.count, u[i] == 0x3A {
            guard let s = num(17, 2), s < 61 else { return nil }
            sec = min(s, 59)
            i = 19
            if i < u.count, u[i] == 0x2E || u[i] == 0x2C {  // fractional seconds, truncated
                i += 1
                let start = i
                while i < u.count, u[i] >= 0x30, u[i] <= 0x39 { i += 1 }
                guard i > start else { return nil }
            }
        }
        seconds += EpochSeconds(h * 3600 + mi * 60 + sec)
        if i == u.count { return seconds }
        if u[i] == 0x5A || u[i] == 0x7A { return i + 1 == u.count ? seconds : nil }
        guard u[i] == 0x2B || u[i] == 0x2D else { return nil }
        let sign: EpochSeconds = u[i] == 0x2B ? 1 : -1
        guard let oh = num(i + 1, 2) else { return nil }
        var om = 0
        var j = i + 3
        if j < u.count, u[j] == 0x3A { j += 1 }
        if j < u.count {
            guard let m = num(j, 2) else { return nil }
            om = m
            j += 2
        }
        guard j == u.count, oh < 24, om < 60 else { return nil }
        return seconds - sign * EpochSeconds(oh * 3600 + om * 60)
    }

    public static func parseISO8601(_ text: String) -> EpochSeconds? { parseISO8601(text[...]) }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
