import Foundation
import GRDB
import Synchronization

/// The one search API, shared by the CLI and the HTTP endpoint.
///
/// A search parses the query (``QueryParser``), plans FTS5 expressions for each level of
/// relaxation (``QueryPlan``), and runs them in one read snapshot of the index:
///
/// 1. **strict**: all terms, a Han term as an exact phrase, ranked by `cvsrank` (BM25F over
///    title, tags and body, plus proximity of the terms, with exact matches weighted above
///    prefix matches);
/// 2. **relaxed**, only while fewer than a page of hits were found: Han terms as ICU words;
/// 3. **partial**, only while still fewer than a page: entries matching some of the terms, the
///    most first, marked `partial` with their `missingTerms`.
///
/// Snippets and highlights are computed only for the hits returned.
public final class SearchService: Sendable {
    public let store: IndexStore
    private let analyzers = AnalyzerPool()
    private let cache = Mutex<IndexData?>(nil)

    public init(store: IndexStore) {
        self.store = store
    }

    /// Searches, blocking the calling thread for the read (the CLI).
    public func search(_ request: SearchRequest) throws -> SearchResponse {
        let started = ContinuousClock.now
        let prepared = try prepare(request)
        var response = try store.read { db in try self.run(prepared, request, db) }
        response.processingTimeMs = Self.milliseconds(since: started)
        return response
    }

    /// Searches without blocking the caller's executor (the HTTP server).
    public func search(_ request: SearchRequest) async throws -> SearchResponse {
        let started = ContinuousClock.now
        let prepared = try prepare(request)
        var response = try await store.read { db in try self.run(prepared, request, db) }
        response.processingTimeMs = Self.milliseconds(since: started)
        return response
    }

    /// Plans and runs a query in one read snapshot.
    private func run(_ query: ParsedQuery, _ request: SearchRequest, _ db: Database) throws -> SearchResponse {
        let data = try indexData(db)
        return try analyzers.with { analyzer in
            let context = QueryContext(db, data: data)
            let plan = try QueryPlan(query, prefix: request.prefix, analyzer: analyzer, context: context)
            var response = try Self.execute(plan, request, db, analyzer, context)
            if !plan.corrections.isEmpty {
                var corrected = request.query
                for (term, correction) in plan.corrections {
                    if let range = corrected.range(of: term) { corrected.replaceSubrange(range, with: correction) }
                }
                response.correctedQuery = corrected
                response.notes.insert("showing results for '\(corrected)'", at: 0)
            }
            if !plan.expansions.isEmpty { response.expandedTerms = plan.expansions }
            response.indexVersion = data.version
            return response
        }
    }

    /// The glossary and vocabulary of the index, reloaded when its content version changes.
    private func indexData(_ db: Database) throws -> IndexData {
        let version = try IndexStore.meta(db, "content_version") ?? "0"
        if let cached = cache.withLock({ $0 }), cached.version == version { return cached }
        let loaded = try IndexData(db, version: version)
        cache.withLock { $0 = loaded }
        return loaded
    }

    private func prepare(_ request: SearchRequest) throws -> ParsedQuery {
        guard (1...SearchRequest.maxLimit).contains(request.limit) else {
            throw QueryError.badFilter(field: "limit", value: "\(request.limit)", expected: "1 to \(SearchRequest.maxLimit)")
        }
        guard request.offset >= 0 && request.offset <= 10_000 else {
            throw QueryError.badFilter(field: "offset", value: "\(request.offset)", expected: "0 to 10000")
        }
        var query = try QueryParser.parse(request.query)
        for type in request.types where !type.isEmpty {
            guard EntryType(rawValue: type.lowercased()) != nil else {
                throw QueryError.badFilter(field: "type", value: type,
                                           expected: "one of " + EntryType.allCases.map(\.rawValue).joined(separator: ", "))
            }
            query.filters.types.append(type.lowercased())
        }
        query.filters.langs += request.langs.filter { !$0.isEmpty }.map { $0.lowercased() }
        return query
    }

