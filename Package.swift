// swift-tools-version:6.0
//
// The target graph is the architecture: every heavy dependency sits behind its own target, so a
// user of the hosted providers never links OpenBLAS and a user of the local runtime never links
// AsyncHTTPClient or Hummingbird.
//
//   EmbedCore ── the Embedder protocol and shared types; every library below depends on it
//   EmbedTokenizer ──────────────┐
//   COpenBLAS, CEmbedKernels ────┴─> EmbedLocal (the offline runtime)
//   EmbedLocal ─> EmbedGGUF (GGUF files, Ollama and LM Studio stores, converted to our model files)
//   EmbedConfiguration (mem0's shape) ─> EmbedProviders (hosted/local servers)
//   EmbedLocal + EmbedProviders ─> EmbedHub (Hub client, pull, installed models, locator)
//   EmbedCompare (statistics, reports); EmbedCache (the vector cache and its embedder)
//   EmbedJobs (encode jobs: JSON Lines in and out, resume; needs only EmbedCore)
//   EmbedLocal + EmbedProviders + EmbedHub + EmbedCompare + EmbedCache + EmbedConfiguration ─> EmbedKit (factory, benchmark)
//   EmbedServer (HTTP API, several models, drain; needs only EmbedCore)
//   EmbedKit + EmbedJobs + EmbedServer + EmbedGGUF + CEmbedBuild (release commit) ─> embed (the CLI)
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),  // SE-0335: spell `any` explicitly
]

let package = Package(
    name: "swift-embed",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "EmbedCore", targets: ["EmbedCore"]),
        .library(name: "EmbedConfiguration", targets: ["EmbedConfiguration"]),
        .library(name: "EmbedTokenizer", targets: ["EmbedTokenizer"]),
        .library(name: "EmbedLocal", targets: ["EmbedLocal"]),
        .library(name: "EmbedGGUF", targets: ["EmbedGGUF"]),
        .library(name: "EmbedProviders", targets: ["EmbedProviders"]),
        .library(name: "EmbedCompare", targets: ["EmbedCompare"]),
        .library(name: "EmbedCache", targets: ["EmbedCache"]),
        .library(name: "EmbedHub", targets: ["EmbedHub"]),
        .library(name: "EmbedJobs", targets: ["EmbedJobs"]),
        .library(name: "EmbedKit", targets: ["EmbedKit"]),
        .library(name: "EmbedServer", targets: ["EmbedServer"]),
        .executable(name: "embed", targets: ["embed"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapacke-dev"]), .brew(["openblas"])]
        ),
        // Attention, GELU and the few-row product, portable and AVX2 + FMA, chosen at run time
        // (see its header).
        .target(name: "CEmbedKernels"),
        // The commit a release binary was built from (see its header).
        .target(name: "CEmbedBuild"),

        // MARK: Libraries
        .target(name: "EmbedCore", swiftSettings: swiftSettings),
        // mem0-shaped embedder configuration (provider names, settings, environment fallbacks).
        .target(name: "EmbedConfiguration", dependencies: ["EmbedCore"], swiftSettings: swiftSettings),
        .target(name: "EmbedTokenizer", dependencies: ["EmbedCore"], swiftSettings: swiftSettings),
        .target(
            name: "EmbedLocal",
            dependencies: ["EmbedCore", "EmbedTokenizer", "COpenBLAS", "CEmbedKernels"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EmbedGGUF",
            dependencies: ["EmbedLocal", "EmbedTokenizer"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EmbedProviders",
            dependencies: [
                "EmbedCore", "EmbedConfiguration",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EmbedCompare",
            dependencies: ["EmbedCore"],
            swiftSettings: swiftSettings
        ),
        // The vector cache on disk and the embedder that answers from it.
        .target(
            name: "EmbedCache",
            dependencies: ["EmbedCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // The Hugging Face Hub (client, `embed pull`) and the models installed on this machine
        // (the locator, the listing).
        .target(
            name: "EmbedHub",
            dependencies: [
                "EmbedCore", "EmbedLocal", "EmbedTokenizer", "EmbedProviders",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Encode jobs: JSON Lines read and written in batches, a stopped run kept and resumed.
        .target(name: "EmbedJobs", dependencies: ["EmbedCore"], swiftSettings: swiftSettings),
        .target(
            name: "EmbedKit",
            dependencies: [
                "EmbedCore", "EmbedCache", "EmbedConfiguration", "EmbedHub", "EmbedLocal", "EmbedTokenizer", "EmbedProviders", "EmbedCompare",
                .product(name: "Yams", package: "Yams"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EmbedServer",
            dependencies: [
                "EmbedCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "embed",
            dependencies: [
                "CEmbedBuild", "EmbedCache", "EmbedCompare", "EmbedConfiguration", "EmbedCore", "EmbedGGUF", "EmbedJobs", "EmbedKit", "EmbedLocal", "EmbedServer", "EmbedTokenizer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        // zlib, through which EmbedTestSupport reads the gzip-compressed golden files.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "EmbedTestSupport",
            dependencies: ["EmbedCore", "CZlib"],
            path: "Sources/EmbedTestSupport",
            swiftSettings: swiftSettings
        ),
        // A loopback HTTP server for the tests of the clients (providers, Hub), and loopback
        // sockets that refuse or never answer, behind its own target so that only those tests
        // link Hummingbird.
        .target(
            name: "EmbedTestServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/EmbedTestServer",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedCoreTests",
            dependencies: ["EmbedCore", "EmbedTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedTokenizerTests",
            dependencies: ["EmbedTokenizer", "EmbedTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedLocalTests",
            dependencies: ["EmbedLocal", "CEmbedKernels", "EmbedTokenizer", "EmbedCore", "EmbedTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedGGUFTests",
            dependencies: ["EmbedGGUF", "EmbedLocal", "EmbedTokenizer", "EmbedCore", "EmbedCompare", "EmbedTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedProvidersTests",
            dependencies: [
                "EmbedProviders", "EmbedConfiguration", "EmbedCore", "EmbedTestSupport", "EmbedTestServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedCompareTests",
            dependencies: [
                "EmbedCompare", "EmbedCore", "EmbedLocal", "EmbedTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedCacheTests",
            dependencies: ["EmbedCache", "EmbedCore", "EmbedTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedJobsTests",
            dependencies: ["EmbedJobs", "EmbedCore", "EmbedTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedKitTests",
            dependencies: [
                "EmbedKit", "EmbedCache", "EmbedConfiguration", "EmbedCore", "EmbedHub", "EmbedLocal", "EmbedCompare", "EmbedTestSupport", "EmbedTestServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedServerTests",
            dependencies: [
                "EmbedServer", "EmbedCore", "EmbedLocal", "EmbedTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbedCLITests",
            dependencies: [
                "embed", "EmbedTestSupport", "EmbedCore", "EmbedTestServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
