import Foundation
import GRDB
#if FUZZING
import Synchronization
#endif

/// The properties the fuzz targets check (`Sources/fuzz-tokenizer`, `fuzz-query`, `fuzz-corpus`,
/// run by `scripts/fuzz.sh` under libFuzzer) and `FuzzRegressionTests` replays on the seeds and
/// on every input that once broke one.
///
/// ``violations(_:_:)`` returns what is wrong (empty when all holds); ``check(_:_:)`` traps with
/// those messages, so libFuzzer saves the input as a crash. A crash inside the product code
/// (an index out of range, an ASan report) is of course a finding too.
///
/// - **tokenizer**: the bytes (valid UTF-8 or not) as a document and as a query, in every
///   mode, with and without bigrams: every token has a non-empty text and a range
///   `0 <= start < end <= count` on character boundaries (an invalid byte is a character of its
///   own, as ``UTF8Scalars`` decodes it); the first token is not colocated and the tokens that
///   are not colocated start in order; tokenizing again gives the same tokens; and
///   ``Analyzer/positionCheckpoints(_:every:)`` gives the starts of every `every`-th position.
/// - **query**: the bytes as a query string (invalid UTF-8 replaced): ``QueryParser`` returns or
///   throws a ``QueryError``; every FTS5 expression of its ``QueryPlan`` (strict, relaxed,
///   partial; the exclusion and tag expressions of a query without terms) is accepted by SQLite,
///   counting and ranking (`cvsrank`, `cvsinfo`) over a small bilingual FTS5 table; a document
///   holding a term as typed matches that term (exactly and as a prefix) and highlights it;
///   highlights of the query text are in bounds, ordered and on character boundaries, and
///   the formatted text is the text with marks; a full ``SearchService`` search over a small
///   index fails with a ``QueryError`` or not at all.
/// - **corpus**: the bytes as a Markdown file (``CorpusLoader/parse(_:file:defaultID:)`` and
///   the loader's own `parseFile`, with two sets of options), as a JSON Lines file and as a
///   glossary: every problem has a message and, when it has a line, one within the file; every
///   entry has a title and an id; an entry comes with no error.
package enum FuzzChecks {
    package enum Target: String, CaseIterable, Sendable {
        case tokenizer, query, corpus
    }

    /// What is wrong with the input for `target`; empty when every property holds.
    package static func violations(_ target: Target, _ bytes: [UInt8]) -> [String] {
        lock.withLock {
            switch target {
            case .tokenizer: return tokenizerViolations(bytes)
            case .query: return queryViolations(bytes)
            case .corpus: return corpusViolations(bytes)
            }
        }
    }

    /// Traps, naming each violated property, when the input breaks one (the fuzz targets).
    package static func check(_ target: Target, _ bytes: [UInt8]) {
        let found = violations(target, bytes)
        if !found.isEmpty {
            fatalError("fuzz-\(target.rawValue): \(found.count) propert\(found.count == 1 ? "y" : "ies") violated for input "
                       + "\(describe(bytes)):\n  " + found.joined(separator: "\n  "))
        }
    }

    /// The replay mode of the fuzz executables (built without `FUZZING`): checks every file
    /// given (a folder: every file under it) and returns the exit status: 0 when all hold.
    package static func replay(_ target: Target, paths: [String]) -> Int32 {
        guard !paths.isEmpty else {
            print("usage: fuzz-\(target.rawValue) FILE_OR_FOLDER…  (replays inputs through FuzzChecks.\(target.rawValue))")
            return 2
        }
        var failed = 0, checked = 0
        for file in inputFiles(paths) {
            guard let data = FileManager.default.contents(atPath: file) else {
                print("cannot read \(file)")
                failed += 1
                continue
            }
            checked += 1
            let found = violations(target, [UInt8](data))
            if found.isEmpty {
                print("ok    \(file)")
            } else {
                failed += 1
                print("FAIL  \(file)\n  " + found.joined(separator: "\n  "))
            }
        }
        print("fuzz-\(target.rawValue): \(checked) input\(checked == 1 ? "" : "s") replayed, \(failed) failed")
        return failed == 0 ? 0 : 1
    }

    /// The regular files among `paths` (folders searched recursively, hidden files skipped), sorted.
    package static func inputFiles(_ paths: [String]) -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                files.append(path)  // reported as unreadable
                continue
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let found = (FileManager.default.subpaths(atPath: path) ?? []).filter { relative in
                var directory: ObjCBool = false
                let full = (path as NSString).appendingPathComponent(relative)
                return !relative.split(separator: "/").contains { $0.hasPrefix(".") }
                    && FileManager.default.fileExists(atPath: full, isDirectory: &directory) && !directory.boolValue
            }
            files += found.sorted().map { (path as NSString).appendingPathComponent($0) }
        }
        return files
    }

    // MARK: - Shared state

    /// Checks run one at a time (the tests run in parallel; libFuzzer does not).
    private static let lock = NSLock()
    /// One analyzer per process, used under `lock`.
    private static let analyzer: Analyzer = {
        do { return try Analyzer() } catch { fatalError("fuzz: cannot open the analyzer: \(error)") }
    }()

    /// The input for a message: the text, escaped and cut, and its bytes in hex when short.
    static func describe(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription
        let hex = bytes.count <= 64 ? " [" + bytes.map { String(format: "%02x", $0) }.joined(separator: " ") + "]" : ""
        return "\(text)\(bytes.count > 300 ? "…" : "") (\(bytes.count) bytes)\(hex)"
    }

    // MARK: - Tokenizer

    private struct RawToken: Equatable, CustomStringConvertible {
        var text: [UInt8]
        var start: Int
        var end: Int
        var colocated: Bool
        var description: String {
            "\(colocated ? "+" : "")\(String(decoding: text, as: UTF8.self).debugDescription)[\(start)..<\(end)]"
        }
    }

    private static func rawTokens(_ bytes: [UInt8], _ mode: TokenizationMode, bigrams: Bool) -> [RawToken] {
        var tokens: [RawToken] = []
        bytes.withUnsafeBufferPointer { buffer in
            analyzer.tokenize(buffer, mode: mode, bigrams: bigrams) { text, start, end, colocated in
                tokens.append(RawToken(text: Array(text), start: Int(start), end: Int(end), colocated: colocated))
            }
        }
        return tokens
    }

    /// `result[i]`: whether byte offset `i` (0…count) starts a character as the tokenizer
    /// decodes the bytes (an invalid byte is a character of one byte).
    static func characterBoundaries(_ bytes: [UInt8]) -> [Bool] {
        var result = [Bool](repeating: false, count: bytes.count + 1)
        result[bytes.count] = true
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var i = 0
            while i < buffer.count {
                result[i] = true
                i += UTF8Scalars.decode(base, i, buffer.count).length
            }
        }
        return result
    }

    static func tokenizerViolations(_ bytes: [UInt8]) -> [String] {
        var problems: [String] = []
        let boundaries = characterBoundaries(bytes)
        let modes: [(TokenizationMode, String)] = [(.document, "document"), (.query, "query"), (.prefixQuery, "prefixQuery")]
        var first: [RawToken] = []
        for (mode, name) in modes {
            for bigrams in [true, false] {
                let tokens = rawTokens(bytes, mode, bigrams: bigrams)
                if mode == .document && bigrams { first = tokens }
                let label = "\(name), bigrams \(bigrams)"
                var lastStart = -1
                for (index, token) in tokens.enumerated() {
                    if token.text.isEmpty { problems.append("\(label): empty token \(token) (#\(index))") }
                    guard 0 <= token.start && token.start < token.end && token.end <= bytes.count else {
                        problems.append("\(label): token \(token) (#\(index)) out of 0..<\(bytes.count) or empty range")
                        continue
                    }
                    if !boundaries[token.start] || !boundaries[token.end] {
                        problems.append("\(label): token \(token) (#\(index)) not on character boundaries")
                    }
                    if index == 0 && token.colocated { problems.append("\(label): the first token \(token) is colocated") }
                    if !token.colocated {
                        if token.start < lastStart {
                            problems.append("\(label): token \(token) (#\(index)) starts before the previous position (\(lastStart))")
                        }
                        lastStart = token.start
                    }
                }
                if problems.count > 20 { return problems }
            }
        }
        let again = rawTokens(bytes, .document, bigrams: true)
        if again != first {
            problems.append("document: tokenizing again gives other tokens: \(first.prefix(8)) then \(again.prefix(8))")
        }

        // Checkpoints over the text as a String (invalid bytes replaced, as the indexer sees it).
        let text = String(decoding: bytes, as: UTF8.self)
        let starts = analyzer.tokens(text, mode: .document, bigrams: false).filter { !$0.colocated }.map(\.start)
        for every in [1, 3, 64] {
            let expected = stride(from: 0, to: starts.count, by: every).map { UInt32(starts[$0]) }
            let got = analyzer.positionCheckpoints(text, every: every)
            if got != expected {
                let at = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, expected.count)
                let bytes = Array(text.utf8)
                let near = Int(got.indices.contains(at) ? got[at] : expected.indices.contains(at) ? expected[at] : 0)
                let context = String(decoding: bytes[max(0, near - 12)..<min(bytes.count, near + 12)], as: UTF8.self)
                problems.append("positionCheckpoints(every: \(every)) differs from the token starts at #\(at) of \(got.count)/\(expected.count): "
                                + "\(got[max(0, at - 2)..<min(got.count, at + 3)]) vs \(expected[max(0, at - 2)..<min(expected.count, at + 3)])"
                                + " near \(context.debugDescription)")
            }
        }
        return problems
    }

    // MARK: - Query

    /// Rows of the FTS5 table and of the index the query check searches (mixed Chinese/English).
    static let sampleEntries: [Entry] = [
        Entry(id: "apple-rag", type: "project", title: "Project 3.2: Apple 自营店客服 RAG", tags: ["RAG", "LLM", "customer service"],
              url: "/#project-3-2", lang: "zh", date: "2024", firstYear: 2024, lastYear: 2024,
              body: "RAG 模块 baseline 模型升级,完成 Qwen1.5 和 Qwen2 系列模型在 Apple 的训练和效果验证。Prompts and retrieval-augmented generation.",
              source: "fuzz"),
        Entry(id: "jd-qa", type: "project", title: "京东商详页问答 RAG 模型", tags: ["RAG", "JD"], url: "/#project-3-1", lang: "zh",
              date: "2022-2023", firstYear: 2022, lastYear: 2023,
              body: "基于 stella 向量检索模型构建数据集；multi-modal GPT-4 客服对话，知识图谱 and bge-small embeddings at jd.com.",
              source: "fuzz"),
        Entry(id: "soft-prompts", type: "publication", title: "Soft Prompts, Strong Alignment", tags: ["LLM", "edit distance"],
              lang: "en", date: "2021", firstYear: 2021, lastYear: 2021,
              body: "Large language models (LLM) align with soft prompts; minimum window substring; edit distance; café naïve e\u{301}te.",
              source: "fuzz"),
        Entry(id: "patent", type: "patent", title: "模型的训练方法及装置、语义识别方法及装置、电子设备", tags: ["专利"], lang: "zh",
              date: "2020-now", firstYear: 2020, lastYear: 2026,
              body: "模型訓練 傳統中文 ＱＷＥＮ ｶﾞｷﾞ 😀 2020-2022 pku.edu.cn 北京大学 O'Reilly don’t",
              source: "fuzz"),
        Entry(id: "llm", type: "project", title: "商品理解大模型", tags: ["大模型", "SFT"], lang: "zh", date: "2023", firstYear: 2023,
              lastYear: 2023, body: "内衣类目完成 Qwen2.5-7b 模型 SFT；知识 品类 标签打标 PySpark Hive SQL 90% accuracy", source: "fuzz"),
        Entry(id: "profile", type: "profile", title: "About me 关于我", tags: [], url: "/", lang: "en",
              body: "ML engineer at JD.com; Peking University (PKU) 硕士; algorithm engineer 算法工程师.", source: "fuzz"),
    ]

    static let sampleGlossary = Glossary(groups: [
        ["customer service", "客服"], ["JD", "JD.com", "京东"], ["LLM", "大模型", "large language model"],
        ["Peking University", "PKU", "北京大学", "北大"], ["algorithm engineer", "算法工程师"],
    ])

    /// An in-memory database with an FTS5 table `t(title, tags, body)` like `entry_fts`.
    private static let ftsQueue: DatabaseQueue = {
        do {
            let queue = try DatabaseQueue(configuration: IndexStore.configuration(readonly: false))
            try queue.write { db in
                try db.create(virtualTable: "t", using: FTS5()) { t in
                    t.tokenizer = CVSearchTokenizer.tokenizerDescriptor()
                    t.column("title")
                    t.column("tags")
                    t.column("body")
                }
                for entry in sampleEntries {
                    try db.execute(sql: "INSERT INTO t(title, tags, body) VALUES (?, ?, ?)",
                                   arguments: [entry.title, (entry.tags + [entry.type]).joined(separator: "\n"), entry.body])
                }
            }
            return queue
        } catch {
            fatalError("fuzz: cannot create the FTS5 table: \(error)")
        }
    }()

    /// A search service over a small index in a temporary folder (removed at exit).
    private static let service: SearchService = {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("cvsearch-fuzz-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            temporaryFolder.withLock { $0 = folder.path }
            atexit {
                if let path = FuzzChecks.temporaryFolder.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
            }
            let store = try IndexStore(path: folder.appendingPathComponent("fuzz.db").path)
            try Indexer.index(Corpus(entries: sampleEntries, glossary: sampleGlossary), into: store)
            return SearchService(store: store)
        } catch {
            fatalError("fuzz: cannot build the index: \(error)")
        }
    }()
    private static let temporaryFolder = FuzzLockedValue<String?>(nil)

    static func queryViolations(_ bytes: [UInt8]) -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        var problems: [String] = []
        let parsed: ParsedQuery
        do {
            parsed = try QueryParser.parse(text)
        } catch is QueryError {
            return searchViolations(text)
        } catch {
            return ["QueryParser.parse threw \(type(of: error)) (\(error)), not a QueryError"]
        }

        for prefix in [true, false] {
            let plan: QueryPlan
            do {
                plan = try QueryPlan(parsed, prefix: prefix, analyzer: analyzer, context: .empty)
            } catch {
                problems.append("QueryPlan(prefix: \(prefix)) threw \(error)")
                continue
            }
            problems += planViolations(plan, label: "prefix \(prefix)")
            if prefix {
                problems += selfMatchViolations(plan)
                problems += highlightViolations(plan, text)
            }
        }
        return problems + searchViolations(text)
    }

    /// Runs every expression of the plan as `SearchService.execute` and `browse` would.
    private static func planViolations(_ plan: QueryPlan, label: String) -> [String] {
        var problems: [String] = []
        if plan.strict.count > QueryPlan.maxUnits {
            problems.append("\(label): \(plan.strict.count) units, more than \(QueryPlan.maxUnits)")
        }
        for unit in plan.strict + (plan.relaxed ?? []) where unit.alternatives.isEmpty {
            problems.append("\(label): unit '\(unit.label)' has no alternative")
        }
        var expressions: [(level: String, match: String, spec: String?)] = []
        func idf(_ alternative: Alternative) throws -> Double {
            try QueryPlan.idf(alternative, analyzer: analyzer, context: .empty)
        }
        do {
            if plan.strict.isEmpty {
                if let exclusion = plan.exclusionExpression { expressions.append(("exclusions", exclusion, nil)) }
                if let tags = plan.tagExpression { expressions.append(("tags", tags, nil)) }
            } else {
                let strict = try plan.expression(plan.strict, any: false, idf: idf)
                expressions.append(("strict", strict.match, strict.spec))
                if let relaxed = plan.relaxed {
                    let expression = try plan.expression(relaxed, any: false, idf: idf)
                    expressions.append(("relaxed", expression.match, expression.spec))
                }
                if plan.finest.count > 1 {
                    let partial = try plan.expression(plan.finest, any: true, idf: idf)
                    expressions.append(("partial", partial.match, partial.spec))
                }
            }
        } catch {
            problems.append("\(label): building the expressions threw \(error)")
        }
        do {
            try ftsQueue.read { db in
                for expression in expressions {
                    do {
                        _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM t WHERE t MATCH ?", arguments: [expression.match])
                        if let spec = expression.spec {
                            let rows = try Row.fetchAll(
                                db, sql: "SELECT rowid, cvsrank(t, ?) AS score, cvsinfo(t, ?) AS info FROM t WHERE t MATCH ? ORDER BY 2 LIMIT 5",
                                arguments: [spec, spec, expression.match])
                            for row in rows {
                                let score: Double? = row["score"]
                                if let score, !score.isFinite {
                                    problems.append("\(label) \(expression.level): cvsrank gave \(score) for MATCH \(expression.match) spec \(spec)")
                                }
                                _ = RowInfo(row["info"])
                            }
                        }
                    } catch {
                        problems.append("\(label) \(expression.level): SQLite rejected MATCH \(expression.match.debugDescription)"
                                        + "\(expression.spec.map { " (spec \($0))" } ?? ""): \(error)")
                    }
                }
            }
        } catch {
            problems.append("\(label): cannot read the FTS5 table: \(error)")
        }
        return problems
    }

    /// A document that holds a term as typed matches the term's phrase (and as a prefix), and
    /// the highlighter marks it there.
    private static func selfMatchViolations(_ plan: QueryPlan) -> [String] {
        let label = "self-match"
        var problems: [String] = []
        let terms = plan.strict.flatMap { unit in unit.alternatives.filter { $0.kind == .exact && !$0.prefix } }
        for term in terms.prefix(4) {
            guard !analyzer.tokens(term.text, mode: .query).isEmpty else { continue }
            for prefix in [false, true] {
                let alternative = Alternative(text: term.text, prefix: prefix)
                do {
                    try ftsQueue.inDatabase { db in
                        try db.inSavepoint {
                            try db.execute(sql: "INSERT INTO t(title, tags, body) VALUES ('', '', ?)", arguments: [term.text])
                            let rowid = db.lastInsertedRowID
                            let found = try Bool.fetchOne(
                                db, sql: "SELECT EXISTS (SELECT 1 FROM t WHERE t MATCH ? AND rowid = ?)",
                                arguments: [alternative.fts, rowid]) ?? false
                            if !found {
                                problems.append("\(label): a document holding \(term.text.debugDescription) does not match \(alternative.fts)")
                            }
                            return .rollback
                        }
                    }
                } catch {
                    problems.append("\(label): self-match of \(alternative.fts.debugDescription) failed: \(error)")
                }
            }
            let highlighter = Highlighter(units: [QueryUnit(label: term.text, alternatives: [term])], analyzer: analyzer)
            if highlighter.spans(in: term.text, analyzer: analyzer).isEmpty {
                problems.append("\(label): the highlighter marks nothing of \(term.text.debugDescription) in itself")
            }
        }
        return problems
    }

    /// Highlights of the plan's units in the query text itself (a document as odd as the query).
    private static func highlightViolations(_ plan: QueryPlan, _ text: String) -> [String] {
        var problems: [String] = []
        let highlighter = Highlighter(units: plan.finest, analyzer: analyzer)
        let spans = highlighter.spans(in: text, analyzer: analyzer)
        let bytes = Array(text.utf8)
        let boundaries = characterBoundaries(bytes)
        var previousEnd = -1
        for span in spans {
            guard 0 <= span.start && span.start < span.end && span.end <= bytes.count else {
                problems.append("highlight: span \(span.start)..<\(span.end) out of 0..<\(bytes.count) or empty")
                continue
            }
            if !boundaries[span.start] || !boundaries[span.end] {
                problems.append("highlight: span \(span.start)..<\(span.end) not on character boundaries")
            }
            if span.start <= previousEnd {
                problems.append("highlight: span \(span.start)..<\(span.end) overlaps or touches the previous one (ends at \(previousEnd))")
            }
            if span.units.isEmpty || !span.units.allSatisfy({ plan.finest.indices.contains($0) }) {
                problems.append("highlight: span \(span.start)..<\(span.end) has units \(span.units.sorted()) of \(plan.finest.count)")
            }
            previousEnd = span.end
        }
        let formatted = Highlighter.formatted(text, spans: spans)
        if unformat(formatted) != Array(text.utf8) {
            problems.append("highlight: the formatted text \(formatted.prefix(200).debugDescription) is not the text with marks")
        }
        let snippet = Highlighter.snippet(text, spans: spans)
        if unformat(snippet.formatted) != Array(snippet.plain.utf8) {
            problems.append("highlight: the formatted snippet \(snippet.formatted.prefix(200).debugDescription) is not the plain one "
                            + "\(snippet.plain.prefix(200).debugDescription) with marks")
        }
        return problems
    }

    /// Formatted text without its marks, unescaped, byte by byte (an entity's `;` may be
    /// followed by a combining mark, which a String replacement would not match).
    private static func unformat(_ html: String) -> [UInt8] {
        let bytes = Array(html.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        next: while i < bytes.count {
            if bytes[i] == UInt8(ascii: "<") || bytes[i] == UInt8(ascii: "&") {
                for (from, to) in markup where bytes[i...].starts(with: from) {
                    out += to
                    i += from.count
                    continue next
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }

    private static let markup: [([UInt8], [UInt8])] = [
        ("<mark>", ""), ("</mark>", ""), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&"),
    ].map { (Array($0.utf8), Array($1.utf8)) }

    /// A full search: a ``QueryError`` or an answer, never another error.
    private static func searchViolations(_ text: String) -> [String] {
        do {
            let response = try service.search(SearchRequest(query: text, limit: 3, explain: true))
            if response.hits.count > 3 { return ["search: \(response.hits.count) hits for a limit of 3"] }
            return []
        } catch is QueryError {
            return []
        } catch {
            return ["search: \(type(of: error)): \(error)"]
        }
    }

    // MARK: - Corpus

    private static let optionSets = [
        CorpusOptions(),
        CorpusOptions(headingLevels: [1, 2, 3, 4, 5, 6], baseURL: "https://example.com/cv", slugStyle: SlugStyle.allCases.last!),
    ]

    static func corpusViolations(_ bytes: [UInt8]) -> [String] {
        var problems: [String] = []
        let data = Data(bytes)
        let breaks = lineCount(bytes)
        func checkProblems(_ found: [CorpusProblem], _ label: String, file: String) {
            for problem in found {
                if problem.message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    problems.append("\(label): a problem without a message: \(problem)")
                }
                if let line = problem.line, line < 1 || line > breaks {
                    problems.append("\(label): problem on line \(line) (the input has \(breaks) lines at most): \(problem)")
                }
                if problem.file != file { problems.append("\(label): problem for file '\(problem.file)', not '\(file)': \(problem)") }
            }
        }
        func checkEntry(_ entry: Entry, _ label: String, _ found: [CorpusProblem]) {
            if entry.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append("\(label): entry '\(entry.id)' has an empty title")
            }
            if entry.id.isEmpty { problems.append("\(label): an entry has an empty id (title '\(entry.title)')") }
            if let error = found.first(where: { $0.severity == .error }) {
                problems.append("\(label): entry '\(entry.id)' returned with an error: \(error)")
            }
        }

        let (entry, found) = CorpusLoader.parse(data, file: "fuzz.md", defaultID: "fuzz")
        checkProblems(found, "parse", file: "fuzz.md")
        if let entry { checkEntry(entry, "parse", found) }

        for (index, options) in optionSets.enumerated() {
            let label = "parseFile (options \(index))"
            let (entries, found) = CorpusLoader.parseFile(data, file: "fuzz.md", defaultID: "fuzz", options: options)
            checkProblems(found, label, file: "fuzz.md")
            // The loader drops the entries of a file with errors; those it keeps must be sound.
            if !found.contains(where: { $0.severity == .error }) {
                for entry in entries { checkEntry(entry, label, found) }
            }

            let (records, jsonProblems) = JSONLinesCorpus.read(data, file: "fuzz.jsonl", fileID: "fuzz", options: options)
            checkProblems(jsonProblems, "jsonl (options \(index))", file: "fuzz.jsonl")
            var ids = Set<String>()
            for record in records {
                if record.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || record.id.isEmpty {
                    problems.append("jsonl: entry with an empty title or id: '\(record.id)' '\(record.title)'")
                }
                if !ids.insert(record.id).inserted { problems.append("jsonl: duplicate id '\(record.id)' returned") }
            }
        }

        // The glossary, as Glossary.load reads a file.
        if let text = CorpusLoader.decodeUTF8(data) {
            let (glossary, found) = Glossary.parse(text, file: "glossary.yaml")
            checkProblems(found, "glossary", file: "glossary.yaml")
            for group in glossary.groups {
                for term in group { _ = glossary.equivalents(of: term) }
            }
        } else {
            let (line, offset) = CorpusLoader.firstInvalidUTF8(data)
            if line < 1 || line > breaks || offset < 0 || offset > bytes.count {
                problems.append("firstInvalidUTF8 gave line \(line), byte \(offset) for \(bytes.count) bytes")
            }
        }
        return problems
    }

    /// The most lines the bytes can have, counting every kind of line break YAML knows (\n, \r,
    /// U+0085, U+2028, U+2029) and \r\n as two: no problem may point past it.
    static func lineCount(_ bytes: [UInt8]) -> Int {
        var lines = 1
        for i in bytes.indices {
            switch bytes[i] {
            case 0x0A, 0x0D: lines += 1
            case 0x85 where i > 0 && bytes[i - 1] == 0xC2: lines += 1
            case 0xA8...0xA9 where i > 1 && bytes[i - 2] == 0xE2 && bytes[i - 1] == 0x80: lines += 1
            default: break
            }
        }
        return lines
    }
}

/// A value behind a lock (the temporary folder's path, read by the `atexit` handler).
private final class FuzzLockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.withLock { body(&value) }
    }
}

