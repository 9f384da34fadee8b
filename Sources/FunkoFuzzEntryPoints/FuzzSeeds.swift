import FunkoCore
import FunkoModel
import FunkoRetrain
import LambdaEvents

/// Starting inputs for each target, made at run time from the tracked files (events/, the AWS
/// SigV4 test suite, the sample CSVs) and the fuzz fixture, so no corpus is committed.
extension FuzzTarget {
    /// `root` is the package folder.
    public func seeds(root: String) throws -> [[UInt8]] {
        switch self {
        case .lambdaEvent:
            // Each event once per function `FuzzFunctions.event` can pick (its first byte).
            let events = try Self.events(root).map(\.bytes)
            return events.flatMap { e in FuzzFunctions.eventFunctions.indices.map { [UInt8($0)] + e } }
        case .predictBody:
            return try Self.httpEvents(root).filter { $0.path.hasSuffix("/predict") }.map(\.body)
                + [#"{"funko_pop_id":10001,"future_days":1.0e2}"#, #"{"funko_pop_id":"","condition":null}"#].map {
                    Array($0.utf8)
                }
        case .batchBody:
            return try Self.httpEvents(root).filter { $0.path.hasSuffix("/batch") }.map(\.body)
                + [Array(#"{"funko_pop_ids":["10001",10002,"x%00"],"marketplace":"ebay"}"#.utf8)]
        case .historyRequest:
            return try Self.httpEvents(root).filter { $0.method == "GET" && !$0.path.hasPrefix("/pops") }.map(
                Self.getLine)
                + ["/history/10001?days=3650", "/pops/10%2001", "/history/%zz?days=-1"].map { Array($0.utf8) }
        case .popsRequest:
            return try Self.httpEvents(root).filter { $0.path.hasPrefix("/pops") }.map(Self.getLine)
                + ["/pops?q=bat&series=Marvel&limit=50", "/pops?q=%E2%9C%93"].map { Array($0.utf8) }
        case .csvImport:
            let folder = "\(root)/sample-data/real-resale-dev"
            var csv: [UInt8] = []
            for (i, name) in ["catalog.csv.gz", "sales.csv.gz"].enumerated() {
                let lines = try Gzip.decompress(try Files.read("\(folder)/\(name)")).split(
                    separator: 0x0A, maxSplits: 40, omittingEmptySubsequences: false)
                if i == 1 { csv.append(0x0C) }
                csv += Array(lines.prefix(40).joined(separator: [0x0A])) + [0x0A]
            }
            return [csv, try Gzip.compress(csv)]
        case .iso8601:
            return [
                "2024-05-01", "2024-02-29T12:30:15Z", "2024-02-29 12:30:15.250", "2024-02-29T14:30:15+02:00",
                "2024-02-29T07:30:15-0500", "2024-02-29T12:30Z", "0000-03-01T00:00:60z", "9999-12-31t23:59:59,9-23:59",
            ].map { Array($0.utf8) }
        case .sigv4:
            // The request line of each case in the AWS SigV4 test suite: `GET /path?query HTTP/1.1`,
            // once per call `FuzzTarget.sign` can pick (its first byte).
            let targets =
                try Self.files(under: "\(root)/Tests/Fixtures/aws-sigv4-test-suite/v4", named: "request.txt")
                .compactMap { path in
                    let line = try Files.read(path).split(separator: 0x0A).first ?? []
                    let words = line.split(separator: 0x20)
                    return words.count >= 3 ? Array(words[1..<(words.count - 1)].joined(separator: [0x20])) : nil
                } + ["/a/../b//c/./%7e%2F?x=1&x=0&y&%zz=+"].map { Array($0.utf8) }
            return targets.flatMap { target in (0..<UInt8(8)).map { [$0] + target } }
        case .championJSON:
            return [
                try FuzzFunctions.shared.artifact(ArtifactKey.champion),
                Array(#"{"version":"v","promoted_at":"","reason":"","predictor":"baseline:last_sale"}"#.utf8),
            ]
        case .metadataJSON: return [try FuzzFunctions.shared.artifact(ArtifactKey.metadata("fuzz"))]
        case .xgboostModel:
            return try TarGz.extract(FuzzFunctions.shared.archive).values.map(Array.init)
        case .decisionsJSON:
            var started = RetrainOutcome(
                status: .trainingStarted, champion: "fuzz", reason: "weekly", decidedAt: "2025-06-30T12:00:00Z")
            started.trainingJob = "funko-20250630"
            var done = RetrainOutcome(
                status: .promoted, candidate: "b", champion: "fuzz", promoted: true, reason: "better",
                decidedAt: "2025-06-30T13:00:00Z")
            done.trainingJob = "funko-20250630"
            done.championMAE = 3.5
            return [Array(try JSON.encode([started, done], pretty: true).utf8)]
        case .awsError:
            return [
                "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The key &lt;k&gt; &amp; more</Message><RequestId>R1</RequestId></Error>",
                "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>",
                #"{"__type":"com.amazonaws.sagemaker#ValidationException:http://x","message":"bad"}"#,
                #"{"code":"ThrottlingException","Message":"slow down"}"#,
            ].map { Array($0.utf8) }
        }
    }

    static func events(_ root: String) throws -> [(name: String, bytes: [UInt8])] {
        try files(under: "\(root)/events", named: nil).filter { $0.hasSuffix(".json") }.map { ($0, try Files.read($0)) }
    }

    static func httpEvents(_ root: String) throws -> [HTTPEvent] {
        try events(root).compactMap { e in
            if case .http(let h) = try? LambdaEvent.parse(e.bytes) { return h }
            return nil
        }
    }

    /// `path?k=v&...` of a GET request.
    static func getLine(_ e: HTTPEvent) -> [UInt8] {
        let query = e.query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        return Array((e.path + (query.isEmpty ? "" : "?" + query)).utf8)
    }

    /// Every file below `folder` (named `name`, when given), sorted.
    static func files(under folder: String, named name: String?) throws -> [String] {
        var out: [String] = []
        for entry in Files.list(folder).sorted() {
            let path = "\(folder)/\(entry)"
            let children = Files.list(path)
            if !children.isEmpty {
                out += try files(under: path, named: name)
            } else if name == nil || entry == name {
                out.append(path)
            }
        }
        return out
    }
}

extension FuzzFunctions {
    /// An artifact of the fixture's trained champion.
    func artifact(_ key: String) throws -> [UInt8] {
        guard let bytes = try store.get(key) else { throw FunkoError.notFound("the fuzz fixture has no \(key)") }
        return bytes
    }
}
