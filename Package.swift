// swift-tools-version:6.0
import PackageDescription

// Layout: C system libraries (Debian packages) at the bottom, one small library per job above
// them, thin executables on top (docs/architecture.md draws the graph). The API functions
// (predict, predict-batch, history, status) link FunkoHandlers and what it needs: the app factory,
// the store, features, model (trees evaluated in Swift: no libxgboost), API operations, the AWS clients (S3 artifacts, SageMaker Runtime,
// SSM) and the runtime loop; only retrain-trigger adds the retraining library. No SwiftNIO and no
// HTTP server is linked into a Lambda: FlyingFox serves only the local tools (lambda-local,
// funko serve).
let package = Package(
    name: "FunkoPrice",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "funko", targets: ["funko"]),
        .executable(name: "predict", targets: ["predict"]),
        .executable(name: "predict-batch", targets: ["predict-batch"]),
        .executable(name: "history", targets: ["history"]),
        .executable(name: "retrain-trigger", targets: ["retrain-trigger"]),
        .executable(name: "status", targets: ["status"]),
        .executable(name: "lambda-local", targets: ["lambda-local"]),
        // For FuzzTesting/, the fuzzing package that builds with libFuzzer's flags.
        .library(name: "FunkoFuzzEntryPoints", targets: ["FunkoFuzzEntryPoints"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Local HTTP servers only (lambda-local, funko serve); never linked into a Lambda.
        .package(url: "https://github.com/swhitty/FlyingFox.git", from: "0.27.1"),
    ],
    targets: [
        .systemLibrary(name: "CXGBoost", path: "Sources/CXGBoost"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CDeflate", path: "Sources/CDeflate"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres"),

        // Domain and API types, dates, JSON, files, gzip, logging, backoff, progress: no I/O besides stderr.
        .target(name: "FunkoCore", dependencies: ["CZlib", "CDeflate"]),
        // Catalog and sales persistence behind the `Store` protocol (SQLite, PostgreSQL); migrations.
        .target(name: "FunkoStore", dependencies: ["FunkoCore", "CSQLite", "CPostgres"]),
        // Sample-market generator and CSV import/export.
        .target(name: "FunkoData", dependencies: ["FunkoCore", "FunkoStore"]),
        // Point-in-time features: the one implementation for training and serving rows.
        .target(name: "FunkoFeatures", dependencies: ["FunkoCore"]),
        // Models without libxgboost: the in-process tree predictor (reads XGBoost's model file),
        // evaluation, intervals, SageMaker-compatible artifacts, the dataset pipeline and quality
        // gate, drift, baselines.
        .target(name: "FunkoModel", dependencies: ["FunkoCore", "FunkoFeatures"]),
        // Fitting trees with libxgboost; only what trains links it (retrain-trigger, funko).
        .target(name: "FunkoTraining", dependencies: ["FunkoCore", "FunkoFeatures", "FunkoModel", "CXGBoost"]),
        // Request validation and the predict/history/status operations shared by CLI and Lambdas.
        .target(name: "FunkoAPI", dependencies: ["FunkoCore", "FunkoStore", "FunkoFeatures", "FunkoModel"]),
        // HTTP client over libcurl: one reusable handle, timeouts, streaming. AWS clients build on it.
        .target(name: "FunkoHTTP", dependencies: ["FunkoCore", "CCurl"]),
        // AWS Signature Version 4 on OpenSSL's libcrypto: headers and presigned URLs.
        .target(name: "AWSSigV4", dependencies: ["FunkoCore", "CCrypto"]),
        // AWS configuration (credentials, profiles, endpoints), retries, and the S3, SageMaker,
        // SageMaker Runtime and SSM clients over FunkoHTTP.
        .target(name: "AWSClients", dependencies: ["FunkoCore", "FunkoHTTP", "AWSSigV4"]),
        // The typed configuration (read once from the environment) and the one factory that builds
        // the store, the artifact store, the AWS clients and the serving model from it.
        .target(
            name: "FunkoApp",
            dependencies: [
                "AWSClients", "FunkoAPI", "FunkoCore", "FunkoFeatures", "FunkoHTTP", "FunkoModel", "FunkoStore",
            ]
        ),
        // Retraining: the pipeline run, local or SageMaker training, champion/challenger promotion
        // onto the endpoint, rollback, and the decisions log.
        .target(
            name: "FunkoRetrain",
            dependencies: [
                "AWSClients", "FunkoApp", "FunkoCore", "FunkoFeatures", "FunkoModel", "FunkoStore", "FunkoTraining",
            ]),
        // The Lambda Runtime API loop (next / response / error / init-error), its context, EMF metrics.
        .target(name: "LambdaRuntime", dependencies: ["FunkoCore", "FunkoHTTP"]),
        // API Gateway (payload 2.0 and 1.0), Function URL, direct and EventBridge events and responses.
        .target(name: "LambdaEvents", dependencies: ["FunkoCore"]),
        // The API functions: routes, validation and answers over the app.
        .target(
            name: "FunkoHandlers",
            dependencies: ["FunkoAPI", "FunkoApp", "FunkoCore", "FunkoModel", "LambdaEvents", "LambdaRuntime"]),
        // The retrain-trigger function: schedules, manual runs and training-job events.
        .target(
            name: "RetrainHandler",
            dependencies: [
                "FunkoApp", "FunkoCore", "FunkoHandlers", "FunkoModel", "FunkoRetrain", "LambdaEvents", "LambdaRuntime",
            ]),
        .executableTarget(name: "predict", dependencies: ["FunkoHandlers", "LambdaRuntime"]),
        .executableTarget(name: "predict-batch", dependencies: ["FunkoHandlers", "LambdaRuntime"]),
        .executableTarget(name: "history", dependencies: ["FunkoHandlers", "LambdaRuntime"]),
        .executableTarget(name: "status", dependencies: ["FunkoHandlers", "LambdaRuntime"]),
        .executableTarget(name: "retrain-trigger", dependencies: ["RetrainHandler", "LambdaRuntime"]),
        // A local Lambda Runtime API (as AWS runs it) that starts a handler binary and invokes it.
        .target(
            name: "LambdaLocal",
            dependencies: [
                .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "FlyingSocks", package: "FlyingFox"),
            ]),
        .executableTarget(
            name: "lambda-local",
            dependencies: ["LambdaLocal", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "funko",
            dependencies: [
                "AWSClients", "FunkoAPI", "FunkoApp", "FunkoCore", "FunkoData", "FunkoHandlers", "FunkoModel",
                "FunkoRetrain", "FunkoTraining", "LambdaEvents", "LambdaLocal", "LambdaRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        // Benchmark driver for scripts/bench (not shipped).
        .executableTarget(
            name: "funko-bench",
            dependencies: [
                "AWSClients", "AWSSigV4", "FunkoAPI", "FunkoApp", "FunkoCore", "FunkoData", "FunkoFeatures",
                "FunkoHTTP", "FunkoHandlers", "FunkoModel", "FunkoStore", "FunkoTraining", "LambdaEvents",
                "LambdaRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The parsers that see outside input as fuzz targets: the fuzzer (FuzzTesting/) and the
        // replay test of its saved crashes (FunkoUnitTests) call the same entry points.
        .target(
            name: "FunkoFuzzEntryPoints",
            dependencies: [
                "AWSClients", "AWSSigV4", "FunkoApp", "FunkoCore", "FunkoData", "FunkoFeatures", "FunkoHTTP",
                "FunkoHandlers", "FunkoModel", "FunkoRetrain", "FunkoStore", "FunkoTraining", "LambdaEvents",
                "LambdaRuntime",
            ]
        ),
        // Tests in two tiers (scripts/test runs both). FunkoUnitTests runs in the process and needs nothing
        // beyond these libraries; FunkoIntegrationTests drives the built binaries, the Lambda zips,
        // PostgreSQL, moto, terraform and the Python cross-checks. Both build on FunkoTestSupport:
        // fixtures and helpers only, no tests.
        .target(
            name: "FunkoTestSupport",
            dependencies: [
                "FunkoApp", "FunkoCore", "FunkoData", "FunkoHandlers", "FunkoModel", "FunkoStore", "FunkoTraining",
                "LambdaEvents", "LambdaLocal", "LambdaRuntime", "RetrainHandler",
            ],
            path: "Tests/FunkoTestSupport"
        ),
        .testTarget(
            name: "FunkoUnitTests",
            dependencies: [
                "AWSClients", "AWSSigV4", "FunkoAPI", "FunkoApp", "FunkoCore", "FunkoData", "FunkoFeatures",
                "FunkoFuzzEntryPoints", "FunkoHTTP", "FunkoHandlers", "FunkoModel", "FunkoRetrain", "FunkoStore",
                "FunkoTestSupport", "FunkoTraining", "LambdaEvents", "LambdaLocal", "LambdaRuntime", "RetrainHandler",
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        .testTarget(
            name: "FunkoIntegrationTests",
            dependencies: [
                "AWSClients", "AWSSigV4", "FunkoAPI", "FunkoApp", "FunkoCore", "FunkoData", "FunkoFeatures",
                "FunkoHTTP", "FunkoHandlers", "FunkoModel", "FunkoRetrain", "FunkoStore", "FunkoTestSupport",
                "FunkoTraining", "LambdaEvents", "LambdaLocal", "LambdaRuntime", "RetrainHandler",
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