    private static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return (ms * 1000).rounded() / 1000
    }

    // MARK: - Executing a plan

    private struct Level {
        var name: String
        var units: [QueryUnit]
        var any: Bool
    }

    private struct Row {
        var docid: Int64
        var rank: Double
        var level: Int
        var match: String
        var spec: String
        var info: String?
        var entry = GRDB.Row()
    }

    /// Fills in `cvsinfo` (what matched where) for `rows[first...]`. Every FTS5 statement looks
    /// each query term up in the index first, which costs more than the row itself when glossary
    /// expansions make dozens of terms. Rows of one level share their MATCH expression: when
    /// their rowid range holds few other matches (the level's `matches` among the index's
    /// `documents`, spread evenly, would put at most twice as many rows in it), one statement
    /// over the range serves them all; that is a small corpus like a portfolio. Otherwise rows
    /// are asked for one by one, so that cvsinfo never runs over many rows nobody asked for.
    private static func fetchInfo(
        _ rows: inout [Row], from first: Int, matches: [Int: Int], documents: Int, _ db: Database
    ) throws {
        guard first < rows.count else { return }
        var byLevel: [Int: [Int]] = [:]
        for i in first..<rows.count { byLevel[rows[i].level, default: []].append(i) }
        for (level, members) in byLevel {
            let ids = members.map { rows[$0].docid }
            let low = ids.min()!, high = ids.max()!
            let density = Double(matches[level] ?? documents) / Double(max(documents, 1))
            if members.count > 1 && Double(high - low + 1) * density <= Double(2 * members.count) {
                let found = try GRDB.Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT rowid, cvsinfo(entry_fts, ?) AS info FROM entry_fts
                        WHERE entry_fts MATCH ? AND rowid BETWEEN ? AND ?
                        """),
                    arguments: [rows[members[0]].spec, rows[members[0]].match, low, high])
                var infos: [Int64: String] = [:]
                for row in found { infos[row["rowid"]] = row["info"] }
                for i in members { rows[i].info = infos[rows[i].docid] }
            } else {
                for i in members {
                    rows[i].info = try String.fetchOne(
                        db.cachedStatement(sql: "SELECT cvsinfo(entry_fts, ?) FROM entry_fts WHERE entry_fts MATCH ? AND rowid = ?"),
                        arguments: [rows[i].spec, rows[i].match, rows[i].docid])
                }
            }
        }
    }

    /// Counting stops here: `estimatedTotalHits` is at most this (as in Meilisearch, where
    /// 1 000 is the default `maxTotalHits`).
    static let maxCount = 1000

    static func execute(
        _ plan: QueryPlan, _ request: SearchRequest, _ db: Database, _ analyzer: Analyzer, _ context: QueryContext
    ) throws -> SearchResponse {
        var notes: [String] = []
        if !plan.ignored.isEmpty {
            notes.append("ignored \(plan.ignored.map { "'\($0)'" }.joined(separator: ", ")): nothing searchable in it")
        }
        if plan.truncated { notes.append("only the first \(QueryPlan.maxUnits) terms were used") }
        let filter = FilterSQL(plan.filters)
        if plan.strict.isEmpty {
            if !plan.ignored.isEmpty && plan.filters.isEmpty && plan.excluded.isEmpty {
                return response(request, total: 0, hits: [], notes: notes)
            }
            return try browse(plan, request, filter, db, notes: notes)
        }

        var levels = [Level(name: "strict", units: plan.strict, any: false)]
        if let relaxed = plan.relaxed { levels.append(Level(name: "relaxed", units: relaxed, any: false)) }
        if plan.finest.count > 1 { levels.append(Level(name: "partial", units: plan.finest, any: true)) }

        let wanted = request.offset + request.limit
        var rows: [Row] = []
        var seen = Set<Int64>()
        var total = 0
        var matches: [Int: Int] = [:]  // per level
        var fullMatches = 0
        var idfs: [Alternative: Double] = [:]
        func idf(_ alternative: Alternative) throws -> Double {
            if let known = idfs[alternative] { return known }
            let value = try QueryPlan.idf(alternative, analyzer: analyzer, context: context)
            idfs[alternative] = value
            return value
        }
        for (index, level) in levels.enumerated() {
            let (match, spec) = try plan.expression(level.units, any: level.any, idf: idf)
            // Rank first (ids and scores only); when fewer rows come back than asked for, they
            // are all, and no count query is needed. Ties are broken by rowid.
            var count: Int?
            if rows.count < wanted {
                let limit = wanted + seen.count
                let ranked = try GRDB.Row.fetchAll(
                    db.cachedStatement(sql: """
                        SELECT rowid, cvsrank(entry_fts, ?) AS score FROM entry_fts
                        WHERE entry_fts MATCH ?\(filter.sql) ORDER BY score, rowid LIMIT ?
                        """),
                    arguments: [spec, match] + filter.arguments + [limit])
                if ranked.count < limit { count = ranked.count }
                for row in ranked where rows.count < wanted {
                    let docid: Int64 = row["rowid"]
                    guard seen.insert(docid).inserted else { continue }
                    rows.append(Row(docid: docid, rank: row["score"], level: index, match: match, spec: spec))
                }
            }
            let levelCount = try count ?? Int.fetchOne(
                db.cachedStatement(sql: """
                    SELECT count(*) FROM (SELECT 1 FROM entry_fts WHERE entry_fts MATCH ?\(filter.sql) LIMIT \(Self.maxCount))
                    """),
                arguments: [match] + filter.arguments) ?? 0
            total = levelCount
            matches[index] = levelCount
            if !level.any { fullMatches = levelCount }
            if levelCount >= request.limit { break }
        }
        // The returned rows only: what matched where (cvsinfo), and the entries.
        try fetchInfo(&rows, from: request.offset, matches: matches, documents: context.documentCount, db)
        for i in rows.indices where i >= request.offset {
            rows[i].entry = try GRDB.Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT e.id, e.type, e.title, e.tagList, e.url, e.lang, e.date, length(CAST(e.body AS BLOB)) AS bodyBytes,
                           p.offsets AS checkpoints
                    FROM entry e LEFT JOIN entry_positions p ON p.docid = e.docid WHERE e.docid = ?
                    """),
                arguments: [rows[i].docid]) ?? GRDB.Row()
        }

        let page = rows.count > request.offset ? Array(rows[request.offset...]) : []
        let highlighter = Highlighter(units: plan.finest, analyzer: analyzer)
        var hits: [SearchHit] = []
        for row in page {
            let level = levels[row.level]
            let info = RowInfo(row.info)
            let partial = level.any && info.matchedUnits.count < level.units.count
            let columns = info.units.values.reduce(0) { $0 | $1.columns }
            let window = columns & 4 != 0 ? bodyWindow(info.window, checkpoints: row.entry["checkpoints"]) : nil
            let body = try BodyText.fetch(db, docid: row.docid, total: row.entry["bodyBytes"] ?? 0,
                                          long: row.entry["checkpoints"] != nil, window: window)
            var hit = makeHit(row.entry, body: body, score: -row.rank, highlighter: highlighter, analyzer: analyzer,
                              title: columns & 1 != 0, inBody: columns & 4 != 0, window: window)
            if partial {
                hit.partial = true
                hit.missingTerms = level.units.indices.filter { !info.matchedUnits.contains($0) }.map { level.units[$0].label }
            }
            if request.explain { hit.explain = explanation(info, level: level, score: -row.rank) }
            hits.append(hit)
        }
        if hits.contains(where: \.partial) {
            let terms = plan.finest.map(\.label).joined(separator: " ")
            notes.append(
                fullMatches == 0
                    ? "no entry matches all of '\(terms)'; showing entries that match some of the terms"
                    : "only \(fullMatches) entr\(fullMatches == 1 ? "y matches" : "ies match") all of '\(terms)'; the others match some of the terms")
        }
        return response(request, total: total, hits: hits, notes: notes)
    }

    /// A query with filters or exclusions but no terms: the entries that pass, in id order.
    private static func browse(_ plan: QueryPlan, _ request: SearchRequest, _ filter: FilterSQL, _ db: Database,
                               notes: [String]) throws -> SearchResponse
    {
        var conditions = "1"
        var arguments = filter.arguments
        if let exclusion = plan.exclusionExpression {
            conditions += " AND docid NOT IN (SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?)"
            arguments += [exclusion]
        }
        if let tags = plan.tagExpression {
            conditions += " AND docid IN (SELECT rowid FROM entry_fts WHERE entry_fts MATCH ?)"
            arguments += [tags]
        }
        let filterSQL = filter.sql.replacingOccurrences(of: " AND rowid IN", with: " AND docid IN")
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM entry WHERE \(conditions)\(filterSQL)",
                                     arguments: arguments) ?? 0
        let rows = try GRDB.Row.fetchAll(
            db, sql: """
                SELECT docid, id, type, title, tagList, url, lang, date, length(CAST(body AS BLOB)) AS bodyBytes FROM entry
                WHERE \(conditions)\(filterSQL) ORDER BY id LIMIT ? OFFSET ?
                """,
            arguments: arguments + [request.limit, request.offset])
        let highlighter = Highlighter(units: [], analyzer: try Analyzer())
        let hits = try rows.map { row in
            let body = try BodyText.fetch(db, docid: row["docid"], total: row["bodyBytes"] ?? 0, long: true, window: nil)
            return makeHit(row, body: body, score: 0, highlighter: highlighter, analyzer: nil)
        }
        return response(request, total: total, hits: hits, notes: notes)
    }

    private static func response(_ request: SearchRequest, total: Int, hits: [SearchHit], notes: [String]) -> SearchResponse {
        SearchResponse(
            query: request.query, processingTimeMs: 0, limit: request.limit, offset: request.offset,
            estimatedTotalHits: total, hits: hits, notes: notes, correctedQuery: nil, expandedTerms: nil, indexVersion: nil)
    }

    /// The part of a body to highlight: from the checkpoint before the densest window of matches
    /// (a few positions of context before it; the start of a short body) to a little after it.
    static func bodyWindow(_ window: ClosedRange<Int>?, checkpoints: Data?) -> Highlighter.Window? {
        guard let window else { return nil }
        guard let checkpoints, !checkpoints.isEmpty else {
            // A short body (no checkpoints) is read whole, but tokenizing it stops after the window.
            return Highlighter.Window(start: 0, position: 0, end: window.upperBound + QueryPlan.snippetPositions)
        }
        let every = IndexStore.checkpointInterval, count = checkpoints.count / 4
        func offset(_ index: Int) -> Int {
            Int(UInt32(littleEndian: checkpoints.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self) }))
        }
        let index = min(max(0, window.lowerBound - 16) / every, count - 1)
        let end = window.upperBound + QueryPlan.snippetPositions
        let after = end / every + 1  // the first checkpoint past the window's last position
        return Highlighter.Window(start: offset(index), position: index * every, end: end,
                                  limit: after < count ? offset(after) : Int.max)
    }

    /// A hit with highlights in the title and body, looked for only in the fields the ranking
    /// function saw matches in, and in a long body only around its densest window of matches.
    private static func makeHit(
        _ row: GRDB.Row, body: BodyText, score: Double, highlighter: Highlighter, analyzer: Analyzer?,
        title inTitle: Bool = true, inBody: Bool = true, window: Highlighter.Window? = nil
    ) -> SearchHit {
        let title: String = row["title"]
        let tags: String = row["tagList"]
        let titleSpans = inTitle ? analyzer.map { highlighter.spans(in: title, analyzer: $0) } ?? [] : []
        let local = window.map {
            Highlighter.Window(start: max(0, $0.start - body.offset), position: $0.position, end: $0.end,
                               limit: $0.limit == Int.max ? Int.max : max(0, $0.limit - body.offset))
        }
        let bodySpans = inBody ? analyzer.map { highlighter.spans(in: body.text, analyzer: $0, window: local) } ?? [] : []
        let snippet = Highlighter.snippet(body.text, spans: bodySpans, cutBefore: body.offset > 0,
                                          cutAfter: body.offset + body.text.utf8.count < body.total)
        return SearchHit(
            id: row["id"], type: row["type"], title: title, url: row["url"], lang: row["lang"],
            tags: tags.isEmpty ? [] : tags.split(separator: "\n").map(String.init), date: row["date"],
            snippet: snippet.plain, score: (score * 10_000).rounded() / 10_000, partial: false, missingTerms: nil,
            formatted: .init(title: Highlighter.formatted(title, spans: titleSpans), snippet: snippet.formatted),
            explain: nil)
    }

    private static func explanation(_ info: RowInfo, level: Level, score: Double) -> Explanation {
        // Phrase numbers follow the order of the units' alternatives in the expression.
        var phrases: [(unit: Int, alternative: Alternative)] = []
        for (index, unit) in level.units.enumerated() {
            for alternative in unit.alternatives { phrases.append((index, alternative)) }
        }
        let fieldNames = ["title", "tags", "body"]
        let terms = level.units.enumerated().map { index, unit -> Explanation.TermMatch in
            guard let part = info.units[index] else {
                return .init(term: unit.label, matched: false, kind: nil, matchedAs: nil, fields: [], score: 0)
            }
            let alternative = part.phrase < phrases.count ? phrases[part.phrase].alternative : nil
            let fields = fieldNames.indices.filter { part.columns & (1 << $0) != 0 }.map { fieldNames[$0] }
            return .init(term: unit.label, matched: true, kind: alternative?.kind,
                         matchedAs: alternative.map { $0.text + ($0.prefix ? "*" : "") }, fields: fields,
                         score: (part.score * 10_000).rounded() / 10_000)
        }
        return Explanation(level: level.name, terms: terms, proximity: (info.proximity * 10_000).rounded() / 10_000,
                           total: (score * 10_000).rounded() / 10_000)
    }
}

