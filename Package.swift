// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "hotline-gateway",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hotline", targets: ["HotlineCLI"]),
        // For Benchmarks/, which builds as its own package so CI does not build the benchmark tools.
        .library(name: "HotlineCore", targets: ["HotlineCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        // Pure domain: text, phone numbers, flows, the conversation engine. Foundation only.
        .target(name: "HotlineCore"),
        // One adapter per gateway kind, working on plain request values.
        .target(name: "Gateways", dependencies: ["HotlineCore", .product(name: "Crypto", package: "swift-crypto")]),
        // What the service persists, and the SQLite implementation.
        .target(
            name: "Storage",
            dependencies: [
                "HotlineCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Outbox workers: the signed 111 webhook, outbound SMS, the acknowledgement ladder.
        // (Not named `Dispatch`: that is the system's libdispatch module.)
        .target(
            name: "HotlineDispatch",
            dependencies: [
                "HotlineCore", "Gateways", "Storage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "HotlineServer",
            dependencies: [
                "HotlineCore", "Gateways", "Storage", "HotlineDispatch",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The console's templates and its JavaScript and CSS, as plain files.
            resources: [.copy("Console/Resources")]
        ),
        .executableTarget(
            name: "HotlineCLI",
            dependencies: [
                "HotlineServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "HotlineCoreTests", dependencies: ["HotlineCore"]),
        .testTarget(
            name: "GatewaysTests", dependencies: ["Gateways", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "HotlineServerTests",
            dependencies: [
                "HotlineServer", "Storage", "HotlineDispatch",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
