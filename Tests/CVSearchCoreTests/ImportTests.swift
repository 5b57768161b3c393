import Foundation
import Testing
@testable import CVSearchCore

/// Importing an existing homepage: a Markdown page split at its headings, folders of pages
/// without front matter, JSON Lines files, Jekyll/Hugo front-matter fields.
@Suite("Import")
struct ImportTests {
    static var homepage: URL { TestSupport.fixtures.appendingPathComponent("homepage/index.md") }
    static var jsonLines: URL { TestSupport.fixtures.appendingPathComponent("homepage/entries.jsonl") }
    static let base = "https://tianhao.example/"

    static func importHomepage(_ style: SlugStyle = .github) -> Corpus {
        CorpusLoader.load(at: homepage.path, options: CorpusOptions(baseURL: base, slugStyle: style))
    }

    /// The sections of the fixture page: title, tags (the enclosing `#`/`##` headings) and the
    /// anchor GitHub generates for the heading, worked out by hand from github-slugger's rules
    /// (lowercase; drop everything but letters, marks, numbers, `_`, `-` and spaces; space → `-`).
    static let sections: [(title: String, tags: [String], anchor: String)] = [
        ("About Me", [], "about-me"),
        ("Algorithm Engineer, JD.com", ["💼 Experience"], "algorithm-engineer-jdcom"),
        ("M.S. in Computer Technology, Peking University", ["🎓 Education"], "ms-in-computer-technology-peking-university"),
        ("B.S. in Software Engineering, Wuhan University of Technology", ["🎓 Education"],
         "bs-in-software-engineering-wuhan-university-of-technology"),
        ("LEGO-ABSA: A Prompt-based Task Assemblable Unified Generative Framework for Multi-task Aspect-based Sentiment Analysis",
         ["📝 Publications", "📚 Conference Papers"],
         "lego-absa-a-prompt-based-task-assemblable-unified-generative-framework-for-multi-task-aspect-based-sentiment-analysis"),
        ("Soft Prompts, Strong Alignment: Aligning LLMs with Fine-Grained Instruction-Following Embeddings",
         ["📝 Publications", "📚 Conference Papers"],
         "soft-prompts-strong-alignment-aligning-llms-with-fine-grained-instruction-following-embeddings"),
        ("FANoise: Feature-Adaptive Noise Driven Representation Learning", ["📝 Publications", "📚 Conference Papers"],
         "fanoise-feature-adaptive-noise-driven-representation-learning"),
        ("Joint Event Extraction via Structural Semantic Matching", ["📝 Publications", "📑 Preprints"],
         "joint-event-extraction-via-structural-semantic-matching"),
        ("An Iterative Training Framework and Hierarchical Contrastive Loss for Graph-Text Matching", ["📜 Patents"],
         "an-iterative-training-framework-and-hierarchical-contrastive-loss-for-graph-text-matching"),
        ("模型的训练方法及装置、语义识别方法及装置、电子设备", ["📜 Patents"], "模型的训练方法及装置语义识别方法及装置电子设备"),
        ("📌 Project 1: 多模态商品内容标签打标系统", ["🚀 Projects"], "-project-1-多模态商品内容标签打标系统"),
        ("📌 Project 2: 京东前台类目识别模型", ["🚀 Projects"], "-project-2-京东前台类目识别模型"),
        ("📌 Project 3.1: 京东商详页问答 RAG 模型", ["🚀 Projects"], "-project-31-京东商详页问答-rag-模型"),
        ("📌 Project 3.2: Apple 自营店客服 RAG", ["🚀 Projects"], "-project-32-apple-自营店客服-rag"),
        ("📌 Project 4: 商品理解大模型", ["🚀 Projects"], "-project-4-商品理解大模型"),
        ("📌 Project 5: 标签联想能力建设", ["🚀 Projects"], "-project-5-标签联想能力建设"),
        ("📌 Project 6: Counterfeit Brand Titles Detection System", ["🚀 Projects"],
         "-project-6-counterfeit-brand-titles-detection-system"),
    ]

