import Foundation
import Testing
@testable import CVSearchCore

/// One line of `Fixtures/sample-queries.tsv` (copied from ../shared/eval).
struct SampleQuery: CustomStringConvertible, Sendable {
    var query: String
    var expect: String
    var entries: [String]
    var stage: String
    var description: String { "\(query) [\(expect)] \(entries.joined(separator: " | "))" }

    static func load(stage: String) -> [SampleQuery] {
        let text = try! String(contentsOf: TestSupport.fixtures.appendingPathComponent("sample-queries.tsv"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 4, columns[3] == stage else { return nil }
            return SampleQuery(query: columns[0], expect: columns[1],
                               entries: columns[2].isEmpty ? [] : columns[2].split(separator: "|").map(String.init),
                               stage: columns[3])
        }
    }

    /// Checks the expectation against hit titles; returns a failure message or nil.
    func check(_ titles: [String]) -> String? {
        func position(_ entry: String) -> Int? { titles.firstIndex { $0.contains(entry) } }
        switch expect {
        case "top1":
            return position(entries[0]) == 0 ? nil : "expected '\(entries[0])' first, got \(titles)"
        case "top2", "top3":
            let k = expect == "top2" ? 2 : 3
            let missing = entries.filter { (position($0) ?? 99) >= k }
            return missing.isEmpty ? nil : "expected \(missing) in the top \(k), got \(titles)"
        case "any":
            let missing = entries.filter { (position($0) ?? 99) >= 10 }
            return missing.isEmpty ? nil : "expected \(missing) in the top 10, got \(titles)"
        case "only":
            return titles.count == entries.count && entries.allSatisfy({ position($0) != nil })
                ? nil : "expected exactly \(entries), got \(titles)"
        case "none":
            return titles.isEmpty ? nil : "expected no hits, got \(titles)"
        default:
            return "unknown expectation \(expect)"
        }
    }
}

@Suite("Search")
struct SearchTests {
    @Test("sample queries (core)", arguments: SampleQuery.load(stage: "core"))
    func coreSampleQuery(_ sample: SampleQuery) throws {
        let titles = try TestSupport.titles(sample.query)
        let failure = sample.check(titles)
        #expect(failure == nil, "\(sample.query): \(failure ?? "")")
    }

    @Test func everyCoreLineIsLoaded() {
        #expect(SampleQuery.load(stage: "core").count == 24)
    }

    @Test func fullMatchesFirstThenPartialOnesMarked() throws {
        let response = try TestSupport.portfolio.search(SearchRequest(query: "RAG Qwen"))
        #expect(response.hits.first?.title.contains("Apple 自营店客服 RAG") == true)
        #expect(response.hits.first?.partial == false)
        let partial = response.hits.dropFirst()
        #expect(!partial.isEmpty && partial.allSatisfy(\.partial))
        #expect(partial.allSatisfy { $0.missingTerms == ["RAG"] || $0.missingTerms == ["Qwen"] })
        #expect(response.notes.contains { $0.contains("only 1 entry matches all") })
        #expect(response.estimatedTotalHits == response.hits.count)
    }

    @Test func noPartialsWhenFullMatchesFillThePage() throws {
        let response = try TestSupport.portfolio.search(SearchRequest(query: "模型", limit: 3))
        #expect(response.hits.count == 3 && response.hits.allSatisfy { !$0.partial })
        #expect(response.estimatedTotalHits > 3)
    }

    @Test func paginationWalksOneOrderedList() throws {
        let first = try TestSupport.portfolio.search(SearchRequest(query: "模型", limit: 2))
        let total = first.estimatedTotalHits
        #expect(total > 4)
        var paged: [String] = []
        for offset in stride(from: 0, to: total, by: 2) {
            let page = try TestSupport.portfolio.search(SearchRequest(query: "模型", limit: 2, offset: offset))
            #expect(page.estimatedTotalHits == total)
            paged += page.hits.map(\.id)
        }
        let all = try TestSupport.portfolio.search(SearchRequest(query: "模型", limit: total)).hits.map(\.id)
        #expect(paged == all)
        #expect(Set(paged).count == total)
    }

