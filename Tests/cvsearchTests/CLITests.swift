import Foundation
import Testing

/// The `cvsearch` binary, run as a process the way a user or cron runs it.
struct CLI {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cvsearch")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return root.appendingPathComponent(".build/debug/cvsearch")
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `cvsearch arguments…` in `directory` with extra environment variables.
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = nil
        env["CVSEARCH_INDEX"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs one of the Python test scripts (`Tests/Browser`, `Tests/Contract`) against the
    /// `cvsearch` binary and the repository's corpus: its exit status and its output (both streams).
    static func python(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent(script).path, "--binary", binary.path,
                             "--corpus", root.appendingPathComponent("corpus").path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// A folder with a copy of the repository's corpus and no index: a fresh clone.
    static func freshCheckout() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cvsearch-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: root.appendingPathComponent("corpus"), to: folder.appendingPathComponent("corpus"))
        return folder
    }
}

@Suite("CLI", .serialized)
struct CLITests {
    @Test func searchFromAFreshCheckoutBuildsTheIndex() throws {
        let folder = try CLI.freshCheckout()
        let result = try CLI.run(["RAG Qwen"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("indexed 17 entries: 17 added"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("index/cvsearch.db").path))
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("note: only 1 entry matches all") == true)
        #expect(lines.contains { $0.hasPrefix("note: also searched: Qwen → Tongyi Qianwen") })
        #expect(lines.first { $0.hasPrefix("1. ") }?.hasPrefix("1. Project 3.2: Apple 自营店客服 RAG  [project]  /#project-3-2") == true)
        #expect(result.stdout.contains("(partial: no Qwen)"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour when piped")
        // The second run reuses the index silently.
        let again = try CLI.run(["RAG", "Qwen"], in: folder)
        #expect(again.status == 0 && again.stderr.isEmpty)
        #expect(again.stdout.split(separator: "\n").dropLast() == lines.dropLast())
        #expect(lines.last?.hasPrefix("1-3 of 3 hits in ") == true)
    }

    @Test func jsonOutput() throws {
        let folder = try CLI.freshCheckout()
        let result = try CLI.run(["--json", "--limit", "2", "知识图谱"], in: folder)
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(Set(object.keys).isSuperset(of: ["query", "processingTimeMs", "limit", "offset", "estimatedTotalHits", "hits"]))
        #expect(object["query"] as? String == "知识图谱" && object["limit"] as? Int == 2)
        let hits = object["hits"] as! [[String: Any]]
        #expect(hits.count >= 1)
        let hit = hits[0]
        #expect(Set(hit.keys).isSuperset(of: ["id", "type", "title", "url", "lang", "tags", "snippet", "score", "_formatted"]))
        #expect(hit["title"] as? String == "Project 4: 商品理解大模型")
        let formatted = hit["_formatted"] as! [String: String]
        #expect(formatted["snippet"]!.contains("<mark>知识图谱</mark>"))
    }

    @Test func exitStatuses() throws {
        let folder = try CLI.freshCheckout()
        #expect(try CLI.run(["xyzzy"], in: folder).status == 1)
        let unknown = try CLI.run(["foo:bar"], in: folder)
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown filter 'foo:'"))
        #expect(try CLI.run(["--limit", "0", "RAG"], in: folder).status == 2)
        #expect(try CLI.run(["--bogus-option"], in: folder).status == 2)
        #expect(try CLI.run([], in: folder).status == 2)
        let long = try CLI.run([String(repeating: "检索", count: 2000)], in: folder)
        #expect(long.status == 2 && long.stderr.contains("too long"))
        #expect(try CLI.run(["--help"], in: folder).status == 0)
        let nothing = try CLI.run(["RAG"], in: FileManager.default.temporaryDirectory.appendingPathComponent("cvsearch-empty-\(UUID())").creatingFolder())
        #expect(nothing.status == 2 && nothing.stderr.contains("no index at index/cvsearch.db"))
    }

    @Test func indexCommandIsQuietWhenNothingChanged() throws {
        let folder = try CLI.freshCheckout()
        let first = try CLI.run(["index"], in: folder)
        #expect(first.status == 0 && first.stdout.hasPrefix("indexed 17 entries: 17 added, 0 updated, 0 removed, 0 unchanged, glossary updated in "))
        let second = try CLI.run(["index"], in: folder)
        #expect(second.status == 0 && second.stdout.isEmpty && second.stderr.isEmpty)
        let verbose = try CLI.run(["index", "--verbose"], in: folder)
        #expect(verbose.stdout.contains("17 unchanged"))
        let custom = try CLI.run(["index", "--index", "elsewhere/x.db"], in: folder)
        #expect(custom.status == 0 && FileManager.default.fileExists(atPath: folder.appendingPathComponent("elsewhere/x.db").path))
        let fromEnvironment = try CLI.run(["RAG"], in: folder, environment: ["CVSEARCH_INDEX": "elsewhere/x.db"])
        #expect(fromEnvironment.status == 0 && fromEnvironment.stderr.isEmpty)
    }

