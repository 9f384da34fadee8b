import AWSSigV4
import FunkoCore
import FunkoHTTP

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// S3 objects: get, put (multipart above a threshold, streamed from files), head, list.
public final class S3Client {
    public let client: AWSClient
    /// Objects larger than this are uploaded in parts of this size (S3's minimum part is 5 MiB).
    public var multipartThreshold = 8 * 1024 * 1024

    public init(config: AWSConfig, http: HTTPClient = HTTPClient()) {
        client = AWSClient(config: config, service: .s3, http: http)
    }

    /// Path-style addressing for custom endpoints (moto, MinIO, LocalStack), virtual-hosted for AWS.
    func request(
        _ op: String, _ method: String, bucket: String, key: String? = nil, query: [(String, String)] = [],
        headers: [(String, String)] = [], body: [UInt8] = []
    ) -> AWSClient.Request {
        let encodedKey = key.map { "/" + AWSURI.encode($0, keepSlash: true) } ?? "/"
        if client.config.isCustomEndpoint(.s3) {
            return .init(
                operation: op, method: method, path: "/\(bucket)" + (key == nil ? "" : encodedKey), query: query,
                headers: headers, body: body)
        }
        return .init(
            operation: op, method: method, path: encodedKey, query: query, headers: headers, body: body,
            host: "\(bucket).s3.\(client.config.region).amazonaws.com")
    }

    public func createBucket(_ bucket: String) throws {
        var body: [UInt8] = []
        if client.config.region != "us-east-1" {
            body = Array(
                "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>\(client.config.region)</LocationConstraint></CreateBucketConfiguration>"
                    .utf8)
        }
        _ = try client.send(request("CreateBucket", "PUT", bucket: bucket, body: body))
    }

    /// The object's bytes, or nil when there is no such key.
    public func getObject(bucket: String, key: String, deadline: Int64? = nil) throws -> [UInt8]? {
        try getObjectAndETag(bucket: bucket, key: key, deadline: deadline)?.bytes
    }

    /// The object's bytes and ETag (for a conditional put), or nil when there is no such key.
    public func getObjectAndETag(bucket: String, key: String, deadline: Int64? = nil) throws -> (
        bytes: [UInt8], etag: String
    )? {
        do {
            let r = try client.send(request("GetObject", "GET", bucket: bucket, key: key), deadline: deadline)
            return (r.body, r.header("etag") ?? "")
        } catch let e as AWSError where e.status == 404 {
            return nil
        }
    }

    /// S3 conditional writes: the put fails with 412 PreconditionFailed (or 409
    /// ConditionalRequestConflict while another conditional write is in flight) unless the
    /// object still has this ETag, or, for `.absent`, there is no object yet.
    public enum WriteCondition: Sendable, Equatable {
        case etag(String)
        case absent

        var header: (String, String) {
            switch self {
            case .etag(let e): ("If-Match", e)
            case .absent: ("If-None-Match", "*")
            }
        }
    }

    public struct ObjectInfo: Sendable, Equatable {
        public var size: Int
        public var etag: String
    }

    public func headObject(bucket: String, key: String) throws -> ObjectInfo? {
        do {
            let r = try client.send(request("HeadObject", "HEAD", bucket: bucket, key: key))
            return ObjectInfo(size: Int(r.header("content-length") ?? "") ?? 0, etag: r.header("etag") ?? "")
        } catch let e as AWSError where e.status == 404 {
            return nil
        }
    }

    /// Conditional puts are always one request (up to 5 GB), so the condition covers the whole write.
    public func putObject(
        bucket: String, key: String, bytes: [UInt8], contentType: String = "application/octet-stream",
        condition: WriteCondition? = nil
    ) throws {
        if bytes.count <= multipartThreshold || condition != nil {
            let headers = [("Content-Type", contentType)] + (condition.map { [$0.header] } ?? [])
            _ = try client.send(request("PutObject", "PUT", bucket: bucket, key: key, headers: headers, body: bytes))
            return
        }
        var offset = 0
        try multipart(bucket: bucket, key: key, contentType: contentType) { buffer in
            let n = min(buffer.count, bytes.count - offset)
            for i in 0..<n { buffer[i] = bytes[offset + i] }
            offset += n
            return n
        }
    }

