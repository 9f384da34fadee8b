import FunkoCore
import FunkoStore

/// `funko import`: catalog and sales CSV files into the store, in one transaction. Each bad row
/// is reported with its file, line and reason; good rows land (or nothing does, with `strict`).
public struct Importer {
    public struct Rejection: Equatable, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var reason: String
        public var description: String { "\(file):\(line): \(reason)" }
    }

    public struct Report: Sendable {
        public var pops = UpsertCount()
        public var salesInserted = 0
        public var salesAlreadyPresent = 0
        public var rejected: [Rejection] = []
    }

    public static let catalogRequired = [
        "id", "name", "series", "character", "funko_number", "release_date",
        "is_chase", "is_exclusive", "is_vaulted", "base_estimated_value",
    ]
    public static let catalogOptional = ["exclusive_retailer", "vaulted_date", "image_url"]
    public static let salesRequired = ["funko_pop_id", "sold_at", "price", "condition", "marketplace"]
    public static let salesOptional = ["source", "external_id"]

    let store: Store
    let now: EpochSeconds

    public init(store: Store, now: EpochSeconds = Time.now()) {
        self.store = store
        self.now = now
    }

    /// A file to import as (name, CSV bytes): gzip-compressed files (`.csv.gz`, told by their
    /// magic bytes) are decompressed; a truncated or corrupt one is an error naming the file.
    public static func read(_ path: String) throws -> (name: String, bytes: [UInt8]) {
        let bytes = try Files.read(path)
        guard Gzip.isGzip(bytes) else { return (path, bytes) }
        do {
            return (path, try Gzip.decompress(bytes))
        } catch let e as FunkoError {
            throw FunkoError.badRequest("\(path): \(e.message); download or compress it again")
        }
    }

    public func run(catalog: (name: String, bytes: [UInt8])?, sales: (name: String, bytes: [UInt8])?, strict: Bool)
        throws -> Report
    {
        var report = Report()
        let pops = try catalog.map { try parseCatalog($0.name, $0.bytes, into: &report) } ?? []
        let parsedSales =
            try sales.map { try parseSales($0.name, $0.bytes, newPops: Set(pops.map(\.id)), into: &report) } ?? []
        if strict, !report.rejected.isEmpty {
            throw FunkoError.badRequest(
                "--strict: \(report.rejected.count) bad row(s), nothing imported. First: \(report.rejected[0])")
        }
        try store.transaction {
            report.pops = try store.upsertPops(pops)
            var inserted = 0
            let progress = Progress("Importing sales", total: parsedSales.count)
            var start = 0
            while start < parsedSales.count {
                let end = min(start + 50_000, parsedSales.count)
                inserted += try store.insertSales(Array(parsedSales[start..<end]))
                progress.update(end)
                start = end
            }
            progress.finish()
            report.salesInserted = inserted
            report.salesAlreadyPresent = parsedSales.count - inserted
        }
        return report
    }

    private func header(_ name: String, _ reader: inout CSVReader, required: [String], optional: [String]) throws
        -> [String: Int]
    {
        guard let (_, fields) = reader.next() else {
            throw FunkoError.badRequest(
                "\(name) is empty: expected a header row with \(required.joined(separator: ","))")
        }
        var index: [String: Int] = [:]
        for (i, f) in fields.enumerated() { index[f.trimmed.lowercased()] = i }
        let missing = required.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw FunkoError.badRequest(
                "\(name): missing column(s) \(missing.joined(separator: ", ")); required: \(required.joined(separator: ",")); optional: \(optional.joined(separator: ","))"
            )
        }
        return index
    }

    func parseCatalog(_ name: String, _ bytes: [UInt8], into report: inout Report) throws -> [FunkoPop] {
        var reader = CSVReader(bytes)
        let col = try header(name, &reader, required: Self.catalogRequired, optional: Self.catalogOptional)
        var out: [FunkoPop] = []
        var firstLine: [String: Int] = [:]
        for (line, fields) in reader {
            func v(_ c: String) -> String { col[c].flatMap { $0 < fields.count ? fields[$0].trimmed : nil } ?? "" }
            func reject(_ reason: String) { report.rejected.append(Rejection(file: name, line: line, reason: reason)) }
            let id = v("id")
            guard !id.isEmpty else {
                reject("id is empty")
                continue
            }
            if let first = firstLine[id] {
                reject("id \(id) appears again (first at line \(first))")
                continue
            }
            guard let number = Int(v("funko_number")), number >= 0 else {
                reject("funko_number \"\(v("funko_number"))\" is not a non-negative integer")
                continue
            }
            guard let release = Time.parseISO8601(v("release_date")) else {
                reject("release_date \"\(v("release_date"))\" is not an ISO 8601 date (YYYY-MM-DD)")
                continue
            }
            var flags: [Bool] = []
            for f in ["is_chase", "is_exclusive", "is_vaulted"] {
                guard let b = parseBool(v(f)) else {
                    reject("\(f) \"\(v(f))\" is not a boolean (true, false, 1, 0)")
                    break
                }
                flags.append(b)
            }
            guard flags.count == 3 else { continue }
            guard let value = Double(v("base_estimated_value")), value >= 0, value.isFinite else {
                reject("base_estimated_value \"\(v("base_estimated_value"))\" is not a non-negative number")
                continue
            }
            var vaulted: EpochSeconds?
            if !v("vaulted_date").isEmpty {
                guard let d = Time.parseISO8601(v("vaulted_date")) else {
                    reject("vaulted_date \"\(v("vaulted_date"))\" is not an ISO 8601 date")
                    continue
                }
                vaulted = d
            }
            let missing = ["name", "series", "character"].filter { v($0).isEmpty }
            guard missing.isEmpty else {
                reject("\(missing.joined(separator: ", ")) is empty")
                continue
            }
            firstLine[id] = line
            out.append(
                FunkoPop(
                    id: id, name: v("name"), series: v("series"), character: v("character"), funkoNumber: number,
                    releaseDate: release, isChase: flags[0], isExclusive: flags[1], isVaulted: flags[2],
                    exclusiveRetailer: v("exclusive_retailer").nilIfEmpty, vaultedDate: vaulted,
                    baseEstimatedValue: value, imageURL: v("image_url").nilIfEmpty))
        }
        return out
    }

    func parseSales(_ name: String, _ bytes: [UInt8], newPops: Set<String>, into report: inout Report) throws -> [Sale]
    {
        var reader = CSVReader(bytes)
        let col = try header(name, &reader, required: Self.salesRequired, optional: Self.salesOptional)
        var rows: [(Int, Sale)] = []
        for (line, fields) in reader {
            func v(_ c: String) -> String { col[c].flatMap { $0 < fields.count ? fields[$0].trimmed : nil } ?? "" }
            func reject(_ reason: String) { report.rejected.append(Rejection(file: name, line: line, reason: reason)) }
            let id = v("funko_pop_id")
            guard !id.isEmpty else {
                reject("funko_pop_id is empty")
                continue
            }
            guard let t = Time.parseISO8601(v("sold_at")) else {
                reject("sold_at \"\(v("sold_at"))\" is not an ISO 8601 date-time")
                continue
            }
            guard t <= now else {
                reject("sold_at \(v("sold_at")) is in the future")
                continue
            }
            guard let price = Double(v("price")), price.isFinite else {
                reject("price \"\(v("price"))\" is not a number")
                continue
            }
            guard price > 0 else {
                reject("price \(v("price")) must be greater than 0")
                continue
            }
            guard price <= Sale.maximumPrice else {
                reject("price \(v("price")) must be at most \(formatCents(Sale.maximumPrice)) (USD, not cents)")
                continue
            }
            guard let c = Condition(parsing: v("condition")) else {
                reject("condition \"\(v("condition"))\" is not one of \(Condition.acceptedValues)")
                continue
            }
            guard let m = Marketplace(parsing: v("marketplace")) else {
                reject("marketplace \"\(v("marketplace"))\" is not one of \(Marketplace.acceptedValues)")
                continue
            }
            let source = v("source").isEmpty ? "import" : v("source")
            rows.append(
                (
                    line,
                    Sale(
                        popID: id, soldAt: t, price: price, condition: c, marketplace: m, source: source,
                        externalID: v("external_id").nilIfEmpty)
                ))
        }
        let known = try store.existingPopIDs(Set(rows.map(\.1.popID)).subtracting(newPops)).union(newPops)
        var out: [Sale] = []
        for (line, s) in rows {
            if known.contains(s.popID) {
                out.append(s)
            } else {
                report.rejected.append(
                    Rejection(file: name, line: line, reason: "funko_pop_id \(s.popID) is not in the catalog"))
            }
        }
        return out
    }

    func parseBool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "true", "1", "t", "yes": true
        case "false", "0", "f", "no": false
        default: nil
        }
    }
}
