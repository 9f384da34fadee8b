import AWSClients
import AWSSigV4
import ArgumentParser
import FunkoAPI
import FunkoApp
import FunkoCore
import FunkoData
import FunkoFeatures
import FunkoHTTP
import FunkoHandlers
import FunkoModel
import FunkoStore
import FunkoTraining
import LambdaEvents
import LambdaRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// The Swift side of `scripts/bench`: times the feature build and training on generated data and
/// writes the same data for the Python reference (pandas + xgboost) to time in the same run.
@main
struct FunkoBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "funko-bench",
        subcommands: [
            FeaturesBench.self, TrainBench.self, SignBench.self, PredictLatencyBench.self, LoadBench.self,
            PipelineBench.self, SearchBench.self, ModelLoadBench.self, BatchLatencyBench.self,
            HistoryLatencyBench.self,
        ])
}

/// A generated market with about `sales` sales (the default market has ~98 sales per Pop).
func market(sales: Int, seed: UInt64) -> SalesTable {
    var config = MarketGenerator.Config()
    config.pops = max(10, sales / 98)
    config.seed = seed
    config.endDay = CivilDate(year: 2026, month: 6, day: 30).dayNumber
    return MarketGenerator(config: config).salesTable()
}

func median(_ v: [Double]) -> Double {
    let s = v.sorted()
    return s[s.count / 2]
}

