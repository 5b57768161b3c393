// swift-tools-version:6.1
import PackageDescription

/// cvsearch: bilingual (Chinese + English) full-text search over a portfolio corpus.
///
/// Layers, bottom up:
/// - `ICUSystem` (system library) and `CICU` (a small C shim over ICU's word break,
///   normalization and transliteration, with no ICU types in its public header, so Swift
///   modules that import it can also import Foundation).
/// - `CFTS5`: C helpers over FTS5's API: the ranking functions (`cvsrank`, `cvsinfo`) and
///   access to FTS5's own porter stemmer.
/// - `CVSearchCore`: analyzer/tokenizer, corpus loader, index, and the one search API.
/// - `CVSearchHTTP`: the Hummingbird server over the same search API.
/// - `cvsearch`: the command-line tool (search, index, serve).
let strictSwift: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "cvsearch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cvsearch", targets: ["cvsearch"]),
        .library(name: "CVSearchCore", targets: ["CVSearchCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "ICUSystem",
            pkgConfig: "icu-i18n",
            providers: [.apt(["libicu-dev"])]
        ),
        .target(
            name: "CICU",
            dependencies: ["ICUSystem"],
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [
                .linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata"),
            ]
        ),
        .target(
            name: "CFTS5",
            dependencies: [.product(name: "GRDBSQLite", package: "GRDB.swift")],
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        .target(
            name: "CVSearchCore",
            dependencies: [
                "CICU",
                "CFTS5",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .target(
            name: "CVSearchHTTP",
            dependencies: [
                "CVSearchCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "cvsearch",
            dependencies: [
                "CVSearchCore",
                "CVSearchHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwift
        ),
        .executableTarget(
            name: "cvsearch-bench",
            dependencies: [
                "CVSearchCore",
                "CICU",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSwift
        ),
        // libFuzzer targets (scripts/fuzz.sh builds them with -DFUZZING -sanitize=fuzzer,address);
        // a normal build makes them replay tools: fuzz-query FILE… checks each file once.
        .executableTarget(name: "fuzz-tokenizer", dependencies: ["CVSearchCore"], swiftSettings: strictSwift),
        .executableTarget(name: "fuzz-query", dependencies: ["CVSearchCore"], swiftSettings: strictSwift),
        .executableTarget(name: "fuzz-corpus", dependencies: ["CVSearchCore"], swiftSettings: strictSwift),
        .testTarget(
            name: "CVSearchCoreTests",
            dependencies: ["CVSearchCore", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "CVSearchHTTPTests",
            dependencies: [
                "CVSearchHTTP", "CVSearchCore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwift
        ),
        .testTarget(
            name: "cvsearchTests",
            dependencies: ["cvsearch"],
            swiftSettings: strictSwift
        ),
    ]
)
