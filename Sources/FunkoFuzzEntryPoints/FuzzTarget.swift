import AWSClients
import AWSSigV4
import FunkoCore
import FunkoData
import FunkoHTTP
import FunkoHandlers
import FunkoModel
import FunkoRetrain
import FunkoStore
import LambdaEvents

/// The parsers that see outside input, one fuzz target each. The fuzzer (FuzzTesting/) and the
/// replay test of saved crashes (Tests/FunkoUnitTests/FuzzReplayTests.swift) both call `check`,
/// so what is fuzzed and what is replayed cannot drift apart.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A whole Lambda event through an API function's `handle` (event parsing, routing, bodies); the
    /// first byte picks the function.
    case lambdaEvent = "lambda-event"
    /// The body of `POST /predict`, over HTTP and as a direct invocation.
    case predictBody = "predict-body"
    /// The body of `POST /predict/batch`, over HTTP and as a direct invocation.
    case batchBody = "batch-body"
    /// `GET <path>?<query>` through the history function (`/history/{id}?days=`, `/pops/{id}`).
    case historyRequest = "history-request"
    /// `GET /pops?q=&series=&limit=` through the history function, and its direct invocation body.
    case popsRequest = "pops-request"
    /// A catalog and a sales CSV file (split at the first form feed), plain or gzip, imported.
    case csvImport = "csv-import"
    /// `Time.parseISO8601` (CSV dates, query parameters, stored times).
    case iso8601
    /// SigV4 canonicalisation and signing of an arbitrary path and query string.
    case sigv4
    /// `champion.json` through `ModelRepository.champion()`.
    case championJSON = "champion-json"
    /// `metadata.json` through `ModelRepository.metadata(version:)` and `servable(version:)`.
    case metadataJSON = "metadata-json"
    /// `decisions.json`, the retraining log.
    case decisionsJSON = "decisions-json"
    /// An AWS error answer (XML or JSON body).
    case awsError = "aws-error"
    /// XGBoost's model file (UBJSON, from model.tar.gz) through `TreeEnsemble`, and a prediction
    /// from what it accepts.
    case xgboostModel = "xgboost-model"

    /// Builds what the target shares between inputs (the trained fixture of the HTTP and metadata
    /// targets) before the first input, so that its seconds do not count against that input.
    public func prepare() {
        switch self {
        case .lambdaEvent, .predictBody, .batchBody, .historyRequest, .popsRequest, .metadataJSON:
            _ = FuzzFunctions.shared
        default: break
        }
    }

    /// Nil when the input was handled: accepted, or rejected with a clear error (a `FunkoError`
    /// with a message; for the artifact files it names the file and the field). Otherwise what went
    /// wrong, which the fuzzer turns into a crash and the replay test into a failure. A bug that
    /// traps crashes the caller: that is the point.
    public func check(_ input: [UInt8]) -> String? {
        do {
            try run(input)
            return nil
        } catch let e as FunkoError {
            return e.message.isEmpty ? "\(rawValue): a FunkoError without a message" : nil
        } catch {
            return "\(rawValue): unexpected error \(type(of: error)): \(error)"
        }
    }

    func run(_ input: [UInt8]) throws {
        switch self {
        case .lambdaEvent: try FuzzFunctions.shared.event(input)
        case .predictBody: try FuzzFunctions.shared.body(input, function: .predict, path: "/predict")
        case .batchBody: try FuzzFunctions.shared.body(input, function: .predictBatch, path: "/predict/batch")
        case .historyRequest, .popsRequest:
            let text = String(decoding: input, as: UTF8.self)
            try FuzzFunctions.shared.get(text)
            if self == .popsRequest { try FuzzFunctions.shared.direct(input, function: .pops) }
        case .csvImport: try Self.importCSV(input)
        case .iso8601: try Self.parseDate(input)
        case .sigv4: Self.sign(input)
        case .championJSON: try FuzzArtifacts.champion(input)
        case .metadataJSON: try FuzzArtifacts.metadata(input)
        case .decisionsJSON: _ = try RetrainService.decodeLog(input)
        case .awsError: try Self.awsError(input)
        case .xgboostModel: try FuzzArtifacts.trees(input)
        }
    }

    // MARK: The smaller targets

    /// Catalog before the first form feed (0x0C), sales after it; a gzip input is decompressed
    /// first, as `funko import` does with `.csv.gz` files.
    static func importCSV(_ input: [UInt8]) throws {
        let bytes = Gzip.isGzip(input) ? try Gzip.decompress(input) : input
        let split = bytes.firstIndex(of: 0x0C)
        let catalog = Array(bytes[..<(split ?? bytes.endIndex)])
        let sales = split.map { Array(bytes[($0 + 1)...]) }
        for _ in CSVReader(bytes) {}
        // One in-memory store, each input's import rolled back: what one input imports cannot
        // change the next, and no input pays for building and migrating a store (most of the
        // time an input took when each had a fresh one).
        guard let store = importStore else { throw FunkoError.unavailable("no in-memory SQLite store") }
        let importer = Importer(store: store, now: FuzzFunctions.now)
        do {
            try store.transaction {
                _ = try importer.run(
                    catalog: ("catalog.csv", catalog), sales: sales.map { ("sales.csv", $0) }, strict: false)
                throw RolledBack()
            }
        } catch is RolledBack {}
    }

    private struct RolledBack: Error {}
    /// Inputs run one at a time (libFuzzer, or the serialized replay test).
    nonisolated(unsafe) private static let importStore = try? SQLiteStore(path: ":memory:")

    /// A parsed time must print and parse back to itself; the parser must not trap on any bytes.
    static func parseDate(_ input: [UInt8]) throws {
        guard let t = input.withUnsafeBufferPointer({ Time.parseISO8601(bytes: $0) }) else { return }
        // A zone offset may move 0000-01-01 or 9999-12-31 out of four-digit years, which the
        // printer does not write; every other parsed time must come back the same.
        guard
            (CivilDate(year: 0, month: 1, day: 1).epochSeconds..<CivilDate(year: 10000, month: 1, day: 1).epochSeconds)
                .contains(t)
        else { return }
        let printed = Time.iso8601(t)
        guard Time.parseISO8601(printed) == t else {
            throw FuzzFailure("\(printed) (parsed from \(String(decoding: input, as: UTF8.self))) does not parse back")
        }
    }

    static let signers: [SigV4Signer] = {
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            sessionToken: "session")
        return [
            SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3"),
            SigV4Signer(credentials: credentials, region: "us-east-1", service: "sagemaker"),
        ]
    }()

    /// The input after its first byte as the path and query of a URL (or as a whole URL), signed or
    /// presigned under S3's or SageMaker's rules. The first byte picks which of those eight calls:
    /// one signing per input instead of eight, and the fuzzer still reaches every pick.
    static func sign(_ input: [UInt8]) {
        guard let pick = input.first else { return }
        let text = String(decoding: input.dropFirst(), as: UTF8.self)
        let signer = signers[Int(pick & 1)]
        let url = pick & 2 == 0 ? "https://example.amazonaws.com" + text : text
        let date: Int64 = 1_440_938_160
        if pick & 4 == 0 {
            _ = signer.sign(
                method: "GET", url: url, headers: [("X-Amz-Meta-Fuzz", text)],
                payloadHash: SigV4Signer.emptyPayloadHash, date: date)
        } else {
            _ = signer.presign(method: "GET", url: url, expires: 900, date: date)
        }
    }

    /// The input as the body of a 400 answer, with and without an `x-amzn-ErrorType` header.
    static func awsError(_ input: [UInt8]) throws {
        for headers in [[], [("x-amzn-errortype", String(decoding: input.prefix(64), as: UTF8.self))]] {
            let e = AWSClient.parseError(
                HTTPResponse(status: 400, headers: headers, body: input), service: "s3", operation: "GetObject")
            guard !e.code.isEmpty else { throw FuzzFailure("an AWS error without a code: \(e)") }
        }
    }
}

/// A broken invariant the fuzz entry points check themselves (not a crash, not a clear error).
struct FuzzFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