struct FeaturesBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features")
    @Option var sales = 100_000
    @Option var repeats = 3
    @Option(help: "Write the sales and catalog here for the pandas reference.") var export: String?

    func run() throws {
        let table = market(sales: sales, seed: 7)
        let encoders = Encoders(fitting: table.pops)
        var times: [Double] = []
        var checksum = 0.0
        for _ in 0..<repeats {
            var t = table
            let start = Time.monotonic()
            t.sortByPopAndTime()
            let m = FeatureBuilder.trainingRows(t, encoders: encoders)
            times.append(Time.monotonic() - start)
            checksum = Double(m.values[m.values.count / 2 + Feature.avgPrice30d.rawValue].isNaN ? 0 : 1)
        }
        if let export {
            var s: [UInt8] = Array("pop,sold_at,price,condition,marketplace\n".utf8)
            s.reserveCapacity(table.count * 36)
            for i in 0..<table.count {
                s += Array(
                    "\(table.pop[i]),\(table.soldAt[i]),\(formatCents(table.price[i])),\(table.condition[i]),\(table.marketplace[i])\n"
                        .utf8)
            }
            try Files.write("\(export)/sales.csv", s)
            var c =
                "pop,release_date,is_chase,is_exclusive,is_vaulted,vaulted_date,funko_number,series,character,base_estimated_value\n"
            for (i, p) in table.pops.enumerated() {
                c +=
                    "\(i),\(p.releaseDate),\(p.isChase ? 1 : 0),\(p.isExclusive ? 1 : 0),\(p.isVaulted ? 1 : 0),\(p.vaultedDate.map(String.init) ?? ""),\(p.funkoNumber),\(encoders.series.code(p.series)),\(encoders.character.code(p.character)),\(p.baseEstimatedValue)\n"
            }
            try Files.write("\(export)/catalog.csv", c)
        }
        print(
            #"{"sales": \#(table.count), "features": \#(Feature.count), "seconds": \#(median(times)), "sales_per_second": \#(Double(table.count) / median(times)), "check": \#(checksum)}"#
        )
    }
}

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train")
    @Option var rows = 1_000_000
    @Option var rounds = 200
    @Option(help: "Write features (float32) and labels for the Python xgboost reference.") var export: String?

    func run() throws {
        let table = market(sales: rows, seed: 11)
        let features = FeatureBuilder.trainingRows(table, encoders: Encoders(fitting: table.pops))
        let labels = (0..<features.rows).map {
            Float(
                TargetTransform.logRatio.target(
                    price: table.price[$0], reference: ReferencePrice.lastSale.value(features, row: $0)))
        }
        if let export {
            try Files.write("\(export)/features.f32", features.values.withUnsafeBytes { Array($0) })
            try Files.write("\(export)/labels.f32", labels.withUnsafeBytes { Array($0) })
            try Files.write("\(export)/shape.json", #"{"rows": \#(features.rows), "columns": \#(features.columns)}"#)
        }
        var config = TrainingConfig()
        config.seed = 0
        if let export {
            let params = config.parameters.map { #""\#($0.0)": "\#($0.1)""# }.joined(separator: ", ")
            try Files.write("\(export)/params.json", "{\(params)}")
        }
        let start = Time.monotonic()
        let d = try DMatrix(features, labels: labels)
        let matrix = Time.monotonic() - start
        let booster = try Booster(params: config.parameters, cache: [d])
        for i in 0..<rounds { try booster.update(iteration: i, train: d) }
        let seconds = Time.monotonic() - start
        print(
            #"{"rows": \#(features.rows), "columns": \#(features.columns), "rounds": \#(rounds), "seconds": \#(seconds), "matrix_seconds": \#(matrix)}"#
        )
    }
}

/// SigV4 cost per request: an InvokeEndpoint-sized POST (1 KiB CSV body hashed, headers signed).
struct SignBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sign")
    @Option var count = 20_000

    func run() throws {
        let signer = SigV4Signer(
            credentials: AWSCredentials(
                accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "sagemaker")
        let body = Array(
            String(repeating: "1,2.5,,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26\n", count: 14)
                .utf8)
        var sink = 0
        let start = Time.monotonic()
        for i in 0..<count {
            let h = signer.sign(
                method: "POST", url: "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/funko/invocations",
                headers: [("Content-Type", "text/csv"), ("Accept", "text/csv")],
                payloadHash: SigV4Signer.sha256Hex(body),
                date: 1_700_000_000 + Int64(i))
            sink &+= h.count
        }
        let seconds = Time.monotonic() - start
        print(
            #"{"count": \#(count), "body_bytes": \#(body.count), "microseconds_per_request": \#(seconds / Double(count) * 1e6), "check": \#(sink)}"#
        )
    }
}

/// Warm predict latency through PriceService: in-process trees next to the SageMaker path
/// (feature rows → CSV → signed InvokeEndpoint → parse → post-process) against moto.
struct PredictLatencyBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "predict-latency")
    @Option(help: "moto endpoint, e.g. http://127.0.0.1:5000") var moto: String
    @Option var rounds = 300
    @Option(help: "Scratch folder (removed by scripts/bench).") var work: String

    func run() throws {
        let dir = work
        var c = MarketGenerator.Config()
        c.pops = 200
        c.days = 500
        let generator = MarketGenerator(config: c)
        let store = try SQLiteStore(path: "\(dir)/db.sqlite")
        _ = try generator.write(to: store)
        var config = TrainingConfig()
        config.maxRounds = 300
        let model = try Trainer.train(
            try store.salesTable(since: nil), config: config, version: "bench", trainedAt: Time.now())
        let repo = ModelRepository(store: LocalObjectStore(root: "\(dir)/store"))
        try repo.save(model)
        let embedded = try repo.load(version: "bench")
        let aws = AWSConfig(
            region: "us-east-1", credentials: AWSCredentials(accessKeyID: "AKIABENCH", secretAccessKey: "bench"),
            endpointOverrides: [.sagemakerRuntime: moto])
        let remote = SageMakerBackend(
            metadata: embedded.metadata, endpoint: "funko-bench", runtime: SageMakerRuntimeClient(config: aws))
        // moto answers a request body it has seen with the same result: queue one value.
        let queue = #"{"region":"us-east-1","results":[{"Body":"0.01","ContentType":"text/csv"}]}"#
        _ = try HTTPClient().send(
            HTTPRequest(
                method: "POST", url: "\(moto)/moto-api/static/sagemaker/endpoint-results",
                headers: [("Content-Type", "application/json")], body: Array(queue.utf8)))
        let query = try PredictQuery(
            ids: [generator.catalog[0].id], condition: "mint", marketplace: "ebay", futureDays: 30)
        let now = (c.endDay + 1) * secondsPerDay
        func measure(_ backend: InferenceBackend) throws -> (median: Double, p95: Double) {
            let service = PriceService(store: store, model: backend)
            _ = try service.predict(query, now: now)  // warm
            var t: [Double] = []
            for _ in 0..<rounds {
                let s = Time.monotonic()
                _ = try service.predict(query, now: now)
                t.append((Time.monotonic() - s) * 1000)
            }
            t.sort()
            return (t[t.count / 2], t[t.count * 95 / 100])
        }
        let e = try measure(embedded)
        let r = try measure(remote)
        print(
            #"{"rounds": \#(rounds), "embedded_ms_median": \#(e.median), "embedded_ms_p95": \#(e.p95), "sagemaker_moto_ms_median": \#(r.median), "sagemaker_moto_ms_p95": \#(r.p95)}"#
        )
    }
}

