// swift-tools-version:6.0
import PackageDescription

// Layout: C system libraries (Debian packages) at the bottom, one small library per job above
// them, thin executables on top. The Lambda handlers (next issue) link FunkoAPI and below only.
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
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CPostgres", path: "Sources/CPostgres"),

        // Domain and API types, dates, vocabularies, progress: no I/O besides stderr.
        .target(name: "FunkoCore"),
        // Catalog and sales persistence behind the `Store` protocol; migrations.
        .target(name: "FunkoStore", dependencies: ["FunkoCore", "CSQLite", "CPostgres"]),
        // Sample-market generator and CSV import.
        .target(name: "FunkoData", dependencies: ["FunkoCore", "FunkoStore"]),
        // Point-in-time features: the one implementation for training and serving rows.
        .target(name: "FunkoFeatures", dependencies: ["FunkoCore"]),
        // XGBoost training, evaluation, intervals and SageMaker-compatible artifacts.
        .target(name: "FunkoModel", dependencies: ["FunkoCore", "FunkoFeatures", "CXGBoost", "CZlib"]),
        // Request validation and the predict/history/status operations shared by CLI and Lambdas.
        .target(name: "FunkoAPI", dependencies: ["FunkoCore", "FunkoStore", "FunkoFeatures", "FunkoModel"]),
        // HTTP client over libcurl: one reusable handle, timeouts, streaming. AWS clients build on it.
        .target(name: "FunkoHTTP", dependencies: ["FunkoCore", "CCurl"]),
        // AWS Signature Version 4 on OpenSSL's libcrypto: headers and presigned URLs.
        .target(name: "AWSSigV4", dependencies: ["FunkoCore", "CCrypto"]),
        // AWS configuration (credentials, profiles, endpoints), retries, and the S3, SageMaker and
        // SageMaker Runtime clients over FunkoHTTP.
        .target(name: "AWSClients", dependencies: ["FunkoCore", "FunkoHTTP", "AWSSigV4"]),
        // Retraining: the pipeline run, local or SageMaker training, champion/challenger promotion
        // onto the endpoint, rollback, and the decisions log.
        .target(
            name: "FunkoRetrain",
            dependencies: ["FunkoCore", "FunkoStore", "FunkoFeatures", "FunkoModel", "AWSClients"]),
        // The Lambda Runtime API loop (next / response / error / init-error) and its context.
        .target(name: "LambdaRuntime", dependencies: ["FunkoCore", "FunkoHTTP"]),
        // API Gateway (payload 2.0 and 1.0), Function URL, direct and EventBridge events and responses.
        .target(name: "LambdaEvents", dependencies: ["FunkoCore"]),
        // The five handlers: routing, validation and answers over FunkoAPI.
        .target(
            name: "FunkoHandlers",
            dependencies: [
                "FunkoCore", "FunkoStore", "FunkoFeatures", "FunkoModel", "FunkoAPI", "FunkoRetrain", "LambdaEvents",
                "LambdaRuntime", "AWSClients",
            ]),
        .executableTarget(name: "predict", dependencies: ["FunkoHandlers", "LambdaRuntime"]),
        .executableTarget(name: "predict-batch", dependencies: ["FunkoHandlers", "LambdaRuntime"]),
        .executableTarget(name: "history", dependencies: ["FunkoHandlers", "LambdaRuntime"]),
        .executableTarget(name: "retrain-trigger", dependencies: ["FunkoHandlers", "LambdaRuntime"]),
        .executableTarget(name: "status", dependencies: ["FunkoHandlers", "LambdaRuntime"]),
        // A local Lambda Runtime API (as AWS runs it) that starts a handler binary and invokes it.
        .target(name: "LambdaLocal", dependencies: ["FunkoCore", .product(name: "FlyingFox", package: "FlyingFox")]),
        .executableTarget(
            name: "lambda-local",
            dependencies: ["LambdaLocal", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "funko",
            dependencies: [
                "FunkoCore", "FunkoStore", "FunkoData", "FunkoFeatures", "FunkoModel", "FunkoAPI", "FunkoHandlers",
                "FunkoRetrain", "LambdaEvents", "AWSClients",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
        // Benchmark driver for scripts/bench (not shipped).
        .executableTarget(
            name: "funko-bench",
            dependencies: [
                "FunkoCore", "FunkoData", "FunkoFeatures", "FunkoModel", "FunkoStore", "FunkoAPI", "FunkoHandlers",
                "FunkoHTTP", "AWSSigV4", "AWSClients",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "FunkoTests",
            dependencies: [
                "FunkoCore", "FunkoStore", "FunkoData", "FunkoFeatures", "FunkoModel", "FunkoAPI", "FunkoRetrain",
                "FunkoHTTP", "LambdaRuntime", "LambdaEvents", "FunkoHandlers", "LambdaLocal", "AWSSigV4", "AWSClients",
                .product(name: "FlyingFox", package: "FlyingFox"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
