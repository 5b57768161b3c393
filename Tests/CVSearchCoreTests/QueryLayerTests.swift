import Foundation
import Testing
@testable import CVSearchCore

/// A small corpus (and glossary) in a temporary folder, indexed.
func temporaryService(_ files: [String: String], glossary: String? = nil) throws -> SearchService {
    let folder = TestSupport.temporaryFolder("corpus")
    for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
    if let glossary { try Data(glossary.utf8).write(to: folder.appendingPathComponent("glossary.yaml")) }
    let corpus = CorpusLoader.load(at: folder.path)
    precondition(corpus.errors.isEmpty, "\(corpus.errors)")
    let store = try IndexStore(path: folder.appendingPathComponent("index.db").path)
    try Indexer.index(corpus, into: store)
    return SearchService(store: store)
}

func entry(_ title: String, _ body: String, type: String = "project", extra: String = "") -> String {
    "---\ntitle: \"\(title)\"\ntype: \(type)\n\(extra)---\n\(body)\n"
}

@Suite("Query layer")
struct QueryLayerTests {
    @Test("sample queries (query)", arguments: SampleQuery.load(stage: "query"))
    func querySampleQuery(_ sample: SampleQuery) throws {
        let failure = sample.check(try TestSupport.titles(sample.query))
        #expect(failure == nil, "\(sample.query): \(failure ?? "")")
    }

    static let quality = try! QualityEval.load(TestSupport.fixtures.appendingPathComponent("quality-queries.tsv").path)

    @Test func qualityTableIsBigEnoughAndCoversEveryCategory() {
        #expect(Self.quality.count >= 60)
        #expect(Set(Self.quality.map(\.category)) == ["en", "zh", "mixed", "traditional", "fullwidth", "prefix", "typo", "crosslingual"])
    }

    /// Every quality query puts a relevant entry first.
    @Test("quality query", arguments: quality)
    func qualityQuery(_ item: QualityEval.Case) throws {
        let result = try QualityEval.evaluate([item], with: TestSupport.portfolio)[0]
        #expect(result.success, "\(item.query): got \(result.hits.prefix(3)), want \(item.relevant.sorted())")
    }

    @Test func qualityMetricsOverall() throws {
        let rows = QualityEval.summarize(try QualityEval.evaluate(Self.quality, with: TestSupport.portfolio))
        let all = rows.last!
        #expect(all.category == "all" && all.queries == Self.quality.count)
        #expect(all.ndcg >= 0.95 && all.mrr >= 0.95)
    }

    @Test func metricDefinitions() {
        let item = QualityEval.Case(category: "x", query: "q", relevant: ["a", "b"])
        let result = QualityEval.score(item, ["c", "a", "d", "b"])
        let ideal = 1 + 1 / log2(3.0)
        #expect(abs(result.ndcg - (1 / log2(3.0) + 1 / log2(5.0)) / ideal) < 1e-9)
        #expect(result.reciprocalRank == 0.5 && !result.success)
    }

    // MARK: - Query language

    @Test func exclusionsOrAndFilters() throws {
        let s = TestSupport.portfolio
        #expect(try s.search(SearchRequest(query: "RAG -Apple")).hits.map(\.id) == ["projects/3.1-jd-product-qa-rag"])
        let algorithms = try s.search(SearchRequest(query: "algorithm -\"edit distance\"")).hits.map(\.id)
        #expect(algorithms.contains("projects/1-multimodal-tagging"))
        #expect(!algorithms.contains("projects/6-counterfeit-brand-detection"))
        let or = try s.search(SearchRequest(query: "LangChain OR PySpark")).hits.map(\.id)
        #expect(Set(or) == ["projects/3.1-jd-product-qa-rag", "projects/1-multimodal-tagging"])
        #expect(try s.search(SearchRequest(query: "type:patent")).hits.count == 2)
        #expect(try s.search(SearchRequest(query: "模型 type:patent")).hits.map(\.type) == ["patent"])
        #expect(try s.search(SearchRequest(query: "模型 -type:project")).hits.allSatisfy { $0.type != "project" })
        #expect(try s.search(SearchRequest(query: "lang:en Alignment")).hits.first?.id == "publications/soft-prompts-strong-alignment")
        #expect(try s.search(SearchRequest(query: "lang:zh RAG")).hits.allSatisfy { $0.lang == "zh" })
        #expect(try s.search(SearchRequest(query: "tag:LangChain")).hits.map(\.id) == ["projects/3.1-jd-product-qa-rag"])
        let y2020 = Set(try s.search(SearchRequest(query: "year:2020")).hits.map(\.id))
        #expect(y2020 == ["education/pku-ms", "preprints/joint-event-extraction"])
        let y2025 = Set(try s.search(SearchRequest(query: "year:2025 type:publication")).hits.map(\.id))
        #expect(y2025 == ["publications/soft-prompts-strong-alignment", "publications/fanoise"])
        #expect(try s.search(SearchRequest(query: "experience year:2026")).hits.first?.id == "experience/jd-algorithm-engineer")
        #expect(throws: QueryError.unknownField("author")) { try s.search(SearchRequest(query: "author:gao")) }
        #expect(throws: QueryError.self) { try s.search(SearchRequest(query: "type:blog")) }
        #expect(throws: QueryError.self) { try s.search(SearchRequest(query: "year:20x2")) }
    }