    /// An index built from another corpus is searched as it is: a search without `--corpus`
    /// must not refill it from `corpus/` (it once replaced a 7 460-page index by the 17 entries).
    @Test func anIndexOfAnotherCorpusIsNotRefilledFromTheDefaultOne() throws {
        let folder = try CLI.freshCheckout()
        let other = folder.appendingPathComponent("other.jsonl")
        try Data(#"{"id": "tar", "title": "tar 压缩归档", "type": "project", "body": "tar 命令压缩文件"}"#.utf8).write(to: other)
        let built = try CLI.run(["index", "--corpus", "other.jsonl", "--index", "other.db"], in: folder)
        #expect(built.status == 0, "\(built.stderr)")
        let search = try CLI.run(["--index", "other.db", "--json", "压缩"], in: folder)
        #expect(search.status == 0 && search.stderr.isEmpty, "\(search.stderr)")
        #expect(search.stdout.contains("\"title\":\"tar 压缩归档\""))
        #expect(try CLI.run(["--index", "other.db", "RAG"], in: folder).status == 1)
        // Naming the corpus re-indexes from it, as asked.
        let switched = try CLI.run(["--index", "other.db", "--corpus", "corpus", "RAG"], in: folder)
        #expect(switched.status == 0 && switched.stderr.contains("17 added") && switched.stderr.contains("1 removed"))
        // And an index built from the default corpus still follows it.
        try Data("---\ntitle: Vector search notes\n---\nFAISS and HNSW\n".utf8)
            .write(to: folder.appendingPathComponent("corpus/projects/faiss.md"))
        let followed = try CLI.run(["--index", "other.db", "HNSW"], in: folder)
        #expect(followed.status == 0 && followed.stderr.contains("1 added"), "\(followed.stderr)")
    }

    /// A homepage imported with `--base-url` and `--heading-levels`, then edited: the search
    /// that brings the index up to date imports it the same way (the index records how).
    @Test func refreshingAnImportedHomepageKeepsItsOptions() throws {
        let folder = try CLI.freshCheckout()
        let page = folder.appendingPathComponent("index.md")
        try FileManager.default.copyItem(
            at: CLI.root.appendingPathComponent("Tests/CVSearchCoreTests/Fixtures/homepage/index.md"), to: page)
        let built = try CLI.run(["index", "--corpus", "index.md", "--index", "site.db", "--base-url", "https://example.com/",
                                 "--heading-levels", "1,2"], in: folder)
        #expect(built.status == 0, "\(built.stderr)")
        let handle = try FileHandle(forWritingTo: page)
        handle.seekToEndOfFile()
        handle.write(Data("\n## Fresh Section\n\nfreshmarker text\n\n### Deeper\n\nfreshmarker deeper\n".utf8))
        try handle.close()
        let search = try CLI.run(["--corpus", "index.md", "--index", "site.db", "--json", "freshmarker"], in: folder)
        #expect(search.status == 0 && search.stderr.contains("1 added"), "\(search.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as! [String: Any]
        let hits = object["hits"] as! [[String: Any]]
        // Levels 1 and 2: `### Deeper` stays in its section's text; the URL has the base.
        #expect(hits.map { $0["url"] as? String } == ["https://example.com/#fresh-section"])
    }

    @Test func brokenCorpusIsReportedAndTheIndexKept() throws {
        let folder = try CLI.freshCheckout()
        #expect(try CLI.run(["index"], in: folder).status == 0)
        try Data("---\ntitle: [oops\n---\n".utf8).write(to: folder.appendingPathComponent("corpus/projects/broken.md"))
        let result = try CLI.run(["index"], in: folder)
        #expect(result.status == 2)
        #expect(result.stderr.contains("corpus/projects/broken.md:"), "\(result.stderr)")
        #expect(result.stderr.contains("error: bad YAML front matter"))
        // Searching still works, on the previous index, with a warning.
        let search = try CLI.run(["RAG"], in: folder)
        #expect(search.status == 0 && search.stderr.contains("searching the previous index"))
    }

    @Test func typeOptionAndOffset() throws {
        let folder = try CLI.freshCheckout()
        let result = try CLI.run(["--type", "education", "--no-prefix", "University"], in: folder)
        #expect(result.status == 0)
        #expect(result.stdout.components(separatedBy: "[education]").count - 1 == 2)
        let page2 = try CLI.run(["--offset", "1", "--limit", "1", "University"], in: folder)
        #expect(page2.stdout.hasPrefix("2. "))
    }
}

extension URL {
    func creatingFolder() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}
