import Foundation

// Comparisons shared by the SigV4 suites of both tiers (the AWS test suite, botocore).

/// Header lists compared as multisets of (lower-cased name, value).
package func headerSet(_ headers: [(String, String)]) -> [String] {
    headers.map { "\($0.0.lowercased()):\($0.1)" }.sorted()
}

/// The query of a URL or request target as sorted, decoded `key=value` pairs.
package func decodedQuery(_ target: String) -> [String] {
    guard let q = target.firstIndex(of: "?") else { return [] }
    return target[target.index(after: q)...].split(separator: "&").map { item in
        let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
            String($0).removingPercentEncoding ?? String($0)
        }
        return parts[0] + "=" + (parts.count > 1 ? parts[1] : "")
    }.sorted()
}
