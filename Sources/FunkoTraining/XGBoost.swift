import CXGBoost
import FunkoCore
import FunkoFeatures

/// Swift ownership over libxgboost's C handles. Every call is checked; failures carry
/// XGBoost's own message.
@inline(__always)
func check(_ rc: Int32, _ what: String) throws {
    if rc != 0 { throw FunkoError(.internalError, "xgboost \(what): \(String(cString: XGBGetLastError()))") }
}

public final class DMatrix {
    let handle: DMatrixHandle
    public let rows: Int

    /// Row-major floats, NaN = missing; `labels` optional.
    public init(_ m: FeatureMatrix, labels: [Float]? = nil) throws {
        var h: DMatrixHandle?
        try m.values.withUnsafeBufferPointer {
            try check(
                // Every core (0): the single-threaded XGDMatrixCreateFromMat made matrix construction a
                // visible part of training time next to Python's, which fills it in parallel.
                XGDMatrixCreateFromMat_omp($0.baseAddress, UInt64(m.rows), UInt64(m.columns), .nan, &h, 0),
                "create matrix")
        }
        handle = h!
        rows = m.rows
        if let labels {
            try labels.withUnsafeBufferPointer {
                try check(XGDMatrixSetFloatInfo(handle, "label", $0.baseAddress, UInt64(labels.count)), "set labels")
            }
        }
    }

    deinit { XGDMatrixFree(handle) }
}

public final class Booster {
    let handle: BoosterHandle

    private init(handle: BoosterHandle) { self.handle = handle }

    public convenience init(params: [(String, String)], cache: [DMatrix]) throws {
        var h: BoosterHandle?
        var handles: [DMatrixHandle?] = cache.map { $0.handle }
        try check(XGBoosterCreate(&handles, UInt64(handles.count), &h), "create booster")
        self.init(handle: h!)
        for (k, v) in params { try check(XGBoosterSetParam(handle, k, v), "set \(k)") }
    }

    /// Loads a model saved by `save()` or by any XGBoost (JSON or legacy binary).
    public convenience init(model bytes: [UInt8]) throws {
        var h: BoosterHandle?
        try check(XGBoosterCreate(nil, 0, &h), "create booster")
        self.init(handle: h!)
        try bytes.withUnsafeBytes {
            try check(XGBoosterLoadModelFromBuffer(handle, $0.baseAddress, UInt64($0.count)), "load model")
        }
        try check(XGBoosterSetParam(handle, "nthread", "1"), "set nthread")
    }

    deinit { XGBoosterFree(handle) }

    public func update(iteration: Int, train: DMatrix) throws {
        try check(XGBoosterUpdateOneIter(handle, Int32(iteration), train.handle), "update")
    }

    /// The evaluation metric on `data` after `iteration` (the first metric XGBoost reports).
    public func evaluate(iteration: Int, data: DMatrix, name: String = "valid") throws -> Double {
        var out: UnsafePointer<CChar>?
        var handles: [DMatrixHandle?] = [data.handle]
        var names: [UnsafePointer<CChar>?] = []
        let result: String = try name.withCString { n in
            names = [n]
            try check(XGBoosterEvalOneIter(handle, Int32(iteration), &handles, &names, 1, &out), "evaluate")
            return String(cString: out!)
        }
        // "[12]\tvalid-rmse:0.123456"
        guard let colon = result.lastIndex(of: ":"), let v = Double(result[result.index(after: colon)...]) else {
            throw FunkoError(.internalError, "xgboost evaluate: unexpected answer \(result)")
        }
        return v
    }

    public func predict(_ data: DMatrix) throws -> [Float] {
        var shape: UnsafePointer<UInt64>?
        var dim: UInt64 = 0
        var result: UnsafePointer<Float>?
        let config = #"{"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false}"#
        try check(XGBoosterPredictFromDMatrix(handle, data.handle, config, &shape, &dim, &result), "predict")
        return Array(UnsafeBufferPointer(start: result, count: data.rows))
    }

    public func predict(_ m: FeatureMatrix) throws -> [Float] { try predict(try DMatrix(m)) }

    /// Trees `0..<rounds` as a new booster (keeps the early-stopping best).
    public func slice(rounds: Int) throws -> Booster {
        var out: BoosterHandle?
        try check(XGBoosterSlice(handle, 0, Int32(rounds), 1, &out), "slice")
        return Booster(handle: out!)
    }

    /// A model attribute, e.g. `best_iteration`, which XGBoost's early stopping sets.
    public func attribute(_ key: String) -> String? {
        var out: UnsafePointer<CChar>?
        var found: Int32 = 0
        guard XGBoosterGetAttr(handle, key, &out, &found) == 0, found == 1, let out else { return nil }
        return String(cString: out)
    }

    public var boostedRounds: Int {
        var n: Int32 = 0
        XGBoosterBoostedRounds(handle, &n)
        return Int(n)
    }

    /// The model in XGBoost's binary JSON (UBJSON): what SageMaker's 1.7-1 container loads (the
    /// cross-check test proves it), and four times faster to load than text JSON, which made
    /// most of a handler's cold start and memory peak (scripts/bench lambda).
    public func save() throws -> [UInt8] {
        var len: UInt64 = 0
        var buf: UnsafePointer<CChar>?
        try check(XGBoosterSaveModelToBuffer(handle, #"{"format": "ubj"}"#, &len, &buf), "save model")
        return buf!.withMemoryRebound(to: UInt8.self, capacity: Int(len)) {
            Array(UnsafeBufferPointer(start: $0, count: Int(len)))
        }
    }

    public static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        XGBoostVersion(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
