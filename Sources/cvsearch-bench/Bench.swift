import ArgumentParser
import CVSearchCore
import Foundation

/// Benchmarks, separate from the tests: run in release mode and report ratios measured in the
/// same run. `swift run -c release cvsearch-bench --help`.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvsearch-bench",
        abstract: "cvsearch benchmarks (run with -c release).",
        subcommands: [Latency.self]
    )
}

/// Percentiles of a sample, nearest-rank.
func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))]
}

func format(_ ms: Double) -> String { String(format: "%.3f", ms) }

/// Warm query latency, in process, top 10 with snippets.
struct Latency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Warm in-process query latency (p50/p99, top 10 with snippets) for a query list.")

    @Option(help: "The corpus to index (a folder, a Markdown file or a JSON Lines file).")
    var corpus = "corpus"

    @Option(help: "Where to build the index (default: a temporary file).")
    var index: String?

    @Option(help: ArgumentHelp(
        "Query files (repeatable).",
        discussion: "One query per line, or TSV: sample-queries.tsv (query first) or quality-queries.tsv (query second)."))
    var queries: [String] = ["Tests/CVSearchCoreTests/Fixtures/sample-queries.tsv",
                             "Tests/CVSearchCoreTests/Fixtures/quality-queries.tsv"]

    @Option(help: "Rounds over the query list (after one warm-up round).")
    var rounds = 20

    func run() throws {
        let path = index ?? FileManager.default.temporaryDirectory.appendingPathComponent("cvsearch-bench-\(UUID()).db").path
        let loaded = CorpusLoader.load(at: corpus)
        guard loaded.errors.isEmpty else { throw IndexError.corpus(loaded.problems) }
        let store = try IndexStore(path: path)
        try Indexer.index(loaded, into: store)
        let service = SearchService(store: store)
        let list = try queries.flatMap(Self.load)
        for query in list { _ = try? service.search(SearchRequest(query: query)) }  // warm-up
        var times: [Double] = []
        var perQuery: [String: [Double]] = [:]
        for _ in 0..<rounds {
            for query in list {
                let start = ContinuousClock.now
                _ = try? service.search(SearchRequest(query: query))
                let elapsed = ContinuousClock.now - start
                let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
                times.append(ms)
                perQuery[query, default: []].append(ms)
            }
        }
        print("corpus \(corpus): \(loaded.entries.count) entries; \(list.count) queries x \(rounds) rounds = \(times.count) searches")
        print("latency ms: p50 \(format(percentile(times, 0.5))), p90 \(format(percentile(times, 0.9))), "
              + "p99 \(format(percentile(times, 0.99))), max \(format(times.max() ?? 0))")
        let slowest = perQuery.map { ($0.key, percentile($0.value, 0.5)) }.sorted { $0.1 > $1.1 }.prefix(5)
        print("slowest queries (median ms): " + slowest.map { "\($0.0) \(format($0.1))" }.joined(separator: "; "))
        if index == nil { try? FileManager.default.removeItem(atPath: path) }
    }

    static func load(_ file: String) throws -> [String] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> String? in
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            if columns.count == 1 { return String(columns[0]) }
            if columns.count == 3 { return String(columns[1]) }  // category, query, relevant
            return String(columns[0])  // query, expect, entries, stage
        }
    }
}