    /// Uploads a file without holding it in memory: one part at a time above the threshold.
    public func putFile(bucket: String, key: String, path: String, contentType: String = "application/octet-stream")
        throws
    {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FunkoError.notFound("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        if Int(st.st_size) <= multipartThreshold {
            try putObject(bucket: bucket, key: key, bytes: try Files.read(path), contentType: contentType)
            return
        }
        try multipart(bucket: bucket, key: key, contentType: contentType) { buffer in
            let capacity = buffer.count
            var total = 0
            while total < capacity {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, capacity - total) }
                if n <= 0 { break }
                total += n
            }
            return total
        }
    }

    /// CreateMultipartUpload → UploadPart… → CompleteMultipartUpload; aborted if any part fails.
    /// `fill` writes the next part into the buffer and returns how many bytes it wrote (0 = done).
    func multipart(bucket: String, key: String, contentType: String, fill: (inout [UInt8]) throws -> Int) throws {
        let created = try client.send(
            request(
                "CreateMultipartUpload", "POST", bucket: bucket, key: key, query: [("uploads", "")],
                headers: [("Content-Type", contentType)]))
        guard let uploadID = XML.first("UploadId", in: created.text) else {
            throw AWSError(
                service: "S3", operation: "CreateMultipartUpload", status: created.status, code: "MissingUploadId",
                message: "the answer had no UploadId", requestID: created.header("x-amz-request-id"))
        }
        do {
            var parts: [(Int, String)] = []
            var buffer = [UInt8](repeating: 0, count: multipartThreshold)
            while true {
                let n = try fill(&buffer)
                if n == 0 { break }
                let number = parts.count + 1
                let r = try client.send(
                    request(
                        "UploadPart", "PUT", bucket: bucket, key: key,
                        query: [("partNumber", String(number)), ("uploadId", uploadID)], body: Array(buffer[0..<n])))
                parts.append((number, r.header("etag") ?? ""))
                if n < buffer.count { break }
            }
            let xml =
                "<CompleteMultipartUpload>"
                + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\(XML.escape($0.1))</ETag></Part>" }.joined()
                + "</CompleteMultipartUpload>"
            let done = try client.send(
                request(
                    "CompleteMultipartUpload", "POST", bucket: bucket, key: key, query: [("uploadId", uploadID)],
                    headers: [("Content-Type", "application/xml")], body: Array(xml.utf8)))
            // S3 can report a failed completion inside a 200 answer.
            if let code = XML.first("Code", in: done.text) {
                throw AWSError(
                    service: "S3", operation: "CompleteMultipartUpload", status: done.status, code: code,
                    message: XML.first("Message", in: done.text) ?? "", requestID: done.header("x-amz-request-id"))
            }
        } catch {
            _ = try? client.send(
                request("AbortMultipartUpload", "DELETE", bucket: bucket, key: key, query: [("uploadId", uploadID)]))
            throw error
        }
    }

    /// Streams an object into a file (large artifacts never sit in memory).
    public func downloadFile(bucket: String, key: String, to path: String) throws -> Bool {
        guard try headObject(bucket: bucket, key: key) != nil else { return false }
        let r = request("GetObject", "GET", bucket: bucket, key: key)
        let tmp = "\(path).part-\(getpid())"
        if let slash = path.lastIndex(of: "/") { try Files.makeDirectories(String(path[..<slash])) }
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FunkoError.unavailable("cannot write \(path): \(String(cString: strerror(errno)))") }
        var failed = false
        let head = try client.http.stream(client.signed(r, timeout: max(client.timeout, 300)), body: BodySource([])) {
            chunk in
            var off = 0
            while off < chunk.count {
                let n = write(fd, chunk.baseAddress! + off, chunk.count - off)
                if n <= 0 {
                    failed = true
                    return false
                }
                off += n
            }
            return true
        }
        close(fd)
        guard !failed, head.status == 200, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw FunkoError.unavailable("S3 GetObject s3://\(bucket)/\(key) failed (HTTP \(head.status))")
        }
        return true
    }

    /// Keys under `prefix` (all pages). With a delimiter, only direct children; folders end with it.
    public func listObjects(bucket: String, prefix: String, delimiter: String? = nil) throws -> [String] {
        var keys: [String] = []
        var token: String?
        repeat {
            var q = [("list-type", "2"), ("prefix", prefix)]
            if let delimiter { q.append(("delimiter", delimiter)) }
            if let token { q.append(("continuation-token", token)) }
            q.sort { $0.0 < $1.0 }
            let r = try client.send(request("ListObjectsV2", "GET", bucket: bucket, query: q))
            let text = r.text
            for contents in XML.all("Contents", in: text) {
                if let k = XML.first("Key", in: contents) { keys.append(k) }
            }
            for common in XML.all("CommonPrefixes", in: text) {
                if let p = XML.first("Prefix", in: common) { keys.append(p) }
            }
            token = XML.first("IsTruncated", in: text) == "true" ? XML.first("NextContinuationToken", in: text) : nil
        } while token != nil
        return keys
    }
}
