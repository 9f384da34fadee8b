import FunkoCore

#if canImport(Glibc)
    import Glibc
#endif

/// The web app's files (`web/`), served by `funko serve` at `/` next to the API, with the headers
/// the deployed app gets from CloudFront: content types, caching, and a Content-Security-Policy
/// that allows only the app's own files, pictures over HTTPS, and the API on the same origin.
struct StaticFiles: Sendable {
    /// The folder, as an absolute path without symbolic links (files must resolve inside it).
    let root: String

    init?(folder: String) {
        guard let resolved = realpath(folder, nil) else { return nil }
        defer { free(resolved) }
        root = String(cString: resolved)
        guard Files.exists(root + "/index.html") else { return nil }
    }

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon", "json": "application/json",
        "txt": "text/plain; charset=utf-8", "map": "application/json", "woff2": "font/woff2",
    ]

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"

    /// Headers every answer carries, files and errors alike.
    static let securityHeaders = [
        "content-security-policy": contentSecurityPolicy, "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer", "x-frame-options": "DENY",
    ]

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
    }

    /// The file for a GET of `path` (`/` is `index.html`); 304 when `ifNoneMatch` names its current version.
    func answer(path: String, ifNoneMatch: String?) -> Answer {
        guard let file = resolve(path), let bytes = try? Files.read(file) else {
            return Answer(
                status: 404,
                headers: Self.securityHeaders.merging(["content-type": "text/plain; charset=utf-8"]) { a, _ in a },
                body: Array("not found: \(path)\n".utf8))
        }
        let ext = file.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        let etag = "\"" + Self.fingerprint(bytes) + "\""
        var headers = Self.securityHeaders
        headers["content-type"] = Self.contentTypes[ext] ?? "application/octet-stream"
        headers["etag"] = etag
        // The page and the deploy-time configuration are checked every time; the other files may
        // be reused for five minutes, then revalidated by ETag.
        let alwaysFresh = ext == "html" || file.hasSuffix("/config.js")
        headers["cache-control"] = alwaysFresh ? "no-cache" : "public, max-age=300"
        if ifNoneMatch == etag { return Answer(status: 304, headers: headers, body: []) }
        return Answer(status: 200, headers: headers, body: bytes)
    }

    /// The file a URL path names, if it is a regular file of a served type inside the folder and no
    /// part of the path is hidden or a parent reference (the notes, `*.md`, stay out, as in the
    /// deployed app).
    func resolve(_ urlPath: String) -> String? {
        var relative = String(urlPath.split(separator: "?", maxSplits: 1).first ?? "")
        if relative.isEmpty || relative.hasSuffix("/") { relative += "index.html" }
        let parts = relative.split(separator: "/")
        guard !parts.isEmpty, parts.allSatisfy({ !$0.hasPrefix(".") && !$0.contains("\\") && !$0.contains("\0") }),
            let ext = parts.last?.split(separator: ".").last, Self.contentTypes[ext.lowercased()] != nil
        else { return nil }
        guard let resolved = realpath(root + "/" + parts.joined(separator: "/"), nil) else { return nil }
        defer { free(resolved) }
        let path = String(cString: resolved)
        var st = stat()
        guard path.hasPrefix(root + "/"), stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return path
    }

    /// FNV-1a over the bytes: a version tag that changes when the file does.
    static func fingerprint(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return String(h, radix: 16) + "-" + String(bytes.count, radix: 16)
    }
}