    /// The same headings under kramdown's own rules (drop leading non-letters; keep ASCII
    /// letters, digits, spaces, `-`; space → `-`; lowercase; empty → `section`), by hand.
    static let kramdownAnchors = [
        "about-me", "algorithm-engineer-jdcom", "ms-in-computer-technology-peking-university",
        "bs-in-software-engineering-wuhan-university-of-technology",
        "lego-absa-a-prompt-based-task-assemblable-unified-generative-framework-for-multi-task-aspect-based-sentiment-analysis",
        "soft-prompts-strong-alignment-aligning-llms-with-fine-grained-instruction-following-embeddings",
        "fanoise-feature-adaptive-noise-driven-representation-learning",
        "joint-event-extraction-via-structural-semantic-matching",
        "an-iterative-training-framework-and-hierarchical-contrastive-loss-for-graph-text-matching",
        "section",  // all Han: nothing is left
        "project-1-", "project-2-", "project-31--rag-", "project-32-apple--rag", "project-4-", "project-5-",
        "project-6-counterfeit-brand-titles-detection-system",
    ]

    // MARK: - The homepage

    @Test func homepageGivesOneEntryPerSection() {
        let corpus = Self.importHomepage()
        #expect(corpus.errors.isEmpty, "\(corpus.errors)")
        #expect(corpus.warnings.isEmpty, "\(corpus.warnings)")
        #expect(corpus.entries.map(\.title) == Self.sections.map(\.title))
        #expect(corpus.entries.map(\.tags) == Self.sections.map(\.tags))
        #expect(corpus.entries.map(\.url) == Self.sections.map { Self.base + "#" + $0.anchor })
        #expect(corpus.entries.map(\.id) == Self.sections.map { "index#" + $0.anchor })
        #expect(corpus.entries.allSatisfy { $0.type == "page" })
        let about = corpus.entries[0]
        #expect(about.body.hasPrefix("Tianhao Gao\n\nAlgorithm Engineer, JD.com, 2022-now"))
        #expect(about.body.hasSuffix("Email: gaotianhao@pku.edu.cn"))
        #expect(corpus.entries[1].body == "2022-now")
        #expect(about.source == Self.homepage.path + ":9")
        let rag = corpus.entries[13]
        #expect(rag.lang == "zh")
        #expect(rag.body.contains("客服有效对话数据\n问答数据对(用于编码模型训练)"))
        #expect(corpus.entries[4].lang == "en")
    }

    @Test func homepageAnchorsUnderKramdownRules() {
        let corpus = Self.importHomepage(.kramdown)
        #expect(corpus.errors.isEmpty, "\(corpus.errors)")
        #expect(corpus.entries.map(\.url) == Self.kramdownAnchors.map { Self.base + "#" + $0 })
        #expect(corpus.entries.map(\.title) == Self.sections.map(\.title))
    }

    @Test func withoutBaseURLAnchorsFollowThePermalink() {
        let corpus = CorpusLoader.load(at: Self.homepage.path)
        #expect(corpus.entries.first?.url == "/#about-me")
        #expect(corpus.entries.last?.url == "/#-project-6-counterfeit-brand-titles-detection-system")
    }

