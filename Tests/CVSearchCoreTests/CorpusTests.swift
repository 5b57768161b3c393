import Foundation
import Testing
@testable import CVSearchCore

@Suite("Corpus")
struct CorpusTests {
    @Test func repositoryCorpusLoadsCleanly() {
        let corpus = CorpusLoader.load(at: TestSupport.corpusPath)
        #expect(corpus.problems.isEmpty, "\(corpus.problems)")
        #expect(corpus.entries.count == 17)
        let types = Dictionary(grouping: corpus.entries, by: \.type).mapValues(\.count)
        #expect(types == ["profile": 1, "experience": 1, "education": 2, "publication": 3, "preprint": 1, "patent": 2, "project": 7])
        #expect(Set(corpus.entries.map(\.id)).count == 17)
        #expect(corpus.entries.allSatisfy { $0.url != nil && !$0.title.isEmpty })
    }

    /// Every line of text of the seed is in some entry (title, tags or body), word for word.
    @Test func noTextOfTheSeedIsDropped() throws {
        let seed = try String(contentsOf: TestSupport.fixtures.appendingPathComponent("portfolio.txt"), encoding: .utf8)
        let corpus = CorpusLoader.load(at: TestSupport.corpusPath)
        let all = corpus.entries.map { normalize($0.title + "\n" + $0.tags.joined(separator: "\n") + "\n" + $0.body) }.joined(separator: "\n")
        // Section headings of the page; the entry types carry them.
        let headings: Set<String> = ["Publications", "📚 Conference Papers", "📑 Preprints", "Patents", "🚀 Projects"]
        var checked = 0
        for raw in seed.split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !headings.contains(line) else { continue }
            for marker in ["- 🔹 ", "- ", "📌 "] where line.hasPrefix(marker) { line = String(line.dropFirst(marker.count)) }
            if let dot = line.firstIndex(of: "."), line[..<dot].allSatisfy(\.isNumber), line.count > 3 {
                line = String(line[line.index(dot, offsetBy: 2)...])  // "1. LEGO-ABSA…" numbering
            }
            #expect(all.contains(normalize(line)), "missing from the corpus: \(line)")
            checked += 1
        }
        #expect(checked > 40)
    }

    private func normalize(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func languageIsDetected() {
        let corpus = CorpusLoader.load(at: TestSupport.corpusPath)
        let langs = Dictionary(uniqueKeysWithValues: corpus.entries.map { ($0.id, $0.lang) })
        #expect(langs["projects/3.2-apple-customer-service-rag"] == "zh")
        #expect(langs["publications/lego-absa"] == "en")
        #expect(langs["patents/cn115759292a"] == "zh")
    }

    @Test func yearsOfDatesAndPeriods() {
        #expect(FrontMatter.years(in: "2022") == 2022...2022)
        #expect(FrontMatter.years(in: "2019-2022") == 2019...2022)
        #expect(FrontMatter.years(in: "2022-05-01") == 2022...2022)
        #expect(FrontMatter.years(in: "2022-now")!.lowerBound == 2022)
        #expect(FrontMatter.years(in: "2022-now")!.upperBound >= 2026)
        #expect(FrontMatter.years(in: "someday") == nil)
    }

    /// Broken files: each problem names the file and, where there is one, the line.
    static let brokenCases: [(name: String, content: [UInt8], line: Int?, message: String)] = [
        ("bad-yaml.md", Array("---\ntitle: ok\ntags: [a, b\nurl: x\n---\nbody\n".utf8), 4, "bad YAML"),
        ("no-title.md", Array("---\ntype: project\n---\nbody\n".utf8), 2, "missing 'title'"),
        ("empty-title.md", Array("---\ntitle: \"\"\n---\nbody\n".utf8), 2, "'title' is empty"),
        ("bad-type.md", Array("---\ntitle: T\ntype: projet\n---\n".utf8), 3, "unknown type 'projet'"),
        ("no-front-matter.md", Array("# Just a heading\n".utf8), 1, "no front matter"),
        ("unclosed.md", Array("---\ntitle: T\n".utf8), 1, "not closed"),
        ("latin1.md", Array("---\ntitle: T\n---\nline two\ncaf".utf8) + [0xE9] + Array("\n".utf8), 5, "invalid UTF-8"),
        ("bad-date.md", Array("---\ntitle: T\ndate: someday\n---\n".utf8), 3, "cannot read a year"),
        ("list-title.md", Array("---\ntitle: [a, b]\n---\n".utf8), 2, "must be a single value"),
    ]

    @Test("broken file", arguments: brokenCases)
    func brokenFile(name: String, content: [UInt8], line: Int?, message: String) throws {
        let folder = TestSupport.temporaryFolder("broken")
        try Data(content).write(to: folder.appendingPathComponent(name))
        try Data("---\ntitle: Good\n---\nfine\n".utf8).write(to: folder.appendingPathComponent("good.md"))
        let corpus = CorpusLoader.load(at: folder.path)
        let errors = corpus.errors
        #expect(errors.count == 1)
        #expect(errors.first?.file.hasSuffix(name) == true)
        #expect(errors.first?.line == line, "\(errors)")
        #expect(errors.first?.message.contains(message) == true, "\(errors)")
        #expect(corpus.entries.map(\.title) == ["Good"])
    }

    @Test func duplicateIDsAreErrors() throws {
        let folder = TestSupport.temporaryFolder("duplicate")
        try Data("---\ntitle: A\nid: same\n---\n".utf8).write(to: folder.appendingPathComponent("a.md"))
        try Data("---\ntitle: B\nid: same\n---\n".utf8).write(to: folder.appendingPathComponent("b.md"))
        let corpus = CorpusLoader.load(at: folder.path)
        #expect(corpus.errors.count == 1)
        #expect(corpus.errors[0].message.contains("duplicate id 'same'"))
        #expect(corpus.errors[0].file.hasSuffix("b.md"))
    }

    @Test func allProblemsAreReportedNotJustTheFirst() throws {
        let folder = TestSupport.temporaryFolder("many")
        for i in 0..<3 { try Data("---\ntype: x\(i)\n---\n".utf8).write(to: folder.appendingPathComponent("f\(i).md")) }
        let corpus = CorpusLoader.load(at: folder.path)
        #expect(corpus.errors.count == 6)  // each: missing title and unknown type
    }

    @Test func unknownKeysAreWarnings() throws {
        let folder = TestSupport.temporaryFolder("warn")
        try Data("---\ntitle: T\ntitel: typo\n---\n".utf8).write(to: folder.appendingPathComponent("a.md"))
        let corpus = CorpusLoader.load(at: folder.path)
        #expect(corpus.errors.isEmpty)
        #expect(corpus.warnings.count == 1 && corpus.warnings[0].line == 3)
        #expect(corpus.entries.count == 1)
    }

    @Test func markdownMarkersAreRemovedButTextKept() {
        #expect(MarkdownText.plain("## Heading\n- item **bold** [link](http://x) `code`\n  - nested\n> quote") ==
                "Heading\nitem bold link code\nnested\nquote")
    }
}
