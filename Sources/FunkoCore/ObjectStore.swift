/// Where artifacts live: a key/value view of the SPEC §4.4 layout. A local folder here; S3 with
/// the same keys in the cloud.
public protocol ObjectStore: AnyObject {
    func get(_ key: String) throws -> [UInt8]?
    func put(_ key: String, _ bytes: [UInt8]) throws
    /// Keys of direct children under `prefix` (which ends with "/").
    func list(_ prefix: String) throws -> [String]
    var description: String { get }
}

public final class LocalObjectStore: ObjectStore {
    public let root: String
    public init(root: String) { self.root = root }

    /// `--data-dir`, else `FUNKO_DATA_DIR`, else `data/store`.
    public static func path(flag: String?, environment: [String: String]) -> String {
        flag ?? environment["FUNKO_DATA_DIR"] ?? "data/store"
    }

    public func get(_ key: String) throws -> [UInt8]? {
        let path = "\(root)/\(key)"
        return Files.exists(path) ? try Files.read(path) : nil
    }

    public func put(_ key: String, _ bytes: [UInt8]) throws { try Files.write("\(root)/\(key)", bytes) }

    public func list(_ prefix: String) throws -> [String] { Files.list("\(root)/\(prefix)").map { prefix + $0 } }

    public var description: String { root }
}
