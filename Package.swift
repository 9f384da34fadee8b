// swift-tools-version:6.0
import PackageDescription

// Layout: C system libraries (Debian packages) at the bottom, one small library per job above
// them, thin executables on top. The Lambda handlers (next issue) link FunkoAPI and below only.
let package = Package(
    name: "FunkoPrice",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "funko", targets: ["funko"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CXGBoost", path: "Sources/CXGBoost"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // Domain and API types, dates, vocabularies, progress: no I/O besides stderr.
        .target(name: "FunkoCore"),
        // Catalog and sales persistence behind the `Store` protocol; migrations.
        .target(name: "FunkoStore", dependencies: ["FunkoCore", "CSQLite"]),
        // Sample-market generator and CSV import.
        .target(name: "FunkoData", dependencies: ["FunkoCore", "FunkoStore"]),
        // Point-in-time features: the one implementation for training and serving rows.
        .target(name: "FunkoFeatures", dependencies: ["FunkoCore"]),
        // XGBoost training, evaluation, intervals and SageMaker-compatible artifacts.
        .target(name: "FunkoModel", dependencies: ["FunkoCore", "FunkoFeatures", "CXGBoost", "CZlib"]),
        // Request validation and the predict/history/status operations shared by CLI and Lambdas.
        .target(name: "FunkoAPI", dependencies: ["FunkoCore", "FunkoStore", "FunkoFeatures", "FunkoModel"]),
        .executableTarget(
            name: "funko",
            dependencies: [
                "FunkoCore", "FunkoStore", "FunkoData", "FunkoFeatures", "FunkoModel", "FunkoAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmark driver for scripts/bench (not shipped).
        .executableTarget(
            name: "funko-bench",
            dependencies: [
                "FunkoCore", "FunkoData", "FunkoFeatures", "FunkoModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "FunkoTests",
            dependencies: ["FunkoCore", "FunkoStore", "FunkoData", "FunkoFeatures", "FunkoModel", "FunkoAPI"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
