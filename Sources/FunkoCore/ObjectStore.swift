#if canImport(Glibc)
    import Glibc
#endif

/// Where artifacts live: a key/value view of the artifact layout (`ArtifactKey`). A local folder here; S3 with
/// the same keys in the cloud.
public protocol ObjectStore: AnyObject {
    func get(_ key: String) throws -> [UInt8]?
    func put(_ key: String, _ bytes: [UInt8]) throws
    /// Read-modify-write of one small object that loses no concurrent writer's change:
    /// `change` gets the current bytes (nil when absent) and returns the new ones, or nil to
    /// leave the object as it is. It may run more than once, and must not update this store.
    func update(_ key: String, _ change: ([UInt8]?) throws -> [UInt8]?) throws
    /// Keys of direct children under `prefix` (which ends with "/").
    func list(_ prefix: String) throws -> [String]
    /// Where `key` lives, for people and for services that take a location (an `s3://` URI).
    func location(of key: String) -> String
    var description: String { get }
}

public final class LocalObjectStore: ObjectStore {
    public let root: String
    public init(root: String) { self.root = root }

    public func get(_ key: String) throws -> [UInt8]? {
        let path = "\(root)/\(key)"
        return Files.exists(path) ? try Files.read(path) : nil
    }

    public func put(_ key: String, _ bytes: [UInt8]) throws { try Files.write("\(root)/\(key)", bytes) }

    /// Writers take turns on an exclusive flock of `<root>/.update.lock`, whether they are threads
    /// of one process or processes sharing the folder (the CLI next to `funko serve`).
    public func update(_ key: String, _ change: ([UInt8]?) throws -> [UInt8]?) throws {
        try Files.makeDirectories(root)
        let fd = open("\(root)/.update.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FunkoError.unavailable("cannot lock \(root) to update \(key): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }  // releases the lock
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw FunkoError.unavailable(
                    "cannot lock \(root) to update \(key): \(String(cString: strerror(errno)))")
            }
        }
        if let bytes = try change(try get(key)) { try put(key, bytes) }
    }

    public func list(_ prefix: String) throws -> [String] { Files.list("\(root)/\(prefix)").map { prefix + $0 } }

    public func location(of key: String) -> String { "\(root)/\(key)" }

    public var description: String { root }
}