/// The part of an entry's body a hit needs: all of a short body; of a long one, the bytes around
/// the window to highlight (or its beginning), cut at character boundaries.
struct BodyText {
    var text: String
    /// Byte offset of `text` in the whole body.
    var offset: Int
    /// Bytes in the whole body.
    var total: Int

    static func fetch(_ db: Database, docid: Int64, total: Int, long: Bool, window: Highlighter.Window?) throws -> BodyText {
        guard long else {
            let text = try String.fetchOne(db.cachedStatement(sql: "SELECT body FROM entry WHERE docid = ?"), arguments: [docid])
            return BodyText(text: text ?? "", offset: 0, total: total)
        }
        // Context before the window's checkpoint and room after its last position, for the snippet.
        var from = 0, to = min(total, 2048)
        if let window {
            from = max(0, window.start - 768)
            to = window.limit == Int.max ? total : min(total, window.limit + 1536)
        }
        let data = try Data.fetchOne(
            db.cachedStatement(sql: "SELECT substr(CAST(body AS BLOB), ?, ?) FROM entry WHERE docid = ?"),
            arguments: [from + 1, to - from, docid]) ?? Data()
        var bytes = [UInt8](data)
        var start = 0
        while start < bytes.count && bytes[start] & 0xC0 == 0x80 { start += 1 }  // a character cut at the front
        var end = bytes.count
        if to < total {  // a character cut at the back: drop its lead byte and continuation bytes
            var lead = end - 1
            while lead > start && bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
            if lead >= start {
                let b = bytes[lead]
                let length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
                if lead + length > end { end = lead }
            }
        }
        bytes = Array(bytes[start..<max(start, end)])
        return BodyText(text: String(decoding: bytes, as: UTF8.self), offset: from + start, total: total)
    }
}