extension FuzzChecks {
    /// The whole `main` of the fuzz target for `target` (`Sources/fuzz-*`). Built by
    /// `scripts/fuzz.sh` (`-DFUZZING -sanitize=fuzzer,address`), it runs libFuzzer's driver over
    /// ``check(_:_:)``: `fuzz-query [libFuzzer options] [CORPUS_DIR…]`. Built normally, it
    /// replays the files, or folders of files, given as arguments (``replay(_:paths:)``):
    /// `fuzz-query CRASH_FILE…`, exit status 1 when a property does not hold.
    package static func main(_ target: Target) -> Never {
        #if FUZZING
        fuzzedTarget.withLock { $0 = target }
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
        exit(replay(target, paths: Array(CommandLine.arguments.dropFirst())))
        #endif
    }
}

#if FUZZING
/// The target ``FuzzChecks/main(_:)`` runs: libFuzzer's callback is a C function, without context.
private let fuzzedTarget = Mutex(FuzzChecks.Target.tokenizer)

/// libFuzzer's entry point for one input (its own `main`, linked by -sanitize=fuzzer, needs
/// the symbol even though ``FuzzChecks/main(_:)`` starts the driver itself: SwiftPM renames an
/// executable's `main`, which leaves libFuzzer's out).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzChecks.check(fuzzedTarget.withLock { $0 }, bytes)
    return 0
}

/// libFuzzer's driver (in libclang_rt.fuzzer, linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
