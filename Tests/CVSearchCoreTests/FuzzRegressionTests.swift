import Foundation
import Testing
@testable import CVSearchCore

/// The fuzz targets' properties (``FuzzChecks``) on the fuzzers' seeds (`Fuzz/seeds/<target>/`)
/// and on every input that once broke one (`Fixtures/fuzz-regressions/<target>/`): a crash found
/// by `scripts/fuzz.sh` becomes a test by copying its file there.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    struct Input: Sendable, CustomTestStringConvertible {
        var target: FuzzChecks.Target
        var path: String
        var testDescription: String {
            "\(target.rawValue): " + path.replacingOccurrences(of: TestSupport.root.path + "/", with: "")
        }
    }

    static let seeds = TestSupport.root.appendingPathComponent("Fuzz/seeds")
    static let regressions = TestSupport.fixtures.appendingPathComponent("fuzz-regressions")

    static func inputs(under folder: URL) -> [Input] {
        FuzzChecks.Target.allCases.flatMap { target in
            let path = folder.appendingPathComponent(target.rawValue).path
            guard FileManager.default.fileExists(atPath: path) else { return [Input]() }
            return FuzzChecks.inputFiles([path]).map { Input(target: target, path: $0) }
        }
    }

    @Test("seed", arguments: inputs(under: seeds))
    func seed(_ input: Input) throws {
        try replay(input)
    }

    @Test("regression", arguments: inputs(under: regressions))
    func regression(_ input: Input) throws {
        try replay(input)
    }

    @Test func everyTargetHasSeeds() {
        let targets = Set(Self.inputs(under: Self.seeds).map(\.target))
        #expect(targets == Set(FuzzChecks.Target.allCases))
    }

    private func replay(_ input: Input) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: input.path))
        let found = FuzzChecks.violations(input.target, [UInt8](data))
        #expect(found.isEmpty, "\(input.testDescription):\n\(found.joined(separator: "\n"))")
    }
}

/// The bugs the fuzzers found, as plain examples.
@Suite("Fuzz findings")
struct FuzzFindingTests {
    let analyzer = try! Analyzer()

    /// A query Han run of n characters is n - 1 bigrams but n document positions: in a phrase,
    /// what follows it must still line up (`"自营店客服 RAG"` found nothing).
    @Test func hanRunFollowedByAWordInAPhrase() throws {
        #expect(analyzer.tokens("模型 SFT", mode: .query).filter { !$0.colocated }.map(\.text) == ["模型", "型", "sft"])
        #expect(analyzer.tokens("知识图谱", mode: .query).filter { !$0.colocated }.map(\.text) == ["知识", "识图", "图谱"])
        #expect(try TestSupport.matches("内衣类目完成 Qwen2.5-7b 模型 SFT,业务", "模型 SFT"))
        #expect(try TestSupport.matches("模型SFT", "模型SFT"))
        #expect(try TestSupport.matches("知识图谱，RAG", "知识图谱，RAG"))
        #expect(try !TestSupport.matches("模型 X SFT", "模型 SFT"))
        #expect(try TestSupport.titles("\"自营店客服 RAG\"").first == "Project 3.2: Apple 自营店客服 RAG")
    }

    /// A `"` followed by a combining mark is one Character: the query parser keeps it in the term,
    /// and quoting must still double it for FTS5 (it was an SQLite syntax error, shown as a
    /// damaged index).
    @Test func quoteWithACombiningMarkStaysQuoted() throws {
        #expect(Alternative(text: "a\"\u{301}b").fts == "\"a\"\"\u{301}b\"")
        for query in ["\"\u{730}", "a\"\u{301}b", "RAG \"\u{301}Qwen", "-\"\u{301}x", "tag:\"\u{301}x"] {
            do {
                _ = try TestSupport.portfolio.search(SearchRequest(query: query))
            } catch let error as QueryError {
                Issue.record("\(query.debugDescription): \(error)")
            }
        }
    }

    /// A word that folds away (U+FFA0 HALFWIDTH HANGUL FILLER) is no token, so no checkpoint position.
    @Test func checkpointsSkipWordsThatFoldAway() {
        let text = "\u{FFA0} RAG \u{3164} 模型"
        let starts = analyzer.tokens(text, bigrams: false).filter { !$0.colocated }.map { UInt32($0.start) }
        #expect(starts == [4, 12, 15])
        #expect(analyzer.positionCheckpoints(text, every: 1) == starts)
    }

    /// libyaml reports an error at the end of a text without a final line break one line past it.
    @Test func glossaryProblemsStayInTheFile() {
        #expect(Glossary.parse("[", file: "glossary.yaml").1.map(\.line) == [1])
        #expect(Glossary.parse("---\n#lie [JD", file: "glossary.yaml").1.map(\.line) == [2])
    }

    /// A section under an empty heading (`##`, `# \u{B}`) is titled by an enclosing heading, else the file name.
    @Test func sectionsUnderEmptyHeadingsHaveTitles() {
        let options = CorpusOptions(headingLevels: [1, 2, 3])
        for text in ["#\n##", "# \u{B}", "# Papers\n##\ntext"] {
            let (entries, problems) = CorpusLoader.parseFile(Data(text.utf8), file: "page.md", defaultID: "page", options: options)
            #expect(problems.isEmpty)
            #expect(!entries.isEmpty && entries.allSatisfy { !$0.title.isEmpty }, "\(text.debugDescription): \(entries.map(\.title))")
        }
        let (entries, _) = CorpusLoader.parseFile(Data("# Papers\n##\ntext".utf8), file: "page.md", defaultID: "page", options: options)
        #expect(entries.map(\.title) == ["Papers"])
    }
}