/// The `cvsinfo` text of a row: `mask;proximity;unit:phrase:score:columns|…`.
struct RowInfo {
    struct Part {
        var phrase: Int
        var score: Double
        var columns: Int
    }

    var matchedUnits: Set<Int> = []
    var proximity = 0.0
    var units: [Int: Part] = [:]
    /// Token positions of the densest window of matches in the body.
    var window: ClosedRange<Int>?

    init(_ text: String?) {
        guard let text else { return }
        let fields = text.split(separator: ";", omittingEmptySubsequences: false)
        guard fields.count >= 3 else { return }
        if fields.count >= 4 {
            let bounds = fields[3].split(separator: ":").compactMap { Int($0) }
            if bounds.count == 2, bounds[0] >= 0, bounds[1] >= bounds[0] { window = bounds[0]...bounds[1] }
        }
        proximity = Double(fields[1]) ?? 0
        for part in fields[2].split(separator: "|") {
            let values = part.split(separator: ":")
            guard values.count == 4, let unit = Int(values[0]), let phrase = Int(values[1]) else { continue }
            matchedUnits.insert(unit)
            units[unit] = Part(phrase: phrase, score: Double(values[2]) ?? 0, columns: Int(values[3]) ?? 0)
        }
    }
}

/// SQL for the entry-field filters: ` AND rowid IN (SELECT docid FROM entry WHERE …)`.
struct FilterSQL {
    var sql = ""
    var arguments = StatementArguments()

