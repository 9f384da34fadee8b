import FunkoApp
import FunkoCore
import FunkoData
import FunkoFeatures
import FunkoHandlers
import FunkoModel
import FunkoStore
import FunkoTraining
import LambdaEvents
import LambdaRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// The API functions the HTTP targets call: one app over an in-memory SQLite store holding a
/// small generated market and a small trained champion, so that requests get past validation into
/// the store, the features and the model. Built once (training takes seconds).
final class FuzzFunctions: @unchecked Sendable {
    // @unchecked: FunkoFunction and App are not thread-safe (one invocation at a time, as in a
    // Lambda); every use below holds `lock`, so replay tests running in parallel take turns.
    private let lock = Mutex()
    private let functions: [Route: FunkoFunction]
    /// The fixture's artifacts (the champion's model.tar.gz, metadata.json and champion.json).
    let store: ObjectStore
    var archive: [UInt8] { (try? store.get(ArtifactKey.archive("fuzz")) ?? []) ?? [] }

    /// The fixed "today" of the fixture: answers do not depend on when the fuzzer runs.
    static let now: EpochSeconds = CivilDate(year: 2025, month: 6, day: 30).epochSeconds + 12 * 3600

    static let shared: FuzzFunctions = {
        do {
            return try FuzzFunctions()
        } catch {
            fatalError("the fuzz fixture could not be built: \(error)")
        }
    }()

    private init() throws {
        let folder = try Self.temporaryFolder()
        var configuration = AppConfiguration()
        configuration.store = .sqlite(path: ":memory:")
        configuration.artifactFolder = folder
        let app = try App(configuration: configuration, logger: Logger(quiet: true), loadModel: false)
        var market = MarketGenerator.Config()
        // Small enough that a batch of 100 ids costs milliseconds (the fuzzer runs a million inputs),
        // long enough for every feature window and a time-split training set.
        market.pops = 16
        market.days = 240
        market.seed = 14
        market.salesRate = 0.3
        market.endDay = Time.dayNumber(Self.now) - 1
        _ = try MarketGenerator(config: market).write(to: app.store)
        var training = TrainingConfig()
        training.maxRounds = 20
        training.learningRate = 0.3
        training.threads = 1
        let model = try Trainer.train(
            try app.store.salesTable(since: nil), config: training, version: "fuzz", trainedAt: Self.now)
        try app.repository.save(model)
        try app.repository.promote("fuzz", reason: "fuzz fixture", at: Self.now)
        try app.loadChampion()
        store = app.repository.store
        var functions: [Route: FunkoFunction] = [:]
        for routes in [[Route.predict], [.predictBatch], [.history, .pops, .pop], [.modelStatus, .health]] {
            let f = FunkoFunction(routes: routes, app: app)
            f.clock = { Self.now }
            f.metrics = MetricsLogger(function: routes[0].rawValue) { _ in }
            for r in routes { functions[r] = f }
        }
        self.functions = functions
    }

    /// A folder of its own under $TMPDIR for the model artifacts (removed with the process's tmp).
    private static func temporaryFolder() throws -> String {
        var template = Array("\(processEnvironment()["TMPDIR"] ?? "/tmp")/funko-fuzz.XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else {
            throw FunkoError.unavailable("cannot create a temporary folder: \(String(cString: strerror(errno)))")
        }
        return String(cString: p)
    }

    private var context: LambdaContext {
        var c = LambdaContext(
            requestID: "fuzz", deadlineMilliseconds: Time.nowMilliseconds() + 30_000,
            invokedFunctionARN: "arn:aws:lambda:us-east-1:000000000000:function:fuzz", traceID: nil)
        c.logger = Logger(requestID: "fuzz", quiet: true)
        return c
    }

    /// An answer of 500 means an error other than a FunkoError reached the top: a bug.
    private func checked(_ result: HTTPResult, _ what: String) throws {
        guard result.status != 500 else {
            throw FuzzFailure("\(what) answered 500: \(String(decoding: result.body, as: UTF8.self))")
        }
    }

