import FunkoCore
import FunkoFeatures

/// XGBoost's trees read from its model file (UBJSON, as `Booster.save` writes it and model.tar.gz
/// carries it) and evaluated in Swift: what answers in process. libxgboost fits the trees
/// (FunkoTraining); serving needs none of it, so the API functions neither link nor load it: its
/// start-up (7,700 symbol relocations, static constructors) and its model parse left their cold
/// start, and its 2.2 MB their zips (docs/benchmarks.md).
///
/// Predictions equal libxgboost 1.7's bit for bit in float32: start from `base_score`, add each
/// tree's leaf in tree order; a split sends a value below its condition left, a missing (NaN)
/// value its default way. TreeEnsembleTests compares the two on 100,000 rows of every kind of
/// model the tests train, and `Trainer` compares them on every model it fits before saving it.
public struct TreeEnsemble: Sendable {
    /// One node in 8 bytes, so a tree's top levels share a cache line and a model stays in cache
    /// between requests: a split on `feature` at `value`, its children at `left` and `left + 1`
    /// (XGBoost allocates them in pairs, and its own predictor relies on it), counted from the
    /// tree's root; or a leaf worth `value` (`left` 0: no node is the child of another at 0).
    struct Node: Sendable {
        var value: Float
        var left: UInt16
        /// The feature's column, and the missing value's way in the top bit (set: left).
        var split: UInt16

        var feature: Int { Int(split & 0x7fff) }
        var defaultLeft: Bool { split & 0x8000 != 0 }
        var isLeaf: Bool { left == 0 }
    }

    let nodes: [Node]
    /// Where each tree's root is in `nodes`.
    let roots: [Int32]
    public let baseScore: Float
    /// The columns the model reads: a row must have at least this many.
    public let featureCount: Int
    /// The XGBoost release that wrote the file ("1.7.4").
    public let xgboostVersion: String
    public var treeCount: Int { roots.count }

    /// The objectives whose prediction is the raw sum of the trees (no link function).
    static let identityObjectives: Set<String> = ["reg:squarederror", "reg:pseudohubererror", "reg:absoluteerror"]

    /// Reads an XGBoost UBJSON model; refuses what it cannot evaluate exactly (categorical
    /// splits, several outputs, DART, a link function) instead of predicting something else.
    public init(xgboostModel bytes: [UInt8]) throws { try self.init(xgboostModel: bytes[...]) }

    public init(xgboostModel bytes: ArraySlice<UInt8>) throws {
        self = try bytes.withUnsafeBytes { try Self(reading: $0) }
    }

