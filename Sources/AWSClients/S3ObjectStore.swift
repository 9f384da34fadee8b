import FunkoCore

#if canImport(Glibc)
    import Glibc
#endif

/// The artifact store in S3: the same keys as the local folder (`ArtifactKey`) under `prefix`.
public final class S3ObjectStore: ObjectStore {
    public let s3: S3Client
    public let bucket: String
    public let prefix: String

    public init(s3: S3Client, bucket: String, prefix: String = "") {
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    }

    public func get(_ key: String) throws -> [UInt8]? { try s3.getObject(bucket: bucket, key: prefix + key) }

    public func put(_ key: String, _ bytes: [UInt8]) throws {
        try s3.putObject(bucket: bucket, key: prefix + key, bytes: bytes, contentType: Self.contentType(of: key))
    }

    /// Optimistic: the put is conditional on what was read (its ETag, or no object at all); a
    /// writer that lost the race reads again and applies its change to the winner's object.
    public func update(_ key: String, _ change: ([UInt8]?) throws -> [UInt8]?) throws {
        for attempt in 0..<Self.updateAttempts {
            let current = try s3.getObjectAndETag(bucket: bucket, key: prefix + key)
            guard let bytes = try change(current?.bytes) else { return }
            do {
                try s3.putObject(
                    bucket: bucket, key: prefix + key, bytes: bytes, contentType: Self.contentType(of: key),
                    condition: current.map { .etag($0.etag) } ?? .absent)
                return
            } catch let e as AWSError where e.status == 412 || e.status == 409 {
                // Spread the losers out so they do not collide again on the next round.
                usleep(UInt32.random(in: 10_000...50_000) * UInt32(attempt + 1))
            }
        }
        throw FunkoError.unavailable(
            "\(location(of: key)) kept changing during \(Self.updateAttempts) attempts to update it; try again")
    }

    static let updateAttempts = 10

    public func list(_ prefix: String) throws -> [String] {
        try s3.listObjects(bucket: bucket, prefix: self.prefix + prefix, delimiter: "/").map { key in
            var k = String(key.dropFirst(self.prefix.count))
            if k.hasSuffix("/") { k.removeLast() }
            return k
        }
    }

    public var description: String { "s3://\(bucket)/\(prefix)" }

    /// The Content-Type an artifact is stored with, by its name.
    public static func contentType(of key: String) -> String {
        key.hasSuffix(".json") ? "application/json" : (key.hasSuffix(".csv") ? "text/csv" : "application/octet-stream")
    }

    /// The `s3://` URI of a key, as SageMaker takes it.
    public func location(of key: String) -> String { "s3://\(bucket)/\(prefix)\(key)" }
}
