import ArgumentParser
import CVSearchCore
import Foundation
import GRDB

/// Benchmarks, separate from the tests: run in release mode and report ratios measured in the
/// same run. `swift run -c release cvsearch-bench --help`.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvsearch-bench",
        abstract: "cvsearch benchmarks (run with -c release).",
        subcommands: [Latency.self, TokenizerSpeed.self, BuildSpeed.self, CLIWallTime.self, ServerMemory.self, SQLProbe.self, SearchTrace.self]
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

    @Option(help: "Hits per search.")
    var limit = 10

    @Flag(name: .customLong("no-prefix"), help: "Do not match the last term as a prefix (as `cvsearch --no-prefix`).")
    var noPrefix = false

    @Flag(help: "Also measure FTS5 unicode61 (ids only, bm25) on the same entries and queries.")
    var baseline = false

    func run() throws {
        let path = index ?? temporaryPath("latency.db")
        let loaded = try loadCorpus(corpus)
        let store = try IndexStore(path: path)
        let buildTime = try seconds { try Indexer.index(loaded, into: store) }
        let service = SearchService(store: store)
        let list = try queries.flatMap(Self.load)
        let (times, zero, perQuery) = try Self.time(list, rounds) { query in
            (try? service.search(SearchRequest(query: query, limit: limit, prefix: !noPrefix)))?.hits.count ?? 0
        }
        print("corpus \(corpus): \(loaded.entries.count) entries, indexed in \(String(format: "%.2f", buildTime)) s; "
              + "\(list.count) queries x \(rounds) rounds = \(times.count) searches (top 10 with snippets); \(zero) queries without hits")
        print("cvsearch latency ms: p50 \(format(percentile(times, 0.5))), p90 \(format(percentile(times, 0.9))), "
              + "p99 \(format(percentile(times, 0.99))), max \(format(times.max() ?? 0))")
        let slowest = perQuery.map { ($0.key, percentile($0.value, 0.5)) }.sorted { $0.1 > $1.1 }.prefix(5)
        print("slowest queries (median ms): " + slowest.map { "\($0.0) \(format($0.1))" }.joined(separator: "; "))
        if baseline {
            let basePath = temporaryPath("u61.db")
            let u61 = try Unicode61Index(loaded, path: basePath)
            let base = try u61.queue.read { db in try Self.time(list, rounds) { try Unicode61Index.search($0, db).count } }
            // The floor: FTS5 itself ranking the same quoted terms on cvsearch's index (bigram
            // phrases for Chinese), ids only: what any query on this index costs before snippets.
            let floor = try store.pool.read { db in try Self.time(list, rounds) { try Unicode61Index.search($0, db).count } }
            print("unicode61 latency ms (ids only): p50 \(format(percentile(base.times, 0.5))), "
                  + "p99 \(format(percentile(base.times, 0.99))); \(base.zero) queries without hits")
            print("FTS5 bm25 on the cvsearch index (ids only): p50 \(format(percentile(floor.times, 0.5))), "
                  + "p99 \(format(percentile(floor.times, 0.99))); \(floor.zero) queries without hits")
            print("ratio cvsearch/unicode61: p50 \(String(format: "%.2f", percentile(times, 0.5) / percentile(base.times, 0.5)))x, "
                  + "p99 \(String(format: "%.2f", percentile(times, 0.99) / percentile(base.times, 0.99)))x; "
                  + "cvsearch/FTS5 floor: p50 \(String(format: "%.2f", percentile(times, 0.5) / percentile(floor.times, 0.5)))x, "
                  + "p99 \(String(format: "%.2f", percentile(times, 0.99) / percentile(floor.times, 0.99)))x")
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: basePath + suffix) }
        }
        if index == nil {
            for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
    }

    /// Latencies (ms) of `search` (which returns a hit count) over the list, after a warm-up
    /// round: all of them, how many queries found nothing, and each query's.
    static func time(
        _ list: [String], _ rounds: Int, _ search: (String) throws -> Int
    ) throws -> (times: [Double], zero: Int, perQuery: [String: [Double]]) {
        for query in list { _ = try search(query) }
        var times: [Double] = []
        var perQuery: [String: [Double]] = [:]
        var zero = 0
        for round in 0..<rounds {
            for query in list {
                var hits = 0
                let ms = try seconds { hits = try search(query) } * 1000
                times.append(ms)
                perQuery[query, default: []].append(ms)
                if round == 0 && hits == 0 { zero += 1 }
            }
        }
        return (times, zero, perQuery)
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
