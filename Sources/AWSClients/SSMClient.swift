import FunkoCore
import FunkoHTTP

/// Systems Manager Parameter Store: the database URL lives in a SecureString parameter, so it is
/// neither in Terraform's plain variables nor in the function's environment.
public final class SSMClient {
    public let client: AWSClient

    public init(config: AWSConfig, http: HTTPClient = HTTPClient()) {
        client = AWSClient(config: config, service: .ssm, http: http)
    }

    /// The decrypted value; errors name the parameter, never its value.
    public func parameter(_ name: String) throws -> String {
        let r = try client.send(
            .init(
                operation: "GetParameter", method: "POST", path: "/",
                headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AmazonSSM.GetParameter")],
                body: Array(try JSON.encode(["Name": JSONValue.string(name), "WithDecryption": .bool(true)]).utf8)))
        guard let value = (try? JSON.decode([String: JSONValue].self, from: r.body))?["Parameter"]?["Value"]?.string
        else {
            throw FunkoError.unavailable("SSM GetParameter \(name): the answer holds no value")
        }
        return value
    }
}
