// swift-tools-version: 6.1
// Benchmarks live in their own package so the service and CI never build the benchmark tools.
// Run: cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder, whatever the clone is called.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "hotline-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // The same Hummingbird as the service, for BareServer (the ceiling in scripts/load.sh).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .executableTarget(
            name: "TextBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HotlineCore", package: root),
            ],
            path: "Benchmarks/TextBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TriageBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "HotlineCore", package: root),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Benchmarks/TriageBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TriageProfile",
            dependencies: [.product(name: "HotlineCore", package: root), .product(name: "Yams", package: "Yams")],
            path: "TriageProfile"),
        .executableTarget(
            name: "TextProfile", dependencies: [.product(name: "HotlineCore", package: root)], path: "TextProfile"),
        // A bare Hummingbird route returning a constant: what this machine serves with no work
        // behind the route. scripts/load.sh runs it after the service, with the same wrk load.
        .executableTarget(
            name: "BareServer", dependencies: [.product(name: "Hummingbird", package: "hummingbird")], path: "BareServer"),
    ],
    swiftLanguageModes: [.v6]
)
