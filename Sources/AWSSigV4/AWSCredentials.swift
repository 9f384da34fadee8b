/// An access key, its secret, and the session token of temporary credentials.
///
/// Every printable form (`description`, `debugDescription`, `dump`, string interpolation, also inside
/// optionals and collections) shows only a shortened key id: the secret and the token never reach a log.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// `AKIA…XYZW (secret hidden)`, plus `, session token hidden` for temporary credentials. Key ids
    /// too short to abbreviate are hidden whole, so no part of an odd secret pasted there shows either.
    public var description: String {
        let id = Array(accessKeyID)
        let shownID = id.count >= 12 ? String(id.prefix(4)) + "…" + String(id.suffix(4)) : "…"
        return "\(shownID) (secret hidden\(sessionToken == nil ? "" : ", session token hidden"))"
    }

    public var debugDescription: String { "AWSCredentials(\(description))" }

    /// `dump()` and the default printing of structs that hold credentials walk this mirror, not the
    /// stored properties.
    public var customMirror: Mirror { Mirror(self, children: ["credentials": description], displayStyle: .struct) }
}