    @Test func highlightsAreCorrectForCJKPartsAndTraditional() throws {
        func formatted(_ query: String) throws -> SearchHit {
            try TestSupport.portfolio.search(SearchRequest(query: query)).hits[0]
        }
        #expect(try formatted("知识图谱").formatted.snippet.contains("品类<mark>知识图谱</mark>"))
        #expect(try formatted("知識圖譜").formatted.snippet.contains("<mark>知识图谱</mark>"))
        #expect(try formatted("Qwen2.5-7b").formatted.snippet.contains("<mark>Qwen2.5-7b</mark> 模型"))
        #expect(try TestSupport.portfolio.search(SearchRequest(query: "qwen")).hits[1].formatted.snippet
            .contains("<mark>Qwen</mark>2.5-7b"))
        #expect(try formatted("Qw").formatted.snippet.contains("<mark>Qwen</mark>1.5"))
        #expect(try formatted("stella").formatted.snippet.contains("<mark>stella</mark>-large"))
        #expect(try formatted("RAG Qwen").formatted.title == "Project 3.2: Apple 自营店客服 <mark>RAG</mark>")
        #expect(try formatted("Hive SQL").formatted.snippet.contains("<mark>Hive SQL</mark>"))
    }

    @Test func snippetsAreCutAtCharactersAndMarkedText() throws {
        for query in ["RAG", "模型", "数据", "Apple", "准确率", "Qwen2.5-7b"] {
            for hit in try TestSupport.portfolio.search(SearchRequest(query: query)).hits {
                let stripped = hit.formatted.snippet.replacingOccurrences(of: "<mark>", with: "")
                    .replacingOccurrences(of: "</mark>", with: "")
                #expect(stripped == Highlighter.escapeHTML(hit.snippet), "\(query): \(hit.id)")
                #expect(!hit.snippet.contains("\u{FFFD}"))
                #expect(Highlighter.columns(hit.snippet) <= 170)
            }
        }
    }

    @Test func formattedTextIsEscapedHTML() throws {
        let folder = TestSupport.temporaryFolder("html")
        try Data("---\ntitle: \"<script>alert(1)</script> RAG\"\n---\nuse <b>RAG</b> & more\n".utf8)
            .write(to: folder.appendingPathComponent("x.md"))
        let store = try IndexStore(path: folder.appendingPathComponent("i.db").path)
        try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        let hit = try SearchService(store: store).search(SearchRequest(query: "RAG")).hits[0]
        #expect(hit.formatted.title == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>RAG</mark>")
        #expect(hit.formatted.snippet == "use &lt;b&gt;<mark>RAG</mark>&lt;/b&gt; &amp; more")
    }

    @Test func typeFilterAndLimits() throws {
        let response = try TestSupport.portfolio.search(SearchRequest(query: "模型", types: ["patent"]))
        #expect(response.hits.map(\.type) == ["patent"])
        #expect(throws: QueryError.self) { try TestSupport.portfolio.search(SearchRequest(query: "x", limit: 0)) }
        #expect(throws: QueryError.self) { try TestSupport.portfolio.search(SearchRequest(query: "x", limit: 101)) }
        #expect(throws: QueryError.self) { try TestSupport.portfolio.search(SearchRequest(query: "x", types: ["nope"])) }
    }

