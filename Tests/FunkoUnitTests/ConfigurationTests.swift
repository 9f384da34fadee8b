import FunkoTestSupport
import Testing

@testable import FunkoApp
@testable import FunkoCore

/// The one configuration: every variable read in one place, with one precedence, and a bad value
/// named with what would be accepted.
@Suite struct ConfigurationTests {
    @Test func defaultsAreTheEmbeddedLocalSetUp() throws {
        let c = try AppConfiguration.fromEnvironment([:])
        #expect(c.store == .sqlite(path: "data/funko.sqlite"))
        #expect(c.artifacts == .folder("data/store"))
        #expect(c.inferenceMode == .embedded)
        #expect(c.trainingMode == .local)
        #expect(!c.usesAWS)
    }

    @Test func aDatabaseURLWinsOverTheSQLiteFileFromTheEnvironment() throws {
        let both = try AppConfiguration.fromEnvironment([
            "FUNKO_DB": "/x.sqlite", "DATABASE_URL": "postgresql://b", "SUPABASE_DB_URL": "postgresql://a",
        ])
        #expect(both.store == .postgres(url: "postgresql://a"))
        let plain = try AppConfiguration.fromEnvironment(["FUNKO_DB": "/x.sqlite", "DATABASE_URL": "postgresql://b"])
        #expect(plain.store == .postgres(url: "postgresql://b"))
        let ssm = try AppConfiguration.fromEnvironment(["FUNKO_DB": "/x.sqlite", "DATABASE_URL_PARAMETER": "/funko/db"])
        #expect(ssm.store == .postgresURLInSSM(parameter: "/funko/db"))
        #expect(ssm.usesAWS)
        let sqlite = try AppConfiguration.fromEnvironment(["FUNKO_DB": "/x.sqlite", "DATABASE_URL": ""])
        #expect(sqlite.store == .sqlite(path: "/x.sqlite"))
    }

    @Test func aBucketWinsOverTheLocalFolderFromTheEnvironment() throws {
        let c = try AppConfiguration.fromEnvironment([
            "FUNKO_DATA_DIR": "/store", "MODEL_BUCKET": "models", "MODEL_PREFIX": "prod/",
        ])
        #expect(c.artifacts == .s3(AppConfiguration.Bucket(name: "models", prefix: "prod/")))
        #expect(c.artifactFolder == "/store")
        #expect(c.usesAWS)
    }

    @Test func badValuesNameTheVariableAndTheAcceptedValues() {
        #expect(
            throws: FunkoError.badRequest("INFERENCE_MODE \"cloud\" is not supported: use one of embedded, sagemaker")
        ) { try AppConfiguration.fromEnvironment(["INFERENCE_MODE": "cloud"]) }
        #expect(throws: FunkoError.badRequest("TRAINING_MODE \"cloud\" is not supported: use one of local, sagemaker"))
        { try AppConfiguration.fromEnvironment(["TRAINING_MODE": "cloud"]) }
        #expect(throws: FunkoError.badRequest("MODEL_REFRESH_SECONDS \"soon\" must be a number of seconds >= 0")) {
            try AppConfiguration.fromEnvironment(["MODEL_REFRESH_SECONDS": "soon"])
        }
        #expect(throws: FunkoError.badRequest("SAGEMAKER_TIMEOUT_SECONDS \"0\" must be a number of seconds > 0")) {
            try AppConfiguration.fromEnvironment(["SAGEMAKER_TIMEOUT_SECONDS": "0"])
        }
    }

    @Test func combinationsAreCheckedBeforeTheAppIsBuilt() throws {
        #expect(
            throws: FunkoError.badRequest(
                "TRAINING_MODE=sagemaker needs SAGEMAKER_ROLE_ARN, the IAM role SageMaker assumes (arn:aws:iam::ACCOUNT:role/NAME)"
            )
        ) { try AppConfiguration.fromEnvironment(["TRAINING_MODE": "sagemaker", "MODEL_BUCKET": "b"]).validated() }
        #expect(
            throws: FunkoError.badRequest(
                "TRAINING_MODE=sagemaker needs MODEL_BUCKET: SageMaker reads datasets from S3")
        ) {
            try AppConfiguration.fromEnvironment([
                "TRAINING_MODE": "sagemaker", "SAGEMAKER_ROLE_ARN": "arn:aws:iam::1:role/r",
            ]).validated()
        }
        #expect(
            throws: FunkoError.badRequest(
                "INFERENCE_MODE=sagemaker needs SAGEMAKER_ENDPOINT_NAME, the endpoint to call")
        ) { try AppConfiguration.fromEnvironment(["INFERENCE_MODE": "sagemaker"]).validated() }
        // A later override can make a configuration valid: the check runs on the final value.
        var c = try AppConfiguration.fromEnvironment(["TRAINING_MODE": "sagemaker", "MODEL_BUCKET": "b"])
        c.trainingMode = .local
        #expect(try c.validated() == c)
    }

    @Test func onlyTheAWSVariablesAreKeptForTheAWSSettings() throws {
        let c = try AppConfiguration.fromEnvironment([
            "AWS_REGION": "eu-west-1", "HOME": "/home/me", "SUPABASE_DB_URL": "postgresql://secret", "PATH": "/bin",
        ])
        #expect(c.awsEnvironment == ["AWS_REGION": "eu-west-1", "HOME": "/home/me"])
    }
}
