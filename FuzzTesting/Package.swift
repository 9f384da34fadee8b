// swift-tools-version:6.0
import PackageDescription

// The fuzzer: one libFuzzer executable over the entry points in the main package's
// FunkoFuzzEntryPoints, built with `-sanitize=fuzzer,address` (scripts/fuzz).
// A package of its own so that those flags never reach the main package's ordinary build.
//
// SwiftPM names a path dependency after its folder, which differs between checkouts (a worktree,
// a CI clone), so the product's package is that folder's name.
let root = Context.packageDirectory.split(separator: "/").dropLast().last.map(String.init) ?? "FunkoPrice"

let package = Package(
    name: "FunkoFuzzTesting",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "..")],
    targets: [
        // LLVMFuzzerRunDriver's declaration (the toolchain's libFuzzer provides the code).
        .systemLibrary(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .executableTarget(
            name: "funko-fuzz",
            dependencies: ["CLibFuzzer", .product(name: "FunkoFuzzEntryPoints", package: root)]
        ),
    ],
    swiftLanguageModes: [.v6]
)