    @Test func rankingIsDeterministic() throws {
        for query in ["模型", "RAG", "Tianhao Gao", "数据"] {
            let first = try TestSupport.titles(query)
            for _ in 0..<3 { #expect(try TestSupport.titles(query) == first) }
        }
    }

    /// Hostile queries: never a crash, never an SQLite error; a clear QueryError at most.
    static let hostileCases: [String] = [
        "\"", "*", "NEAR(", "-", ":", "'; DROP TABLE entry; --", "\"unbalanced", "NEAR(a b)", "title:", "^", "a OR",
        "OR", "AND", "NOT", "(", ")", "{title}:x", "rag*", "\"\"", "-\"\"", "- -", "💥🔥", "\u{0}\u{1}\u{7F}", "a\u{0}b",
        "\u{202E}RAG\u{202C}", "e\u{301}\u{301}\u{301}", String(repeating: "检索", count: 150),
        String(repeating: "x ", count: 500), "\"a\" \"b\" \"c", "type:", "tag:", "-type:project", "year:abc",
        "lang:zh", "foo:bar", "https://www.patentguru.com/cn/search?q=CN115759292A", "C++ C# .NET", "100%", "\\",
        "''", "%", "_", "🏳️‍🌈", "ｑｗｅｎ\u{3000}ＲＡＧ", "   ", "",
    ]

    @Test("hostile query", arguments: hostileCases)
    func hostileQuery(_ query: String) throws {
        do {
            let response = try TestSupport.portfolio.search(SearchRequest(query: query))
            #expect(response.hits.count <= 10)
        } catch let error as QueryError {
            #expect(!error.description.isEmpty)
        }
    }

    @Test func tooLongAndEmptyQueriesAreClearErrors() {
        #expect(throws: QueryError.tooLong(bytes: 10_000, limit: 1024)) {
            try TestSupport.portfolio.search(SearchRequest(query: String(repeating: "a", count: 10_000)))
        }
        #expect(throws: QueryError.empty) { try TestSupport.portfolio.search(SearchRequest(query: "  ")) }
        #expect(throws: QueryError.unknownField("foo")) { try TestSupport.portfolio.search(SearchRequest(query: "foo:bar")) }
    }

    @Test func concurrentSearchesAgree() async throws {
        let expected = try TestSupport.titles("RAG Qwen")
        try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<32 {
                group.addTask { try await TestSupport.portfolio.search(SearchRequest(query: "RAG Qwen")).hits.map(\.title) }
            }
            for try await titles in group { #expect(titles == expected) }
        }
    }
}

/// `cvsinfo` (what matched where) is fetched in one statement over a rowid range when the
/// returned rows lie close together, else row by row: both must give the same answers.
@Suite("Match info, near and far rowids")
struct MatchInfoPathTests {
    /// The portfolio indexed twice: compact (rowids 1…17), and spread (70 fillers indexed
    /// between every two entries, then removed, so the same entries lie 71 rowids apart).
    static let indexes: (compact: SearchService, spread: SearchService) = {
        let corpus = CorpusLoader.load(at: TestSupport.corpusPath)
        let compact = try! IndexStore(path: TestSupport.temporaryFolder("compact").appendingPathComponent("i.db").path)
        try! Indexer.index(corpus, into: compact)
        var padded = corpus
        padded.entries = corpus.entries.flatMap { entry in
            [entry] + (0..<70).map { n in
                Entry(id: "\(entry.id)-filler-\(n)", type: "project", title: "filler \(n)", tags: [], url: nil, lang: "en",
                      date: nil, firstYear: nil, lastYear: nil, body: "zzfiller \(n)", source: "filler")
            }
        }
        let spread = try! IndexStore(path: TestSupport.temporaryFolder("spread").appendingPathComponent("i.db").path)
        try! Indexer.index(padded, into: spread)
        try! Indexer.index(corpus, into: spread)
        return (SearchService(store: compact), SearchService(store: spread))
    }()

    @Test(arguments: ["RAG Qwen", "向量检索模型", "tagging model threshold", "模型", "customer service", "Qw", "知識圖譜"])
    func sameAnswers(_ query: String) throws {
        let request = SearchRequest(query: query, explain: true)
        var compact = try Self.indexes.compact.search(request)
        var spread = try Self.indexes.spread.search(request)
        compact.processingTimeMs = 0
        spread.processingTimeMs = 0
        #expect(!compact.hits.isEmpty)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(compact), as: UTF8.self) == String(decoding: try encoder.encode(spread), as: UTF8.self))
    }
}
