import AWSSigV4
import FunkoCore

#if canImport(Glibc)
    import Glibc
#endif

/// The AWS services the project talks to, with what SDKs need to reach each.
public enum AWSService: String, Sendable {
    case s3, sagemaker, sagemakerRuntime, ssm

    /// The name in the SigV4 credential scope.
    public var signingName: String {
        switch self {
        case .s3: "s3"
        case .sagemaker, .sagemakerRuntime: "sagemaker"
        case .ssm: "ssm"
        }
    }
    /// `AWS_ENDPOINT_URL_<ID>`, as the SDKs name it.
    public var endpointVariable: String {
        switch self {
        case .s3: "AWS_ENDPOINT_URL_S3"
        case .sagemaker: "AWS_ENDPOINT_URL_SAGEMAKER"
        case .sagemakerRuntime: "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"
        case .ssm: "AWS_ENDPOINT_URL_SSM"
        }
    }
    public var displayName: String {
        switch self {
        case .s3: "S3"
        case .sagemaker: "SageMaker"
        case .sagemakerRuntime: "SageMaker Runtime"
        case .ssm: "SSM"
        }
    }
    func defaultEndpoint(region: String) -> String {
        switch self {
        case .s3: "https://s3.\(region).amazonaws.com"
        case .sagemaker: "https://api.sagemaker.\(region).amazonaws.com"
        case .sagemakerRuntime: "https://runtime.sagemaker.\(region).amazonaws.com"
        case .ssm: "https://ssm.\(region).amazonaws.com"
        }
    }
}

/// Region, credentials and endpoints resolved the way AWS SDKs do: environment variables first
/// (the Lambda case), then the shared config and credentials files with `AWS_PROFILE`.
public struct AWSConfig: Sendable {
    public var region: String
    public var credentials: AWSCredentials
    /// Endpoint overrides by service (from `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL`).
    public var endpointOverrides: [AWSService: String]

    public init(region: String, credentials: AWSCredentials, endpointOverrides: [AWSService: String] = [:]) {
        self.region = region
        self.credentials = credentials
        self.endpointOverrides = endpointOverrides
    }

    public func endpoint(_ service: AWSService) -> String {
        var e = endpointOverrides[service] ?? service.defaultEndpoint(region: region)
        while e.hasSuffix("/") { e.removeLast() }
        return e
    }

    /// True when an override points the service somewhere other than AWS (path-style S3).
    public func isCustomEndpoint(_ service: AWSService) -> Bool { endpointOverrides[service] != nil }

    public static func resolve(environment env: [String: String], profile: String? = nil) throws -> AWSConfig {
        let home = env["HOME"] ?? "/root"
        let profileName = profile ?? env["AWS_PROFILE"] ?? env["AWS_DEFAULT_PROFILE"] ?? "default"
        let configFile = INIFile.load(env["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config")
        let credentialsFile = INIFile.load(env["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials")
        // In ~/.aws/config profiles are "[profile name]" except "[default]"; in credentials, "[name]".
        let configSection = configFile[profileName == "default" ? "default" : "profile \(profileName)"] ?? [:]
        let credSection = credentialsFile[profileName] ?? [:]

        guard let region = env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? configSection["region"], !region.isEmpty
        else {
            throw FunkoError.unavailable(
                "no AWS region: set AWS_REGION, or region in the [\(profileName)] profile of ~/.aws/config")
        }
        let credentials: AWSCredentials
        if let key = env["AWS_ACCESS_KEY_ID"], let secret = env["AWS_SECRET_ACCESS_KEY"], !key.isEmpty, !secret.isEmpty
        {
            credentials = AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: env["AWS_SESSION_TOKEN"]?.nilIfEmpty)
        } else if let key = credSection["aws_access_key_id"] ?? configSection["aws_access_key_id"],
            let secret = credSection["aws_secret_access_key"] ?? configSection["aws_secret_access_key"]
        {
            credentials = AWSCredentials(
                accessKeyID: key, secretAccessKey: secret,
                sessionToken: credSection["aws_session_token"] ?? configSection["aws_session_token"])
        } else {
            throw FunkoError.unavailable(
                "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or keys in the [\(profileName)] profile of ~/.aws/credentials (AWS_PROFILE picks the profile)"
            )
        }
        var overrides: [AWSService: String] = [:]
        for service in [AWSService.s3, .sagemaker, .sagemakerRuntime, .ssm] {
            if let url = env[service.endpointVariable]?.nilIfEmpty ?? env["AWS_ENDPOINT_URL"]?.nilIfEmpty
                ?? configSection["endpoint_url"]
            {
                overrides[service] = url
            }
        }
        return AWSConfig(region: region, credentials: credentials, endpointOverrides: overrides)
    }
}

/// The shared config/credentials file format: `[section]` headers and `key = value` lines.
enum INIFile {
    static func load(_ path: String) -> [String: [String: String]] {
        guard let text = try? Files.readString(path) else { return [:] }
        return parse(text)
    }

    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = String(raw).trimmed
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmed
                sections[current!, default: [:]] = sections[current!] ?? [:]
            } else if let c = current, let eq = line.firstIndex(of: "=") {
                sections[c]![String(line[..<eq]).trimmed.lowercased()] = String(line[line.index(after: eq)...]).trimmed
            }
        }
        return sections
    }
}
