import ArgumentParser
import CVSearchCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `cvsearch-bench cli`: wall time of `cvsearch QUERY` from process start to exit.
struct CLIWallTime: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cli", abstract: "Wall time of one CLI search, process start to exit (index already built).")

    @Option(help: "The cvsearch binary (build it with -c release).")
    var binary = ".build/release/cvsearch"

    @Option(help: "The corpus folder.")
    var corpus = "corpus"

    @Option(help: "Runs (after two warm-up runs).")
    var runs = 30

    @Argument(help: "The query.")
    var query = "RAG Qwen"

    func run() throws {
        let index = temporaryPath("cli.db")
        let arguments = ["--index", index, "--corpus", corpus, query]
        _ = try launch(arguments)  // builds the index
        _ = try launch(arguments)
        var times: [Double] = []
        for _ in 0..<runs { times.append(try launch(arguments) * 1000) }
        print("cvsearch \"\(query)\" on \(corpus), \(runs) runs: wall ms p50 \(format(percentile(times, 0.5))), "
              + "min \(format(times.min() ?? 0)), max \(format(times.max() ?? 0))")
        for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: index + suffix) }
    }

    private func launch(_ arguments: [String]) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let start = ContinuousClock.now
        try process.run()
        process.waitUntilExit()
        let d = ContinuousClock.now - start
        guard process.terminationStatus <= 1 else { throw ExitCode(process.terminationStatus) }
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// `cvsearch-bench server-rss`: resident memory of `cvsearch serve` after a query round.
struct ServerMemory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server-rss", abstract: "Resident memory of cvsearch serve over a corpus, idle and after serving the queries.")

    @Option(help: "The cvsearch binary (build it with -c release).")
    var binary = ".build/release/cvsearch"

    @Option(help: "The corpus (a folder, a Markdown file or a JSON Lines file).")
    var corpus = "bench-data/manzh-10x.jsonl"

    @Option(help: "The query list.")
    var queries = "scripts/bench-queries.txt"

    @Option(help: "Rounds over the queries.")
    var rounds = 5

    func run() async throws {
        let index = temporaryPath("rss.db")
        try Indexer.index(loadCorpus(corpus), into: IndexStore(path: index))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "0", "--index", index, "--log-level", "notice"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
            for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: index + suffix) }
        }
        var log = ""
        var port = 0
        while port == 0 {
            log += String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            if let range = log.range(of: "serving http://127.0.0.1:") {
                port = Int(log[range.upperBound...].prefix(while: \.isNumber)) ?? 0
            }
        }
        let idle = memory(process.processIdentifier)
        let list = try Latency.load(queries)
        for _ in 0..<rounds {
            for query in list {
                var components = URLComponents(string: "http://127.0.0.1:\(port)/search")!
                components.queryItems = [URLQueryItem(name: "q", value: query)]
                _ = try await URLSession.shared.data(from: components.url!)
            }
        }
        let busy = memory(process.processIdentifier)
        print("cvsearch serve over \(corpus): RSS idle \(idle.rss / 1024) MB; after \(rounds * list.count) searches "
              + "\(busy.rss / 1024) MB (peak \(busy.peak / 1024) MB)")
    }

    /// VmRSS and VmHWM of a process, in kB.
    private func memory(_ pid: Int32) -> (rss: Int, peak: Int) {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") ?? 0
        }
        return (field("VmRSS"), field("VmHWM"))
    }
}
