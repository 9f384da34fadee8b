import AWSClients
import ArgumentParser
import FunkoApp
import FunkoCore
import FunkoModel
import FunkoRetrain

#if canImport(Glibc)
    import Glibc
#endif

/// The configuration's bucket as an artifact store, with the local folder beside it: the two
/// ends `funko artifacts` and `funko deploy` copy between.
func bucketAndFolder(_ options: AppOptions) throws -> (remote: S3ObjectStore, folder: String, app: App) {
    let configuration = try options.configuration(allowBothArtifactStores: true)
    guard configuration.bucket != nil else {
        throw FunkoError.badRequest("no bucket: pass --bucket or set MODEL_BUCKET")
    }
    let app = try App(configuration: configuration, logger: Logger(quiet: true), loadModel: false)
    guard let remote = app.repository.store as? S3ObjectStore else {
        throw FunkoError(.internalError, "a configuration with a bucket built no S3 artifact store")
    }
    return (remote, configuration.artifactFolder, app)
}

struct Artifacts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy artifacts between the local store and S3 (same layout).",
        subcommands: [Push.self, Pull.self])

    struct Push: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upload models/ and datasets/ from the local store to S3.")
        @OptionGroup var options: AppOptions

        func run() throws {
            try FunkoCLI.run {
                let (target, root, _) = try bucketAndFolder(options)
                let s3 = target.s3
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
        @OptionGroup var options: AppOptions

        func run() throws {
            try FunkoCLI.run {
                let (source, root, _) = try bucketAndFolder(options)
                let s3 = source.s3
                let keys = try [ArtifactKey.models, ArtifactKey.datasets].flatMap {
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
        ($0 == ArtifactKey.champion ? 1 : 0, $0) < ($1 == ArtifactKey.champion ? 1 : 0, $1)
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
    @OptionGroup var options: AppOptions
    @Option(help: "Model version (default: the champion).") var version: String?
    @Option(help: "Endpoint name (env SAGEMAKER_ENDPOINT_NAME).") var endpointName: String?
    @Option(help: "IAM role SageMaker assumes to read the model (env SAGEMAKER_ROLE_ARN).") var roleArn: String?
    @Option(help: "Instance type (env ENDPOINT_INSTANCE_TYPE; default ml.t2.medium).") var instanceType: String?
    @Option(help: "Instance count.") var instanceCount = 1
    @Option(help: "Container image (env TRAINING_IMAGE; default: SageMaker's XGBoost 1.7-1 for the region).")
    var image: String?
    @Option(help: "Give up waiting after this many seconds.") var waitTimeout = 1800.0
    @Option(help: "Seconds between status checks.") var pollInterval = 15.0
    @Flag(help: "Return once the update has started.") var noWait = false

    func run() throws {
        try FunkoCLI.run {
            let (remote, folder, app) = try bucketAndFolder(options)
            let settings = app.configuration
            guard let endpoint = endpointName ?? settings.endpointName, !endpoint.isEmpty else {
                throw FunkoError.badRequest("no endpoint name: pass --endpoint-name or set SAGEMAKER_ENDPOINT_NAME")
            }
            guard let role = roleArn ?? settings.sageMakerRoleARN, role.hasPrefix("arn:") else {
                throw FunkoError.badRequest(
                    "no execution role: pass --role-arn arn:aws:iam::ACCOUNT:role/NAME or set SAGEMAKER_ROLE_ARN")
            }
            guard let config = app.aws else { throw FunkoError(.internalError, "a bucket without AWS settings") }
            guard let image = image ?? settings.trainingImage ?? SageMakerClient.xgboostImage(region: config.region)
            else {
                throw FunkoError.badRequest("no XGBoost image known for region \(config.region): pass --image")
            }
            let instanceType = instanceType ?? settings.endpointInstanceType
            let s3 = remote.s3
            let local = ModelRepository(store: LocalObjectStore(root: folder))
            let remoteRepo = app.repository
            guard let v = try version ?? remoteRepo.champion()?.version ?? local.champion()?.version else {
                throw FunkoError.badRequest("no model to deploy: train one (`funko train`) or pass --version")
            }
            let kind = try (remoteRepo.store.get(ArtifactKey.metadata(v)) ?? local.store.get(ArtifactKey.metadata(v)))
                .map { try JSON.decode(ModelMetadata.self, from: $0).predictor }
            if let kind, kind != .model {
                throw FunkoError.badRequest(
                    "version \(v) is the \(kind) predictor: the functions answer it themselves and there are no trees to put on an endpoint; pass --version with a trained model version (`funko evaluate --latest` scores the newest)"
                )
            }
            // The endpoint reads the model from S3: upload this version if it is not there yet.
            let archiveKey = ArtifactKey.archive(v)
            if try s3.headObject(bucket: remote.bucket, key: remote.prefix + archiveKey) == nil {
                for key in ArtifactKey.modelFiles(v) {
                    guard let bytes = try local.store.get(key) else {
                        if key == ArtifactKey.evaluation(v) { continue }
                        throw FunkoError.notFound(
                            "model \(v) is neither in \(remote.description) nor in \(local.store.description)")
                    }
                    try remote.put(key, bytes)
                }
            }
            let sagemaker = SageMakerClient(config: config)
            var deployment = EndpointDeployment(
                sagemaker: sagemaker, endpointName: endpoint, roleARN: role, image: image)
            deployment.instanceType = instanceType
            deployment.instanceCount = instanceCount
            deployment.createIfMissing = true
            let result = try deployment.deploy(
                version: v, modelDataURL: remote.location(of: archiveKey), now: Time.now())
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
