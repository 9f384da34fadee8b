#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small POSIX file helpers (no Foundation file manager in the Lambda binaries).
public enum Files {
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FunkoError.notFound("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw FunkoError.unavailable("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    public static func readString(_ path: String) throws -> String { String(decoding: try read(path), as: UTF8.self) }

    /// Writes through a temporary file and rename, so readers never see half a file.
    public static func write(_ path: String, _ bytes: [UInt8]) throws {
        if let slash = path.lastIndex(of: "/") { try makeDirectories(String(path[..<slash])) }
        // Unique per writer (threads of one process too): the rename is the atomic step.
        let tmp = "\(path).tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FunkoError.unavailable("cannot write \(path): \(String(cString: strerror(errno)))") }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n <= 0 {
                close(fd)
                unlink(tmp)
                throw FunkoError.unavailable("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            off += n
        }
        guard close(fd) == 0, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw FunkoError.unavailable("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    public static func write(_ path: String, _ text: String) throws { try write(path, Array(text.utf8)) }

    /// `mkdir -p`.
    public static func makeDirectories(_ path: String) throws {
        guard !path.isEmpty else { return }
        var current = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            current += (current.isEmpty || current.hasSuffix("/") ? "" : "/") + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw FunkoError.unavailable("cannot create folder \(current): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Names in a folder (not recursive), sorted; empty when the folder does not exist.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// The process environment as a dictionary (no Foundation `ProcessInfo` in the Lambda binaries).
public func processEnvironment() -> [String: String] {
    var env: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") { env[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
        p += 1
    }
    return env
}