    init(_ filters: SearchFilters) {
        var conditions: [String] = []
        func list(_ column: String, _ values: [String], not: Bool) {
            guard !values.isEmpty else { return }
            conditions.append("\(column) \(not ? "NOT " : "")IN (\(Array(repeating: "?", count: values.count).joined(separator: ",")))")
            arguments += StatementArguments(values)
        }
        list("type", filters.types, not: false)
        list("type", filters.excludedTypes, not: true)
        list("lang", filters.langs, not: false)
        list("lang", filters.excludedLangs, not: true)
        if !filters.years.isEmpty {
            conditions.append("(" + filters.years.map { _ in "(firstYear <= ? AND lastYear >= ?)" }.joined(separator: " OR ") + ")")
            for range in filters.years { arguments += [range.upperBound, range.lowerBound] }
        }
        if !conditions.isEmpty {
            sql = " AND rowid IN (SELECT docid FROM entry WHERE \(conditions.joined(separator: " AND ")))"
        }
    }
}

/// Analyzers for searches: reused, since opening one clones ICU's break iterator.
final class AnalyzerPool: Sendable {
    private let free = Mutex<[Analyzer]>([])

    func with<T>(_ body: (Analyzer) throws -> T) throws -> T {
        let analyzer = try free.withLock { $0.popLast() } ?? Analyzer()
        defer { free.withLock { if $0.count < 16 { $0.append(analyzer) } } }
        return try body(analyzer)
    }
}