    @Test func prefixIsOnByDefaultAndCanBeTurnedOff() throws {
        let s = TestSupport.portfolio
        #expect(try s.search(SearchRequest(query: "Qw")).hits.count == 2)
        #expect(try s.search(SearchRequest(query: "Qw", prefix: false)).hits.isEmpty)
        #expect(try s.search(SearchRequest(query: "Qw ")).hits.isEmpty)  // a finished word
        #expect(try s.search(SearchRequest(query: "\"Qw\"")).hits.isEmpty)  // quoted: exact
    }

    // MARK: - Typos

    @Test func typosAreCorrectedAndSaidSo() throws {
        let response = try TestSupport.portfolio.search(SearchRequest(query: "langchan"))
        #expect(response.correctedQuery == "langchain")
        #expect(response.notes.first == "showing results for 'langchain'")
        #expect(response.hits.first?.id == "projects/3.1-jd-product-qa-rag")
        let stela = try TestSupport.portfolio.search(SearchRequest(query: "stela", explain: true))
        #expect(stela.correctedQuery == "stella")
        #expect(stela.hits.first?.explain?.terms.first?.kind == .typo)
    }

    @Test func wordsInTheIndexNumbersIdsShortWordsAndHanAreNeverFuzzed() throws {
        let s = TestSupport.portfolio
        #expect(try s.search(SearchRequest(query: "stella")).correctedQuery == nil)
        #expect(try s.search(SearchRequest(query: "CN115759293A")).hits.isEmpty)
        #expect(try s.search(SearchRequest(query: "Qwem", prefix: false)).hits.isEmpty)
        let han = try s.search(SearchRequest(query: "检素"))  // not corrected to 检索
        #expect(han.correctedQuery == nil && han.hits.allSatisfy(\.partial))
        #expect(try s.search(SearchRequest(query: "GLM4")).hits.isEmpty)
    }

    @Test func distanceIsDamerauLevenshtein() {
        func d(_ a: String, _ b: String) -> Int { LatinWords.distance(Array(a.utf8), Array(b.utf8), limit: 3) }
        #expect(d("stela", "stella") == 1)
        #expect(d("pysprak", "pyspark") == 1)
        #expect(d("langchan", "langchain") == 1)
        #expect(d("kitten", "sitting") == 3)
        #expect(d("abc", "abc") == 0)
        #expect(LatinWords.distance(Array("aaaaaaa".utf8), Array("bbbbbbb".utf8), limit: 2) == 3)
    }

    @Test func exactMatchesRankAboveCorrectedOnes() throws {
        let s = try temporaryService([
            "a.md": entry("One", "the transformer architecture"),
            "b.md": entry("Two", "the transformers library"),
        ])
        // "transformr" is not in the index: corrected to both, nothing exact.
        let corrected = try s.search(SearchRequest(query: "transformr", prefix: false))
        #expect(corrected.hits.count == 2 && corrected.correctedQuery != nil)
        // An exact word is not corrected at all.
        #expect(try s.search(SearchRequest(query: "transformer", prefix: false)).correctedQuery == nil)
    }

    // MARK: - Glossary