    private init(reading bytes: UnsafeRawBufferPointer) throws {
        let root = try UBJSON.parse(bytes)
        func refuse(_ why: String) -> FunkoError {
            FunkoError.unavailable("the XGBoost model file cannot be served in process: \(why)")
        }
        guard let learner = root["learner"], let booster = learner["gradient_booster"] else {
            throw refuse("it has no learner.gradient_booster (not an XGBoost JSON/UBJSON model)")
        }
        let boosterName = booster["name"]?.string ?? "?"
        guard boosterName == "gbtree" else { throw refuse("booster \(boosterName); only gbtree is supported") }
        let objective = learner["objective"]?["name"]?.string ?? "?"
        guard Self.identityObjectives.contains(objective) else {
            throw refuse(
                "objective \(objective); supported: \(Self.identityObjectives.sorted().joined(separator: ", "))")
        }
        let parameters = learner["learner_model_param"]
        guard let baseText = parameters?["base_score"]?.string, let base = Float(baseText) else {
            throw refuse("learner_model_param.base_score is missing or not a number")
        }
        guard let features = parameters?["num_feature"]?.int, features > 0, features <= 0x7fff else {
            throw refuse("learner_model_param.num_feature is missing or out of range")
        }
        for key in ["num_class", "num_target"] {
            if let n = parameters?[key]?.int, n > 1 { throw refuse("\(key) \(n); only one output is supported") }
        }
        guard let model = booster["model"], case .array(let trees)? = model["trees"] else {
            throw refuse("gradient_booster.model.trees is missing")
        }
        if let info = model["tree_info"]?.numbers(in: bytes), info.all.contains(where: { $0 != 0 }) {
            throw refuse("trees of several output groups")
        }

        var nodes = [Node]()
        var roots = [Int32]()
        roots.reserveCapacity(trees.count)
        for (t, tree) in trees.enumerated() {
            func array(_ key: String) throws -> [Double] {
                guard let a = tree[key]?.numbers(in: bytes) else { throw refuse("tree \(t) has no \(key)") }
                return a.all
            }
            let left = try array("left_children")
            let right = try array("right_children")
            let conditions = try array("split_conditions")
            let indices = try array("split_indices")
            let defaults = try array("default_left")
            let n = left.count
            guard n > 0, [right.count, conditions.count, indices.count, defaults.count].allSatisfy({ $0 == n }) else {
                throw refuse("tree \(t)'s node arrays differ in length")
            }
            if let types = tree["split_type"]?.numbers(in: bytes), types.all.contains(where: { $0 != 0 }) {
                throw refuse("tree \(t) has categorical splits")
            }
            guard n <= Int(UInt16.max), nodes.count + n < Int(Int32.max) else {
                throw refuse("tree \(t) has \(n) nodes; at most 65,535 per tree are supported")
            }
            if nodes.isEmpty { nodes.reserveCapacity(n * trees.count) }  // trees of one model are alike in size
            let offset = nodes.count
            roots.append(Int32(offset))
            for i in 0..<n {
                let l = left[i]
                if l < 0 {  // XGBoost marks a leaf with -1 children; its value is in split_conditions
                    nodes.append(Node(value: Float(conditions[i]), left: 0, split: 0))
                    continue
                }
                // Children come after their parent, so every walk ends; a file that breaks this is refused.
                let f = indices[i]
                guard l > Double(i), l + 1 < Double(n), right[i] == l + 1, f >= 0, f < Double(features) else {
                    throw refuse("tree \(t) node \(i) has children or a feature out of range")
                }
                nodes.append(
                    Node(
                        value: Float(conditions[i]), left: UInt16(l), split: UInt16(f) | (defaults[i] != 0 ? 0x8000 : 0)
                    ))
            }
        }
        self.nodes = nodes
        self.roots = roots
        baseScore = base
        featureCount = features
        let version = root["version"]?.numbers(in: bytes)?.all ?? []
        xgboostVersion = version.compactMap { Int(exactly: $0) }.map(String.init).joined(separator: ".")
    }

    /// The prediction for each row (the model's target space), reading the first `featureCount`
    /// columns; NaN is missing.
    public func predict(_ rows: FeatureMatrix) throws -> [Float] {
        guard rows.columns >= featureCount else {
            throw FunkoError(
                .internalError, "the model reads \(featureCount) features but the rows have \(rows.columns)")
        }
        guard rows.rows > 0 else { return [] }
        let stride = rows.columns
        return [Float](unsafeUninitializedCapacity: rows.rows) { out, initialised in
            nodes.withUnsafeBufferPointer { nodes in
                rows.values.withUnsafeBufferPointer { values in
                    for r in 0..<rows.rows {
                        let row = values.baseAddress! + r * stride
                        var sum = baseScore
                        for root in roots {
                            let tree = Int(root)
                            var node = nodes[tree]
                            while !node.isLeaf {
                                let x = row[node.feature]
                                let goLeft = x.isNaN ? node.defaultLeft : x < node.value
                                node = nodes[tree + Int(node.left) + (goLeft ? 0 : 1)]
                            }
                            sum += node.value
                        }
                        out[r] = sum
                    }
                }
            }
            initialised = rows.rows
        }
    }
}