    /// The functions `event(_:)` picks from: predict, predict-batch, history and status.
    static let eventFunctions: [Route] = [.predict, .predictBatch, .history, .health]

    /// The input after its first byte as a Lambda event, through the entry point of the function
    /// the first byte picks (modulo 4): one function per input, and the fuzzer reaches all four.
    func event(_ input: [UInt8]) throws {
        guard let pick = input.first else { return }
        let event = Array(input.dropFirst())
        let route = Self.eventFunctions[Int(pick) % Self.eventFunctions.count]
        try lock.locked {
            // A FunkoError here is a clear function error.
            do {
                let answer = try functions[route]!.handle(event, context: context)
                if case .http = try LambdaEvent.parse(event) {
                    try checked(try HTTPResult.decode(answer), "\(route) function")
                }
            } catch is FunkoError {}
        }
    }

    /// `body` as the JSON body of a POST to `path`, then as the function's direct invocation.
    /// (Routing does not depend on the body, so one HTTP form of the request is enough.)
    func body(_ body: [UInt8], function route: Route, path: String) throws {
        try lock.locked {
            try checked(
                functions[route]!.respond(
                    to: HTTPEvent(
                        method: "POST", path: path, routeKey: "POST \(path)",
                        headers: ["content-type": "application/json"], body: body), context: context), path)
        }
        try direct(body, function: route)
    }

    /// `body` as a direct invocation (`aws lambda invoke`) of the function serving `route`.
    func direct(_ body: [UInt8], function route: Route) throws {
        try lock.locked {
            // A direct invocation's errors are function errors: FunkoErrors are the clear ones.
            _ = try functions[route]!.handle(body, context: context)
        }
    }

    /// `GET <path>?<query>` as a Function URL sends it: the raw path and the decoded parameters.
    func get(_ text: String) throws {
        let parts = text.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for item in parts[1].split(separator: "&") {
                let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query[String(kv[0])] = kv.count == 2 ? String(kv[1]) : ""
            }
        }
        let request = HTTPEvent(method: "GET", path: String(parts[0]), query: query)
        try lock.locked { try checked(functions[.history]!.respond(to: request, context: context), text) }
    }
}

/// The model artifact readers over an in-memory object store.
enum FuzzArtifacts {
    static func champion(_ input: [UInt8]) throws {
        let store = MemoryObjectStore()
        store.objects[ArtifactKey.champion] = input
        let repository = ModelRepository(store: store)
        guard let champion = try repository.champion() else { return }
        _ = champion.version
        // What the functions do with it next: resolve the version and its (absent) metadata.
        _ = try? repository.servable()
    }

    static func trees(_ input: [UInt8]) throws {
        let trees = try TreeEnsemble(xgboostModel: input)
        var rows = FeatureMatrix(rows: 2, columns: trees.featureCount)
        for c in 0..<rows.columns { rows.values[rows.columns + c] = Float(c) - 1 }  // one row missing, one not
        _ = try trees.predict(rows)
    }

    static func metadata(_ input: [UInt8]) throws {
        let store = MemoryObjectStore()
        store.objects[ArtifactKey.metadata("fuzz")] = input
        store.objects[ArtifactKey.archive("fuzz")] = FuzzFunctions.shared.archive
        let repository = ModelRepository(store: store)
        _ = try repository.metadata(version: "fuzz")
        _ = try repository.servable(version: "fuzz")
    }
}

/// An object store in memory (one input's artifacts).
final class MemoryObjectStore: ObjectStore {
    var objects: [String: [UInt8]] = [:]
    func get(_ key: String) throws -> [UInt8]? { objects[key] }
    func put(_ key: String, _ bytes: [UInt8]) throws { objects[key] = bytes }
    func update(_ key: String, _ change: ([UInt8]?) throws -> [UInt8]?) throws {
        if let bytes = try change(objects[key]) { objects[key] = bytes }
    }
    func list(_ prefix: String) throws -> [String] {
        objects.keys.filter { $0.hasPrefix(prefix) }.sorted()
    }
    func location(of key: String) -> String { "memory://\(key)" }
    var description: String { "memory" }
}
