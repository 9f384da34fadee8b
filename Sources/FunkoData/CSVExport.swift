import FunkoCore

/// Writes generated data in the import format (catalog.csv, sales.csv).
public enum CSVExport {
    public static func write(_ g: MarketGenerator, folder: String) throws {
        func q(_ s: String?) -> String {
            guard let s else { return "" }
            return s.contains(",") || s.contains("\"") ? "\"" + s.replacingQuotes + "\"" : s
        }
        var cat =
            "id,name,series,character,funko_number,release_date,is_chase,is_exclusive,is_vaulted,base_estimated_value,exclusive_retailer,vaulted_date,image_url\n"
        for p in g.catalog {
            cat +=
                "\(p.id),\(q(p.name)),\(q(p.series)),\(q(p.character)),\(p.funkoNumber),\(Time.isoDate(p.releaseDate)),\(p.isChase),\(p.isExclusive),\(p.isVaulted),\(formatCents(p.baseEstimatedValue)),\(q(p.exclusiveRetailer)),\(p.vaultedDate.map(Time.isoDate) ?? ""),\(q(p.imageURL))\n"
        }
        try Files.write("\(folder)/catalog.csv", cat)
        var sales: [UInt8] = Array("funko_pop_id,sold_at,price,condition,marketplace,source,external_id\n".utf8)
        let source = MarketGenerator.source(seed: g.config.seed, endDay: g.config.endDay)
        for i in g.catalog.indices {
            let id = g.catalog[i].id
            var k = 0
            g.sales(ofPop: i) { t, x, c, m in
                sales += Array(
                    "\(id),\(Time.iso8601(t)),\(formatCents(x)),\(c.rawValue),\(m.rawValue),\(source),\(id)-\(k)\n".utf8
                )
                k += 1
            }
        }
        try Files.write("\(folder)/sales.csv", sales)
    }
}

extension String {
    var replacingQuotes: String { split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") }
}