/// Writes one generated market into a store (SQLite file or PostgreSQL URL) for `pipeline`.
struct LoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load")
    @Option var sales = 1_000_000
    @Option(help: "sqlite:PATH or a postgresql:// URL.") var store: String

    func run() throws {
        var config = MarketGenerator.Config()
        config.pops = max(10, sales / 98)
        config.seed = 11
        config.endDay = CivilDate(year: 2026, month: 6, day: 30).dayNumber
        let target = try openBenchStore(store)
        let start = Time.monotonic()
        let written = try MarketGenerator(config: config).write(to: target)
        print(#"{"sales": \#(written.sales), "seconds": \#(Time.monotonic() - start)}"#)
    }
}

/// The dataset pipeline from a store: read every sale, build the features, run the quality gate,
/// write the SageMaker CSV files to a local folder. Stages timed separately; peak RSS of the run.
struct PipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pipeline")
    @Option(help: "sqlite:PATH or a postgresql:// URL.") var store: String
    @Option var work: String

    func run() throws {
        let source = try openBenchStore(store)
        var t = Time.monotonic()
        let table = try source.salesTable(since: nil)
        let read = Time.monotonic() - t
        t = Time.monotonic()
        let dataset = try Pipeline.build(table, config: TrainingConfig(), version: "bench", now: Time.now())
        let build = Time.monotonic() - t
        t = Time.monotonic()
        try Pipeline.write(dataset, to: LocalObjectStore(root: work))
        let write = Time.monotonic() - t
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let total = read + build + write
        print(
            #"{"sales": \#(table.count), "read_seconds": \#(read), "build_seconds": \#(build), "write_seconds": \#(write), "seconds": \#(total), "sales_per_second": \#(Double(table.count) / total), "peak_rss_mb": \#(Double(usage.ru_maxrss) / 1024), "passed": \#(dataset.quality.passed)}"#
        )
    }
}

/// `GET /pops?q=` through the history function's handler (event in, JSON answer out) on a large
/// catalog: the latency of each of a fixed set of searches, warm, in one process.
struct SearchBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search")
    @Option(help: "sqlite:PATH or a postgresql:// URL.") var store: String
    @Option(help: "Catalog size; a smaller store is filled with a generated one first.") var pops = 100_000
    @Option var rounds = 100
    @Option(help: "Scratch folder for the (empty) artifact store.") var work: String

    static let queries = ["b", "bat", "batman", "black wid", "spider man", "harry potter", "3", "40", "zzz"]

    func run() throws {
        let target = try openBenchStore(store)
        var loadSeconds = 0.0
        if try target.counts().pops < pops {
            var config = MarketGenerator.Config()
            config.pops = pops
            config.days = 30  // a catalog-sized test: a month of sales gives every Pop a last sale or none
            config.seed = 13
            let start = Time.monotonic()
            _ = try MarketGenerator(config: config).write(to: target)
            loadSeconds = Time.monotonic() - start
        }
        var configuration = AppConfiguration()
        configuration.store =
            store.hasPrefix("sqlite:") ? .sqlite(path: String(store.dropFirst("sqlite:".count))) : .postgres(url: store)
        configuration.artifactFolder = work
        let function = FunkoFunction(
            routes: [.pops], app: try App(configuration: configuration, logger: Logger(quiet: true), loadModel: false))
        function.metrics = MetricsLogger(function: "history") { _ in }
        let context = LambdaContext(
            requestID: "bench", deadlineMilliseconds: Time.nowMilliseconds() + 3_600_000,
            invokedFunctionARN: "arn:aws:lambda:local:000000000000:function:history", traceID: nil)
        var all: [Double] = []
        var perQuery: [String] = []
        for q in Self.queries {
            let event = try HTTPEvent(method: "GET", path: "/pops", query: ["q": q, "limit": "20"])
                .encodedV2(requestID: "bench", time: Time.now())
            var total = 0
            var times: [Double] = []
            for round in 0...rounds {
                let start = Time.monotonic()
                let answer = try HTTPResult.decode(try function.handle(event, context: context))
                let ms = (Time.monotonic() - start) * 1000
                guard answer.status == 200 else {
                    throw FunkoError.unavailable("GET /pops?q=\(q) answered \(answer.status)")
                }
                if round == 0 {  // the first call warms the statement caches
                    total = try JSON.decode(CatalogSearchResponse.self, from: answer.body).total
                } else {
                    times.append(ms)
                }
            }
            all += times
            perQuery.append(#"{"q": "\#(q)", "matches": \#(total), "median_ms": \#(median(times))}"#)
        }
        all.sort()
        print(
            #"{"pops": \#(try target.counts().pops), "load_seconds": \#(loadSeconds), "requests": \#(all.count), "median_ms": \#(all[all.count / 2]), "p95_ms": \#(all[all.count * 95 / 100]), "queries": [\#(perQuery.joined(separator: ", "))]}"#
        )
    }
}