    /// Every line of the seed is in some entry (title, tags or body), word for word, as for the
    /// repository's corpus; list markers and the papers' numbering are markup.
    @Test func everySeedLineIsInTheImportedPage() throws {
        let seed = try String(contentsOf: TestSupport.fixtures.appendingPathComponent("portfolio.txt"), encoding: .utf8)
        let corpus = Self.importHomepage()
        let all = corpus.entries.map { normalize($0.title + "\n" + $0.tags.joined(separator: "\n") + "\n" + $0.body) }
            .joined(separator: "\n")
        var checked = 0
        for raw in seed.split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            for marker in ["- 🔹 ", "- "] where line.hasPrefix(marker) { line = String(line.dropFirst(marker.count)) }
            if let dot = line.firstIndex(of: "."), line[..<dot].allSatisfy(\.isNumber), line.count > 3 {
                line = String(line[line.index(dot, offsetBy: 2)...])  // "1. LEGO-ABSA…" numbering
            }
            #expect(all.contains(normalize(line)), "missing from the imported page: \(line)")
            checked += 1
        }
        #expect(checked == 63)
    }

    private func normalize(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    @Test func importedHomepageIndexesAndSearches() throws {
        let folder = TestSupport.temporaryFolder("import-search")
        let store = try IndexStore(path: folder.appendingPathComponent("cvsearch.db").path)
        let summary = try Indexer.index(Self.importHomepage(), into: store)
        #expect(summary.changed)
        let search = SearchService(store: store)

        let rag = try search.search(SearchRequest(query: "RAG Qwen"))
        #expect(rag.hits.first?.title == "📌 Project 3.2: Apple 自营店客服 RAG")
        #expect(rag.hits.first?.url == "https://tianhao.example/#-project-32-apple-自营店客服-rag")
        #expect(rag.hits.first?.tags == ["🚀 Projects"])
        #expect(rag.hits.first?.partial == false)

        let graph = try search.search(SearchRequest(query: "知识图谱"))
        #expect(graph.hits.first?.title == "📌 Project 4: 商品理解大模型")  // 品类知识图谱:0.4亿
        #expect(graph.hits.filter { !$0.partial }.count == 1)  // the others only fill the page

        let papers = try search.search(SearchRequest(query: "tag:\"Conference Papers\""))
        #expect(Set(papers.hits.map(\.title)) == Set(Self.sections[4...6].map(\.title)))

        let email = try search.search(SearchRequest(query: "gaotianhao@pku.edu.cn"))
        #expect(email.hits.first?.url == "https://tianhao.example/#about-me")
    }

    @Test func headingLevelsAreConfigurable() {
        // Split at `#` only: one entry per top-level section, the rest is text.
        let corpus = CorpusLoader.load(at: Self.homepage.path, options: CorpusOptions(headingLevels: [1]))
        #expect(corpus.errors.isEmpty, "\(corpus.errors)")
        #expect(corpus.entries.map(\.title) == ["About Me", "💼 Experience", "🎓 Education", "📝 Publications", "📜 Patents", "🚀 Projects"])
        #expect(corpus.entries.map(\.url) == ["/#about-me", "/#-experience", "/#-education", "/#-publications", "/#-patents", "/#-projects"])
        #expect(corpus.entries[3].body.hasPrefix("📚 Conference Papers\n\nLEGO-ABSA: A Prompt-based"))
        // Split at `##` only: `###` headings stay in the text of their `##` section.
        let two = CorpusLoader.load(at: Self.homepage.path, options: CorpusOptions(headingLevels: [2]))
        #expect(two.entries.map(\.title) == [
            "About Me", "💼 Experience", "🎓 Education", "📚 Conference Papers", "📑 Preprints", "📜 Patents", "🚀 Projects",
        ])
        #expect(two.entries[3].tags == ["📝 Publications"])
        let invalid = CorpusLoader.load(at: Self.homepage.path, options: CorpusOptions(headingLevels: [0, 7]))
        #expect(invalid.errors.first?.message.contains("heading levels") == true)
    }

    // MARK: - Anchors

    /// github-slugger's own fixtures (test/fixtures.json), slugged in this order by one slugger,
    /// so the duplicates are numbered as there.
    static let githubSluggerFixtures: [(input: String, expected: String)] = [
        ("alpha", "alpha"), ("alpha", "alpha-1"), ("bravoCharlieDelta", "bravocharliedelta"),
        ("__proto__", "__proto__"), ("__proto__", "__proto__-1"),
        ("echo", "echo"), ("echo", "echo-1"), ("echo 1", "echo-1-1"), ("echo-1", "echo-1-2"), ("echo", "echo-2"),
        ("foxtrot-1", "foxtrot-1"), ("foxtrot", "foxtrot"), ("foxtrot", "foxtrot-2"),
        ("heading with a - dash", "heading-with-a---dash"),
        ("heading with an _ underscore", "heading-with-an-_-underscore"),
        ("heading with a period.txt", "heading-with-a-periodtxt"),
        ("exchange.bind_headers(exchange, routing [, bindCallback])", "exchangebind_headersexchange-routing--bindcallback"),
        (" ", "-"), (" a", "-a"), ("a ", "a-"), (" a ", "-a-"), ("-a-", "-a--1"),
        ("apostrophe’s should be trimmed", "apostrophes-should-be-trimmed"),
        ("I ♥ unicode", "i--unicode"), ("en–dash", "endash"),
        ("😄 unicode emoji", "-unicode-emoji"), ("😄-😄 unicode emoji", "--unicode-emoji"),
        ("😄_😄 unicode emoji", "_-unicode-emoji"), ("😄 - an emoji", "---an-emoji"),
        (":smile: - a gemoji", "smile---a-gemoji"),
        ("Привет", "привет"), ("Профили пользователей", "профили-пользователей"),
        ("Привет non-latin 你好", "привет-non-latin-你好"),
        (":ok_hand: :hatched_chick: Two in a row", "ok_hand-hatched_chick-two-in-a-row"),
        ("a) ] } 】 〕 ）b", "a-----b"), ("a» ’ ” ›b", "a---b"), ("a$ ¢ £ ¥ €b", "a----b"),
        ("a_ ‿ ＿b", "a_-‿-＿b"), ("aⅠ Ⅻ 〇b", "aⅰ-ⅻ-〇b"), ("a² ½ ①b", "a--b"),
    ]

    @Test func githubAnchorsMatchGithubSluggersFixtures() {
        var slugger = Slugger(style: .github)
        for (input, expected) in Self.githubSluggerFixtures {
            #expect(slugger.slug(input) == expected, "\(input)")
        }
    }

    /// Headings of this portfolio, one slugger each.
    @Test("GitHub anchor", arguments: [
        ("📝 Publications", "-publications"),
        ("Project 3.2: Apple 自营店客服 RAG", "project-32-apple-自营店客服-rag"),
        ("📽️ Slides", "\u{FE0F}-slides"),  // the variation selector is a mark: GitHub keeps it
        ("模型的训练方法及装置、语义识别方法及装置、电子设备", "模型的训练方法及装置语义识别方法及装置电子设备"),
        ("Qwen2.5-7b 模型 SFT", "qwen25-7b-模型-sft"),
        ("C++ & C#", "c--c"),
        ("ＲＡＧ（检索增强）", "ｒａｇ检索增强"),
    ])
    func githubAnchor(heading: String, expected: String) {
        var slugger = Slugger(style: .github)
        #expect(slugger.slug(heading) == expected)
    }

    /// kramdown's documented examples ("Automatic Header IDs" in its HTML converter docs), in
    /// order, then this portfolio's headings.
    @Test func kramdownAnchorsMatchKramdownsDocumentation() {
        var slugger = Slugger(style: .kramdown)
        let documented = [
            ("This is a header", "this-is-a-header"), ("12. Another one 1 here", "another-one-1-here"),
            ("Do ^& it now", "do--it-now"), ("Hallo", "hallo"), ("Not now", "not-now"), ("Hallo", "hallo-1"),
            ("123456789", "section"), ("<i>test</i>", "itesti"),
        ]
        for (input, expected) in documented {
            #expect(slugger.slug(input) == expected, "\(input)")
        }
        var page = Slugger(style: .kramdown)
        #expect(page.slug("📝 Publications") == "publications")
        #expect(page.slug("Project 3.2: Apple 自营店客服 RAG") == "project-32-apple--rag")
        #expect(page.slug("客服") == "section")
        #expect(page.slug("知识图谱") == "section-1")
        #expect(page.slug("Publications") == "publications-1")
    }

    @Test func headingsAreParsedAsCommonMarkATXHeadings() {
        func heading(_ line: String) -> MarkdownSections.Heading? { MarkdownSections.heading(line[...], index: 0) }
        #expect(heading("## Title")?.raw == "Title")
        #expect(heading("   ### Title ###")?.raw == "Title")
        #expect(heading("## Title #hash")?.raw == "Title #hash")
        #expect(heading("## C#")?.raw == "C#")
        #expect(heading("## Title {#custom-id}")?.explicitID == "custom-id")
        #expect(heading("## Title {#custom-id}")?.raw == "Title")
        #expect(heading("#hashtag") == nil)
        #expect(heading("    ## indented code") == nil)
        #expect(heading("####### seven") == nil)
        #expect(heading("##")?.raw == "")
        #expect(MarkdownSections.plainHeading("**LEGO-ABSA**: [paper](https://x.pdf) `code` _em_ snake_case") ==
                "LEGO-ABSA: paper code em snake_case")
    }

    // MARK: - Pages without front matter

    @Test func folderOfPagesWithoutFrontMatter() throws {
        let folder = TestSupport.temporaryFolder("pages")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("notes"), withIntermediateDirectories: true)
        try Data("""
            Loose text before any heading.

            ## Notes
            First notes.

            ```markdown
            ## not a heading (in code)
            ```

            ## Notes
            <span class='anchor' id='x'></span>Second <b>notes</b>, same title.

            #### A detail
            stays in the second notes.
            """.utf8).write(to: folder.appendingPathComponent("notes/cv.md"))
        try Data("---\ntitle: One entry\n---\n## Heading inside\ntext\n".utf8).write(to: folder.appendingPathComponent("single.md"))
        try Data("# Read me\n## Not an entry\n".utf8).write(to: folder.appendingPathComponent("README.md"))
        let corpus = CorpusLoader.load(at: folder.path, options: CorpusOptions(baseURL: "https://example.com"))
        #expect(corpus.problems.isEmpty, "\(corpus.problems)")
        #expect(corpus.entries.map(\.id) == ["notes/cv", "notes/cv#notes", "notes/cv#notes-1", "single"])
        #expect(corpus.entries.map(\.title) == ["cv", "Notes", "Notes", "One entry"])
        #expect(corpus.entries.map(\.url) == [
            "https://example.com", "https://example.com#notes", "https://example.com#notes-1", nil,
        ])
        #expect(corpus.entries[1].body == "First notes.\n\nmarkdown\nnot a heading (in code)")  // backticks are markers
        #expect(corpus.entries[2].body == "Second notes, same title.\n\nA detail\nstays in the second notes.")
        #expect(corpus.entries[3].body == "Heading inside\ntext")
        #expect(corpus.entries.map(\.source) == [
            folder.path + "/notes/cv.md:1", folder.path + "/notes/cv.md:3", folder.path + "/notes/cv.md:10",
            folder.path + "/single.md",
        ])
    }

    @Test func duplicateSectionIDsAreReportedWithTheirLine() throws {
        let folder = TestSupport.temporaryFolder("dup-sections")
        try Data("## One {#same}\na\n\n## Two {#same}\nb\n".utf8).write(to: folder.appendingPathComponent("page.md"))
        let corpus = CorpusLoader.load(at: folder.path)
        #expect(corpus.errors.count == 1)
        #expect(corpus.errors.first?.file == folder.path + "/page.md")
        #expect(corpus.errors.first?.line == 4)
        #expect(corpus.errors.first?.message.contains("duplicate id 'page#same'") == true)
    }

    // MARK: - Jekyll and Hugo front matter

    @Test func jekyllAndHugoFields() throws {
        let folder = TestSupport.temporaryFolder("jekyll")
        try Data("""
            ---
            title: "Counterfeit brand detection"
            date: 2023-05-01T10:00:00+08:00
            tags: [CV2, edit distance]
            categories: [projects, edit distance]
            permalink: /projects/counterfeit/
            layout: single
            lang: en-US
            ---
            Employed traditional algorithms.
            """.utf8).write(to: folder.appendingPathComponent("post.md"))
        try Data("""
            ---
            layout: default
            permalink: /cv/
            categories: resume
            date: 2024
            ---
            ## 实习经历
            京东
            """.utf8).write(to: folder.appendingPathComponent("cv.md"))
        try Data("""
            +++
            title = "Hugo page"
            +++
            body
            """.utf8).write(to: folder.appendingPathComponent("hugo.md"))

        let corpus = CorpusLoader.load(at: folder.path, options: CorpusOptions(baseURL: "https://site.example/blog/"))
        #expect(corpus.warnings.isEmpty, "\(corpus.warnings)")
        #expect(corpus.errors.count == 1)
        #expect(corpus.errors.first?.file.hasSuffix("hugo.md") == true)
        #expect(corpus.errors.first?.line == 1)
        #expect(corpus.errors.first?.message.contains("TOML front matter") == true)

        let post = try #require(corpus.entries.first { $0.id == "post" })
        #expect(post.tags == ["CV2", "edit distance", "projects"])
        #expect(post.url == "https://site.example/blog/projects/counterfeit/")
        #expect(post.firstYear == 2023 && post.lastYear == 2023)
        #expect(post.lang == "en")
        let section = try #require(corpus.entries.first { $0.id.hasPrefix("cv#") })
        #expect(section.id == "cv#实习经历")
        #expect(section.url == "https://site.example/blog/cv/#实习经历")
        #expect(section.tags == ["resume"])
        #expect(section.firstYear == 2024)
        #expect(section.lang == "zh")
    }

    @Test func existingCorpusIsUnchangedByTheImportOptions() {
        let plain = CorpusLoader.load(at: TestSupport.corpusPath)
        let options = CorpusLoader.load(at: TestSupport.corpusPath, options: CorpusOptions(headingLevels: [1, 2, 3], slugStyle: .kramdown))
        #expect(plain.problems.isEmpty)
        #expect(options.entries == plain.entries)
        #expect(options.glossary == plain.glossary)
        let based = CorpusLoader.load(at: TestSupport.corpusPath, options: CorpusOptions(baseURL: "https://tianhao.example/"))
        let rag = based.entries.first { $0.id == "projects/3.2-apple-customer-service-rag" }
        #expect(rag?.url == "https://tianhao.example/#project-3-2")
        let patent = based.entries.first { $0.id == "patents/cn115759292a" }
        #expect(patent?.url == "https://www.patentguru.com/cn/search?q=CN115759292A")
    }

    // MARK: - JSON Lines

    @Test func jsonLinesFixture() {
        let corpus = CorpusLoader.load(at: Self.jsonLines.path, options: CorpusOptions(baseURL: Self.base))
        #expect(corpus.problems.isEmpty, "\(corpus.problems)")
        #expect(corpus.entries.map(\.id) == ["apple-rag", "entries#joint-event-extraction-via-structural-semantic-matching", "entries#模型的训练方法及装置语义识别方法及装置电子设备"])
        let rag = corpus.entries[0]
        #expect(rag.type == "project")
        #expect(rag.tags == ["RAG", "LLM", "客服", "projects"])
        #expect(rag.url == "https://tianhao.example/#project-3-2")
        #expect(rag.firstYear == 2024)
        #expect(rag.lang == "zh")
        #expect(rag.body == "RAG 模块采用 GLM3 模型,自测准确率 85%+。\n客服有效对话数据")
        #expect(rag.source == Self.jsonLines.path + ":1")
        #expect(corpus.entries[1].firstYear == 2020)
        #expect(corpus.entries[1].url == "https://tianhao.example/#preprints")
        #expect(corpus.entries[2].source == Self.jsonLines.path + ":4")
        #expect(corpus.entries[2].tags == ["CN115759292A", "语义识别"])
    }

    /// The repository's corpus written as JSON Lines and read back is the same corpus.
    @Test func jsonLinesRoundTrip() throws {
        let original = CorpusLoader.load(at: TestSupport.corpusPath).entries
        var lines: [String] = []
        for entry in original {
            var object: [String: Any] = ["id": entry.id, "type": entry.type, "title": entry.title, "tags": entry.tags,
                                         "lang": entry.lang, "body": entry.body]
            object["url"] = entry.url
            object["date"] = entry.date
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            lines.append(String(decoding: data, as: UTF8.self))
            lines.append("")  // blank lines are allowed
        }
        let file = TestSupport.temporaryFolder("jsonl").appendingPathComponent("portfolio.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        let corpus = CorpusLoader.load(at: file.path)
        #expect(corpus.problems.isEmpty, "\(corpus.problems)")
        #expect(corpus.entries.count == original.count)
        for (read, entry) in zip(corpus.entries, original) {
            var expected = entry
            expected.source = read.source
            #expect(read == expected)
        }
        #expect(corpus.entries.map(\.source) == original.indices.map { "\(file.path):\($0 * 2 + 1)" })
    }

    /// Broken lines: each problem names the file and its line; the good line is kept.
    static let brokenLines: [(name: String, line: [UInt8], message: String)] = [
        ("bad JSON", Array(#"{"title": "x" "type": "page"}"#.utf8), "bad JSON: Invalid value around character 14"),
        ("not an object", Array(#"["title", "x"]"#.utf8), "must be a JSON object"),
        ("missing title", Array(#"{"type": "project"}"#.utf8), "missing 'title'"),
        ("empty title", Array(#"{"title": "  "}"#.utf8), "'title' is empty"),
        ("number title", Array(#"{"title": 42}"#.utf8), "'title' must be a string, not a number"),
        ("list tags of objects", Array(#"{"title": "x", "tags": [{"a": 1}]}"#.utf8), "each of 'tags' must be a string"),
        ("object tags", Array(#"{"title": "x", "tags": {"a": 1}}"#.utf8), "'tags' must be a string, not an object"),
        ("boolean url", Array(#"{"title": "x", "url": true}"#.utf8), "'url' must be a string, not true"),
        ("number body", Array(#"{"title": "x", "body": 3}"#.utf8), "'body' must be a string, not a number"),
        ("bad type", Array(#"{"title": "x", "type": "projet"}"#.utf8), "unknown type 'projet'"),
        ("bad date", Array(#"{"title": "x", "date": "someday"}"#.utf8), "cannot read a year"),
        ("id with spaces", Array(#"{"title": "x", "id": "a b"}"#.utf8), "without spaces"),
        ("duplicate id", Array(#"{"title": "y", "id": "good"}"#.utf8), "duplicate id 'good' (also used on line 1)"),
        ("invalid UTF-8", Array(#"{"title": "caf"#.utf8) + [0xE9] + Array(#""}"#.utf8), "invalid UTF-8"),
    ]

    @Test("broken JSON Lines record", arguments: brokenLines)
    func brokenJSONLine(name: String, line: [UInt8], message: String) throws {
        let file = TestSupport.temporaryFolder("jsonl-broken").appendingPathComponent("entries.jsonl")
        try Data(Array(#"{"title": "Good", "id": "good"}"#.utf8) + Array("\n\n".utf8) + line + Array("\n".utf8)).write(to: file)
        let corpus = CorpusLoader.load(at: file.path)
        #expect(corpus.errors.count == 1, "\(corpus.errors)")
        #expect(corpus.errors.first?.file == file.path)
        #expect(corpus.errors.first?.line == 3)
        #expect(corpus.errors.first?.message.contains(message) == true, "\(corpus.errors)")
        #expect(corpus.entries.map(\.title) == ["Good"])
    }

    @Test func everyBrokenLineIsReported() throws {
        let file = TestSupport.temporaryFolder("jsonl-many").appendingPathComponent("entries.jsonl")
        let lines = [#"{"title": "ok"}"#, #"{"title": 1}"#, "", "{", #"{"titel": "typo", "title": "ok 2"}"#, #"{"type": "x"}"#]
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        let corpus = CorpusLoader.load(at: file.path)
        #expect(corpus.errors.map(\.line) == [2, 4, 6, 6])
        #expect(corpus.warnings.map(\.line) == [5])
        #expect(corpus.errors.map(\.description).allSatisfy { $0.hasPrefix(file.path + ":") })
        #expect(corpus.entries.map(\.id) == ["entries#ok", "entries#ok-2"])
    }

    @Test func jsonLinesAndPagesInOneFolder() {
        let corpus = CorpusLoader.load(at: Self.homepage.deletingLastPathComponent().path)
        #expect(corpus.problems.isEmpty, "\(corpus.problems)")
        #expect(corpus.entries.count == Self.sections.count + 3)
    }
}
