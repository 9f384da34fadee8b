import AWSClients
import ArgumentParser
import FunkoCore
import FunkoModel
import FunkoRetrain

#if canImport(Glibc)
    import Glibc
#endif

/// Where artifacts live in S3, and which AWS profile to use.
struct AWSOptions: ParsableArguments {
    @Option(help: "S3 bucket for artifacts (env MODEL_BUCKET).") var bucket: String?
    @Option(help: "Key prefix inside the bucket (env MODEL_PREFIX).") var prefix: String?
    @Option(help: "Profile from ~/.aws/config and ~/.aws/credentials (env AWS_PROFILE).") var profile: String?

    var environment: [String: String] { processEnvironment() }

    func config() throws -> AWSConfig { try AWSConfig.resolve(environment: environment, profile: profile) }

    func s3Store(_ s3: S3Client) throws -> S3ObjectStore {
        guard let b = bucket ?? environment["MODEL_BUCKET"], !b.isEmpty else {
            throw FunkoError.badRequest("no bucket: pass --bucket or set MODEL_BUCKET")
        }
        return S3ObjectStore(s3: s3, bucket: b, prefix: prefix ?? environment["MODEL_PREFIX"] ?? "")
    }
}

struct Artifacts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy artifacts between the local store and S3 (same SPEC §4.4 layout).",
        subcommands: [Push.self, Pull.self])

    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload models/ and datasets/ from the local store to S3.")
        @OptionGroup var options: StoreOptions
        @OptionGroup var aws: AWSOptions

        func run() throws {
            try FunkoCLI.run {
                let root = LocalObjectStore.path(flag: options.dataDir, environment: options.environment)
                let s3 = S3Client(config: try aws.config())
                let target = try aws.s3Store(s3)
                let keys = ["models", "datasets"].flatMap { walk(root, $0) }
                guard !keys.isEmpty else {
                    throw FunkoError.badRequest("nothing to push in \(root): run `funko train` first")
                }
                try transfer(keys, label: "Pushing") { key in
                    try s3.putFile(
                        bucket: target.bucket, key: target.prefix + key, path: "\(root)/\(key)",
                        contentType: S3ObjectStore.contentType(of: key))
                }
                print("pushed \(keys.count) files from \(root) to \(target.description)")
            }
        }
    }

    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download models/ and datasets/ from S3 into the local store.")
        @OptionGroup var options: StoreOptions
        @OptionGroup var aws: AWSOptions

        func run() throws {
            try FunkoCLI.run {
                let root = LocalObjectStore.path(flag: options.dataDir, environment: options.environment)
                let s3 = S3Client(config: try aws.config())
                let source = try aws.s3Store(s3)
                let keys = try ["models/", "datasets/"].flatMap {
                    try s3.listObjects(bucket: source.bucket, prefix: source.prefix + $0)
                }
                .map { String($0.dropFirst(source.prefix.count)) }.filter { !$0.hasSuffix("/") }
                guard !keys.isEmpty else { throw FunkoError.notFound("no artifacts under \(source.description)") }
                try transfer(keys, label: "Pulling") { key in
                    _ = try s3.downloadFile(bucket: source.bucket, key: source.prefix + key, to: "\(root)/\(key)")
                }
                print("pulled \(keys.count) files from \(source.description) to \(root)")
            }
        }
    }
}

/// Copies keys one by one with progress, the champion pointer last: a reader never sees it
/// point at files that are not there yet.
func transfer(_ keys: [String], label: String, _ copy: (String) throws -> Void) throws {
    let ordered = keys.sorted {
        ($0 == ModelRepository.championKey ? 1 : 0, $0) < ($1 == ModelRepository.championKey ? 1 : 0, $1)
    }
    let progress = Progress(label, total: ordered.count)
    for (i, key) in ordered.enumerated() {
        try copy(key)
        progress.update(i + 1)
    }
    progress.finish()
}

/// Files below `root/dir`, as keys relative to root.
func walk(_ root: String, _ dir: String) -> [String] {
    Files.list("\(root)/\(dir)").flatMap { name -> [String] in
        let key = "\(dir)/\(name)"
        return isDirectory("\(root)/\(key)") ? walk(root, key) : [key]
    }
}

func isDirectory(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
}