func openBenchStore(_ spec: String) throws -> Store {
    spec.hasPrefix("sqlite:")
        ? try SQLiteStore(path: String(spec.dropFirst("sqlite:".count))) : try PostgresStore(url: spec)
}

/// Loading a model version from an artifact folder, step by step (inflate, parse, build), the
/// first time in this process and then warm: what a cold start pays for its model.
struct ModelLoadBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model-load")
    @Option(help: "Artifact folder (FUNKO_DATA_DIR).") var store: String
    @Option var version: String
    @Option var rounds = 20

    func run() throws {
        let archive = try Files.read("\(store)/models/\(version)/model.tar.gz")
        var times: [String: [Double]] = [:]
        for round in 0..<rounds {
            var t = Time.monotonic()
            func lap(_ name: String) {
                let now = Time.monotonic()
                times[name + (round == 0 ? " (first)" : ""), default: []].append((now - t) * 1000)
                t = now
            }
            let metadata = try JSON.decode(
                ModelMetadata.self, from: try Files.read("\(store)/models/\(version)/metadata.json"))
            lap("metadata.json")
            let tar = try Gzip.decompress(archive)
            lap("inflate")
            let files = try TarGz.extract(archive)
            lap("inflate and untar")
            let trees = try TreeEnsemble(xgboostModel: files[ModelRepository.modelFileName]!)
            lap("trees")
            var row = FeatureMatrix(rows: 1)
            for c in 0..<row.columns { row.values[c] = Float(round % 7) * 3.5 + Float(c) }
            t = Time.monotonic()
            for _ in 0..<100 { _ = try trees.predict(row) }
            lap("one row, ×100")
            _ = (tar.count, trees.treeCount, metadata.version)
        }
        for (k, v) in times.sorted(by: { $0.key < $1.key }) { print("\(k): \(median(v)) ms") }
    }
}

/// `POST /predict/batch` of 100 Pops as the function does it (`PriceService.predictBatch`: the
/// Pops, their sales, the trees), against a store: PostgreSQL directly and through a proxy that
/// adds a delay to every round trip (scripts/latency_proxy.py). Counts the database round trips.
struct BatchLatencyBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batch-latency")
    @Option(help: "PostgreSQL URL to fill with a generated market (direct).") var load: String
    @Option(help: "PostgreSQL URLs to measure through, name=url (direct, or behind the proxy).") var through: [String]
    @Option var pops = 2000
    @Option var batch = 100
    @Option var rounds = 50
    @Option(help: "Scratch folder for the model.") var work: String

    func run() throws {
        var c = MarketGenerator.Config()
        c.pops = pops
        c.days = 730
        c.seed = 17
        let generator = MarketGenerator(config: c)
        let loader = try PostgresStore(url: load)
        if try loader.counts().pops < pops { _ = try generator.write(to: loader) }
        var config = TrainingConfig()
        config.maxRounds = 200
        let model = try Trainer.train(
            try loader.salesTable(since: nil), config: config, version: "bench", trainedAt: Time.now())
        let repo = ModelRepository(store: LocalObjectStore(root: work))
        try repo.save(model)
        let trees = try repo.load(version: "bench")
        let ids = generator.catalog.map(\.id)
        let now = (c.endDay + 1) * secondsPerDay
        var rows: [String] = []
        for spec in through {
            let (name, url) = (String(spec.prefix { $0 != "=" }), String(spec.drop { $0 != "=" }.dropFirst()))
            let store = try PostgresStore(url: url)
            let service = PriceService(store: store, model: trees)
            var times: [Double] = []
            var trips: [Int] = []
            for round in 0...rounds {
                let chosen = (0..<batch).map { ids[(round * 7919 + $0 * 104_729) % ids.count] }
                let query = try PredictQuery(ids: chosen, condition: "mint", marketplace: "ebay", futureDays: 30)
                let before = store.roundTrips
                let start = Time.monotonic()
                let result = try service.predictBatch(query, now: now)
                let ms = (Time.monotonic() - start) * 1000
                guard result.predictions.count == Set(chosen).count else {
                    throw FunkoError.unavailable("batch answered \(result.predictions.count) of \(chosen.count)")
                }
                if round > 0 {  // the first opens the connection
                    times.append(ms)
                    trips.append(store.roundTrips - before)
                }
            }
            times.sort()
            rows.append(
                #"{"name": "\#(name)", "median_ms": \#(times[times.count / 2]), "p95_ms": \#(times[times.count * 95 / 100]), "round_trips": \#(trips.max() ?? 0)}"#
            )
        }
        print(
            #"{"pops": \#(pops), "batch": \#(batch), "rounds": \#(rounds), "stores": [\#(rows.joined(separator: ", "))]}"#
        )
    }
}

