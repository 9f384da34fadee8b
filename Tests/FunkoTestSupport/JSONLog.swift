import FunkoCore
import Testing

/// A JSON array of strings kept in an object store: the read-modify-write object the
/// `ObjectStore.update` tests change from several writers (as decisions.json is).
package enum JSONLog {
    /// Appends `entry` to the JSON array of strings in `bytes`.
    package static func appending(_ entry: String, to bytes: [UInt8]?) throws -> [UInt8] {
        let list = try bytes.map { try JSON.decode([String].self, from: $0) } ?? []
        return Array(try JSON.encode(list + [entry]).utf8)
    }

    /// The entries of the array stored at `key` (a missing object fails the test).
    package static func entries(_ store: ObjectStore, _ key: String) throws -> [String] {
        try JSON.decode([String].self, from: try #require(try store.get(key)))
    }
}