    @Test func glossaryExpandsAndLiteralMatchesRankFirst() throws {
        let s = try temporaryService([
            "a.md": entry("Chinese", "负责客服系统"),
            "b.md": entry("English", "built a customer service bot"),
            "c.md": entry("Other", "nothing related"),
        ], glossary: "- [customer service, 客服]\n")
        let response = try s.search(SearchRequest(query: "customer service"))
        #expect(response.hits.map(\.title) == ["English", "Chinese"])
        #expect(response.expandedTerms == ["customer service": ["客服"]])
        let reverse = try s.search(SearchRequest(query: "客服", explain: true))
        #expect(reverse.hits.map(\.title) == ["Chinese", "English"])
        #expect(reverse.hits[1].explain?.terms.first?.kind == .glossary)
        #expect(reverse.hits[1].formatted.snippet.contains("<mark>customer service</mark>"))
    }

    @Test func glossarySegmentsChineseTerms() throws {
        let s = try temporaryService([
            "a.md": entry("JD support", "京东 客服"),
            "b.md": entry("JD", "JD.com"),
        ], glossary: "- [JD, JD.com, 京东]\n- [customer service, 客服]\n")
        let response = try s.search(SearchRequest(query: "京东客服"))
        #expect(response.hits.first?.title == "JD support")
        #expect(response.expandedTerms?["京东"] == ["JD", "JD.com"])
    }

    @Test func glossaryProblemsHaveFileAndLine() {
        let cases: [(String, Int?, String)] = [
            ("- [a, b]\n- [c\n", 3, "bad YAML"),
            ("- [a, b]\n- []\n", 2, "empty group"),
            ("- [a, b]\n- [lonely]\n", 2, "at least two"),
            ("a: b\n", 1, "must be a list"),
            ("- [a, b]\n- just text\n", 2, "must be a list of equivalent terms"),
        ]
        for (text, line, message) in cases {
            let (_, problems) = Glossary.parse(text, file: "corpus/glossary.yaml")
            #expect(problems.count == 1, "\(text)")
            #expect(problems.first?.line == line, "\(text): \(problems)")
            #expect(problems.first?.message.contains(message) == true, "\(problems)")
            #expect(problems.first?.file == "corpus/glossary.yaml")
        }
    }

    @Test func repositoryGlossaryIsClean() {
        let (glossary, problems) = Glossary.load(at: TestSupport.corpusPath + "/glossary.yaml")
        #expect(problems.isEmpty)
        #expect(glossary.groups.count >= 80)
        for (term, expected) in [("JD", "京东"), ("customer service", "客服"), ("北大", "Peking University"),
                                 ("苹果", "Apple"), ("patent", "专利"), ("多模态", "multimodal"), ("假冒", "counterfeit")] {
            #expect(glossary.equivalents(of: term).contains(expected), "\(term)")
        }
    }

    // MARK: - Ranking

    @Test func adjacentTermsBeatScatteredOnes() throws {
        let s = try temporaryService([
            "a.md": entry("A", "alpha one two three four five beta six"),
            "b.md": entry("B", "one two three alpha beta four five six"),
        ])
        #expect(try s.search(SearchRequest(query: "alpha beta")).hits.map(\.title) == ["B", "A"])
    }

    @Test func titleBeatsBody() throws {
        let s = try temporaryService([
            "a.md": entry("Notes", "graph matching in the body"),
            "b.md": entry("Graph matching", "something else entirely"),
        ])
        #expect(try s.search(SearchRequest(query: "graph matching")).hits.map(\.title) == ["Graph matching", "Notes"])
    }

    @Test func exactBeatsPrefix() throws {
        let s = try temporaryService([
            "a.md": entry("Long", "langchain"),
            "b.md": entry("Short", "lang"),
        ])
        #expect(try s.search(SearchRequest(query: "lang")).hits.map(\.title) == ["Short", "Long"])
    }

    @Test func explainSaysHowEachTermMatched() throws {
        let response = try TestSupport.portfolio.search(SearchRequest(query: "RAG Qw", explain: true))
        let explain = try #require(response.hits.first?.explain)
        #expect(explain.level == "strict")
        #expect(explain.terms.map(\.term) == ["RAG", "Qw"])
        #expect(explain.terms[0].kind == .exact && explain.terms[0].fields.contains("title"))
        #expect(explain.terms[1].kind == .prefix && explain.terms[1].matchedAs == "Qw*")
        #expect(explain.total > explain.terms.map(\.score).reduce(0, +))
        let partial = try TestSupport.portfolio.search(SearchRequest(query: "RAG xyzzy", explain: true))
        #expect(partial.hits.first?.explain?.level == "partial")
        #expect(partial.hits.first?.explain?.terms.last?.matched == false)
    }
}