/// `GET /history/{id}?days=N` through the history function's handler, for a Pop with `sales`
/// sales over two years (the window's sales listed, the daily series, the summary).
struct HistoryLatencyBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history-latency")
    @Option(help: "sqlite:PATH or a postgresql:// URL (emptied of nothing: a fresh one is expected).") var store: String
    @Option var sales = 50_000
    @Option var days = 90
    @Option var rounds = 100
    @Option(help: "Scratch folder for the (empty) artifact store.") var work: String

    func run() throws {
        let target = try openBenchStore(store)
        var c = MarketGenerator.Config()
        c.pops = 20
        c.days = 30
        c.seed = 19
        let generator = MarketGenerator(config: c)
        if try target.counts().pops == 0 { _ = try generator.write(to: target) }
        let pop = generator.catalog[0]
        let now = Time.now()
        let span = 730 * secondsPerDay
        if try target.sales(popID: pop.id, from: now - span, until: now).count < sales / 2 {
            var random = SeededRandom(seed: 23)
            let busy = (0..<sales).map { i -> Sale in
                Sale(
                    popID: pop.id, soldAt: now - span + EpochSeconds(i) * span / EpochSeconds(sales),
                    price: 20 + Double(random.next() % 2000) / 100,
                    condition: Condition.allCases[Int(random.next() % UInt64(Condition.allCases.count))],
                    marketplace: .ebay, source: "bench", externalID: "busy-\(i)")
            }
            _ = try target.transaction { try target.insertSales(busy) }
        }
        var configuration = AppConfiguration()
        configuration.store =
            store.hasPrefix("sqlite:") ? .sqlite(path: String(store.dropFirst("sqlite:".count))) : .postgres(url: store)
        configuration.artifactFolder = work
        let function = FunkoFunction(
            routes: [.history],
            app: try App(configuration: configuration, logger: Logger(quiet: true), loadModel: false))
        function.metrics = MetricsLogger(function: "history") { _ in }
        var context = LambdaContext(
            requestID: "bench", deadlineMilliseconds: Time.nowMilliseconds() + 3_600_000,
            invokedFunctionARN: "arn:aws:lambda:local:000000000000:function:history", traceID: nil)
        context.logger = Logger(quiet: true)
        let event = try HTTPEvent(method: "GET", path: "/history/\(pop.id)", query: ["days": "\(days)"])
            .encodedV2(requestID: "bench", time: now)
        var times: [Double] = []
        var listed = 0
        var size = 0
        for round in 0...rounds {
            let start = Time.monotonic()
            let bytes = try function.handle(event, context: context)
            let ms = (Time.monotonic() - start) * 1000
            let answer = try HTTPResult.decode(bytes)
            guard answer.status == 200 else { throw FunkoError.unavailable("history answered \(answer.status)") }
            if round == 0 {
                listed = try JSON.decode(HistoryResponse.self, from: answer.body).sales.count
                size = answer.body.count
            } else {
                times.append(ms)
            }
        }
        times.sort()
        print(
            #"{"sales": \#(sales), "days": \#(days), "listed": \#(listed), "bytes": \#(size), "median_ms": \#(times[times.count / 2]), "p95_ms": \#(times[times.count * 95 / 100])}"#
        )
    }
}