struct Deploy: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Serve a model version on a SageMaker endpoint: model, endpoint config, create or update the endpoint, wait until InService."
    )
    @OptionGroup var options: StoreOptions
    @OptionGroup var aws: AWSOptions
    @Option(help: "Model version (default: the champion).") var version: String?
    @Option(help: "Endpoint name (env SAGEMAKER_ENDPOINT_NAME).") var endpointName: String?
    @Option(help: "IAM role SageMaker assumes to read the model (env SAGEMAKER_ROLE_ARN).") var roleArn: String?
    @Option(help: "Instance type.") var instanceType = "ml.t2.medium"
    @Option(help: "Instance count.") var instanceCount = 1
    @Option(help: "Container image (default: SageMaker's XGBoost 1.7-1 for the region).") var image: String?
    @Option(help: "Give up waiting after this many seconds.") var waitTimeout = 1800.0
    @Option(help: "Seconds between status checks.") var pollInterval = 15.0
    @Flag(help: "Return once the update has started.") var noWait = false

    func run() throws {
        try FunkoCLI.run {
            let env = aws.environment
            guard let endpoint = endpointName ?? env["SAGEMAKER_ENDPOINT_NAME"], !endpoint.isEmpty else {
                throw FunkoError.badRequest("no endpoint name: pass --endpoint-name or set SAGEMAKER_ENDPOINT_NAME")
            }
            guard let role = roleArn ?? env["SAGEMAKER_ROLE_ARN"], role.hasPrefix("arn:") else {
                throw FunkoError.badRequest(
                    "no execution role: pass --role-arn arn:aws:iam::ACCOUNT:role/NAME or set SAGEMAKER_ROLE_ARN")
            }
            let config = try aws.config()
            guard let image = image ?? SageMakerClient.xgboostImage(region: config.region) else {
                throw FunkoError.badRequest("no XGBoost image known for region \(config.region): pass --image")
            }
            let s3 = S3Client(config: config)
            let remote = try aws.s3Store(s3)
            let local = ModelRepository(
                store: LocalObjectStore(
                    root: LocalObjectStore.path(flag: options.dataDir, environment: options.environment)))
            let remoteRepo = ModelRepository(store: remote)
            guard let v = try version ?? remoteRepo.champion()?.version ?? local.champion()?.version else {
                throw FunkoError.badRequest("no model to deploy: train one (`funko train`) or pass --version")
            }
            // The endpoint reads the model from S3: upload this version if it is not there yet.
            let archiveKey = "models/\(v)/model.tar.gz"
            if try s3.headObject(bucket: remote.bucket, key: remote.prefix + archiveKey) == nil {
                for file in ["model.tar.gz", "metadata.json", "evaluation.json"] {
                    guard let bytes = try local.store.get("models/\(v)/\(file)") else {
                        if file == "evaluation.json" { continue }
                        throw FunkoError.notFound(
                            "model \(v) is neither in \(remote.description) nor in \(local.store.description)")
                    }
                    try remote.put("models/\(v)/\(file)", bytes)
                }
            }
            let sagemaker = SageMakerClient(config: config)
            var deployment = EndpointDeployment(
                sagemaker: sagemaker, endpointName: endpoint, roleARN: role, image: image)
            deployment.instanceType = instanceType
            deployment.instanceCount = instanceCount
            deployment.createIfMissing = true
            let result = try deployment.deploy(version: v, modelDataURL: remote.uri(archiveKey), now: Time.now())
            print(
                "\(result.created ? "creating" : "updating") endpoint \(endpoint) with model \(v) on \(instanceCount) × \(instanceType)"
            )
            if noWait { return }
            let start = Time.monotonic()
            while true {
                let e = try sagemaker.describeEndpoint(endpoint)
                let status = e?.status ?? "NotFound"
                if status == "InService" {
                    print("endpoint \(endpoint) is InService with model \(v)")
                    return
                }
                if status == "Failed" || status == "NotFound" {
                    throw FunkoError.unavailable(
                        "endpoint \(endpoint) is \(status)\(e?.failureReason.map { ": \($0)" } ?? "")")
                }
                guard Time.monotonic() - start < waitTimeout else {
                    throw FunkoError.unavailable(
                        "endpoint \(endpoint) is still \(status) after \(Int(waitTimeout)) s: check the SageMaker console"
                    )
                }
                if Progress.isInteractive {
                    writeStderr("\rendpoint \(endpoint): \(status) (\(Int(Time.monotonic() - start)) s)\u{1B}[K")
                }
                usleep(useconds_t(pollInterval * 1_000_000))
            }
        }
    }
}
