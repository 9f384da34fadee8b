import FunkoTestSupport
import Testing

@testable import AWSClients
@testable import AWSSigV4
@testable import FunkoCore
@testable import FunkoHTTP

/// Settings resolved as the AWS SDKs do.
@Suite struct AWSConfigTests {
    @Test func environmentVariablesComeFirst() throws {
        let c = try AWSConfig.resolve(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s3cr3t", "AWS_SESSION_TOKEN": "tok",
            "AWS_REGION": "eu-west-1",
            "AWS_ENDPOINT_URL": "http://localhost:5000/", "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "http://localhost:6000",
            "HOME": "/nonexistent",
        ])
        #expect(c.credentials == AWSCredentials(accessKeyID: "AKIAENV", secretAccessKey: "s3cr3t", sessionToken: "tok"))
        #expect(c.region == "eu-west-1")
        #expect(c.endpoint(.s3) == "http://localhost:5000")
        #expect(c.endpoint(.sagemaker) == "http://localhost:5000")
        #expect(c.endpoint(.sagemakerRuntime) == "http://localhost:6000")
        let aws = try AWSConfig.resolve(environment: [
            "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B", "AWS_DEFAULT_REGION": "us-west-2",
            "HOME": "/nonexistent",
        ])
        #expect(aws.endpoint(.sagemakerRuntime) == "https://runtime.sagemaker.us-west-2.amazonaws.com")
        #expect(aws.endpoint(.sagemaker) == "https://api.sagemaker.us-west-2.amazonaws.com")
        #expect(!aws.isCustomEndpoint(.s3))
    }

    @Test func sharedFilesAndProfiles() throws {
        let dir = try TempDir()
        try Files.write(
            dir.file("credentials"),
            """
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = defaultsecret

            [ci]
            aws_access_key_id=AKIACI
            aws_secret_access_key = cisecret
            aws_session_token = citoken
            """)
        try Files.write(
            dir.file("config"),
            """
            [default]
            region = us-east-2
            # a comment
            [profile ci]
            region = ap-southeast-2
            """)
        let env = [
            "AWS_SHARED_CREDENTIALS_FILE": dir.file("credentials"), "AWS_CONFIG_FILE": dir.file("config"),
            "HOME": "/nonexistent",
        ]
        let d = try AWSConfig.resolve(environment: env)
        #expect(d.credentials.accessKeyID == "AKIADEFAULT")
        #expect(d.region == "us-east-2")
        var withProfile = env
        withProfile["AWS_PROFILE"] = "ci"
        let ci = try AWSConfig.resolve(environment: withProfile)
        #expect(
            ci.credentials
                == AWSCredentials(accessKeyID: "AKIACI", secretAccessKey: "cisecret", sessionToken: "citoken"))
        #expect(ci.region == "ap-southeast-2")
        #expect(try AWSConfig.resolve(environment: env, profile: "ci").region == "ap-southeast-2")
    }

    @Test func missingSettingsSayWhatToSet() {
        #expect(
            throws: FunkoError.unavailable(
                "no AWS region: set AWS_REGION, or region in the [default] profile of ~/.aws/config")
        ) {
            try AWSConfig.resolve(environment: [
                "HOME": "/nonexistent", "AWS_ACCESS_KEY_ID": "A", "AWS_SECRET_ACCESS_KEY": "B",
            ])
        }
        do {
            _ = try AWSConfig.resolve(environment: ["HOME": "/nonexistent", "AWS_REGION": "us-east-1"])
            Issue.record("resolved without credentials")
        } catch let e as FunkoError {
            #expect(e.message.hasPrefix("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"))
        } catch { Issue.record("\(error)") }
    }

    @Test func errorsAreParsedFromXMLAndJSON() {
        let xml = HTTPResponseFixture.make(
            403,
            #"<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access &amp; denied</Message><RequestId>R1</RequestId></Error>"#
        )
        let e = AWSClient.parseError(xml, service: "S3", operation: "GetObject")
        #expect(e.code == "AccessDenied")
        #expect(e.message == "Access & denied")
        #expect(e.requestID == "R1")
        #expect(!e.isRetryable)
        let json = HTTPResponseFixture.make(
            400, #"{"__type":"com.amazonaws.sagemaker#ThrottlingException","message":"slow down"}"#)
        let t = AWSClient.parseError(json, service: "SageMaker", operation: "DescribeEndpoint")
        #expect(t.code == "ThrottlingException")
        #expect(t.isRetryable)
        #expect(t.description == "SageMaker DescribeEndpoint failed: ThrottlingException (HTTP 400): slow down")
        #expect(
            AWSClient.parseError(HTTPResponseFixture.make(503, ""), service: "S3", operation: "PutObject").isRetryable)
    }

    @Test func endpointAnswersParseAsCSVOrJSON() throws {
        #expect(try SageMakerRuntimeClient.parsePredictions("0.5\n-0.25\n") == [0.5, -0.25])
        #expect(try SageMakerRuntimeClient.parsePredictions("0.5,1.5") == [0.5, 1.5])
        #expect(
            try SageMakerRuntimeClient.parsePredictions(#"{"predictions":[{"score":0.1},{"score":0.2}]}"#) == [
                0.1, 0.2,
            ])
        #expect(throws: FunkoError.self) { try SageMakerRuntimeClient.parsePredictions("oops") }
    }
}

enum HTTPResponseFixture {
    static func make(_ status: Int, _ body: String) -> FunkoHTTP.HTTPResponse {
        FunkoHTTP.HTTPResponse(status: status, headers: [], body: Array(body.utf8))
    }
}
