import Foundation

/// How an alternative of a query term matches, from most to least literal.
public enum MatchKind: String, Codable, Sendable, CaseIterable, Hashable {
    /// The term as typed (after folding and stemming).
    case exact
    /// The last term as a prefix (search as you type).
    case prefix
    /// A spelling correction from the index's vocabulary.
    case typo
    /// A synonym or translation from the bilingual glossary.
    case glossary

    /// The weight of a match of this kind in the ranking (exact > prefix > typo > glossary),
    /// as written in the `cvsrank` spec.
    var weight: String {
        switch self {
        case .exact: return "1"
        case .prefix: return "0.8"
        case .typo: return "0.6"
        case .glossary: return "0.5"
        }
    }
}

/// One way a query unit can match: a phrase given to FTS5 (which analyzes it with our tokenizer).
struct Alternative: Sendable, Hashable {
    var text: String
    var prefix = false
    var kind = MatchKind.exact

    /// The FTS5 string: the text quoted, so no character of it is FTS5 syntax. Quotes are
    /// doubled byte by byte: a `"` with a combining mark after it (`"\u{301}`) is one Character,
    /// which a String replacement would not see, but still a quote to FTS5.
    var fts: String {
        var bytes: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            bytes.append(byte)
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
        }
        bytes.append(UInt8(ascii: "\""))
        if prefix { bytes.append(UInt8(ascii: "*")) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A unit of a query: one term (or OR group), which a hit must match through one of its
/// alternatives.
struct QueryUnit: Sendable, Equatable {
    /// What the user typed, to name the unit in results (`missingTerms`).
    var label: String
    var alternatives: [Alternative]
}

/// A parsed query turned into FTS5 expressions for each level of relaxation.
///
/// - **strict**: every term as typed; a Han run is an exact phrase.
/// - **relaxed**: Han runs (and mixed terms) split into ICU words, each required
///   (`模型訓練` also finds `模型的训练`); only when different from strict.
/// - **partial**: any unit of the relaxed level, ranked by how many match.
struct QueryPlan: Sendable {
    var strict: [QueryUnit] = []
    var relaxed: [QueryUnit]? = nil
    var excluded: [Alternative] = []
    var filters = SearchFilters()
    /// Terms dropped because nothing in them is searchable (punctuation, emoji).
    var ignored: [String] = []
    /// Whether the query limited the number of terms.
    var truncated = false

    static let maxUnits = 32

    /// The finest units: what partial matching counts and what highlighting marks.
    var finest: [QueryUnit] { relaxed ?? strict }
    /// Spelling corrections used: term as typed → the best correction.
    var corrections: [(term: String, correction: String)] = []
    /// Glossary expansions used: term → equivalent terms also searched.
    var expansions: [String: [String]] = [:]

    init(_ query: ParsedQuery, prefix: Bool, analyzer: Analyzer, context: QueryContext) throws {
        filters = query.filters
        let groups = query.groups
        let prefixIndex = prefix && !query.endsWithSpace ? groups.count - 1 : -1
        var split: [[QueryUnit]?] = []
        var i = 0
        while i < groups.count {
            if strict.count >= Self.maxUnits {
                truncated = true
                break
            }
            // A run of terms that is a glossary member (`customer service`) is one unit.
            if let (length, members) = Self.glossaryPhrase(groups, at: i, context.glossary) {
                let text = groups[i..<(i + length)].map { $0[0].text }.joined(separator: " ")
                var unit = QueryUnit(label: text, alternatives: [Alternative(text: text)])
                if i + length - 1 == prefixIndex, analyzer.querySegments(text).last?.kind == .word {
                    unit.alternatives.append(Alternative(text: text, prefix: true, kind: .prefix))
                }
                unit.alternatives += members.map { Alternative(text: $0, kind: .glossary) }
                expansions[text] = members
                strict.append(unit)
                split.append(nil)
                i += length
                continue
            }
            let group = groups[i]
            let isLast = i == prefixIndex
            var unit = QueryUnit(label: group.map(\.text).joined(separator: " OR "), alternatives: [])
            var pieces: [QueryUnit] = []
            for term in group {
                let segments = analyzer.querySegments(term.text)
                guard let lastSegment = segments.last else {
                    ignored.append(term.text)
                    continue
                }
                unit.alternatives.append(Alternative(text: term.text))
                if isLast && !term.quoted && lastSegment.kind == .word {
                    unit.alternatives.append(Alternative(text: term.text, prefix: true, kind: .prefix))
                }
                if !term.quoted {
                    let found = try Self.corrections(term.text, segments, isLast: isLast, analyzer, context)
                    if let best = found.first { corrections.append((term.text, best)) }
                    unit.alternatives += found.map { Alternative(text: $0, kind: .typo) }
                    if group.count > 1 {
                        let members = context.glossary.equivalents(of: term.text)
                        if !members.isEmpty { expansions[term.text] = members }
                        unit.alternatives += members.map { Alternative(text: $0, kind: .glossary) }
                    }
                }
                pieces = self.pieces(of: segments, prefixLast: isLast && !term.quoted, context.glossary)
            }
            guard !unit.alternatives.isEmpty else {
                i += 1
                continue
            }
            strict.append(unit)
            // Only a lone unquoted term is split (an OR group or a phrase stays whole).
            let splittable = group.count == 1 && !group[0].quoted && pieces.count > 1
            split.append(splittable ? pieces : nil)
            i += 1
        }
        if split.contains(where: { $0 != nil }) {
            relaxed = zip(strict, split).flatMap { unit, pieces in pieces ?? [unit] }
        }
        for term in query.excluded where !analyzer.querySegments(term.text).isEmpty {
            excluded.append(Alternative(text: term.text))
        }
    }

    /// The longest run of lone unquoted terms starting at `index` that is a glossary member.
    private static func glossaryPhrase(_ groups: [[ParsedQuery.Term]], at index: Int, _ glossary: Glossary)
        -> (length: Int, members: [String])?
    {
        guard !glossary.groups.isEmpty else { return nil }
        var length = min(glossary.longestMember, groups.count - index)
        while length >= 1 {
            let run = groups[index..<(index + length)]
            if run.allSatisfy({ $0.count == 1 && !$0[0].quoted }) {
                let members = glossary.equivalents(of: run.map { $0[0].text }.joined(separator: " "))
                if !members.isEmpty { return (length, members) }
            }
            length -= 1
        }
        return nil
    }

    /// Spelling corrections for a Latin word of 5+ letters (1 edit; 2 from 9 letters) that is
    /// not in the index (nor, for the last term, a prefix of a word in it). Words with digits,
    /// shorter words and Han text are never corrected.
    private static func corrections(
        _ text: String, _ segments: [Analyzer.QuerySegment], isLast: Bool, _ analyzer: Analyzer,
        _ context: QueryContext
    ) throws -> [String] {
        guard segments.count == 1, segments[0].kind == .word, segments[0].words.count == 1 else { return [] }
        let word = segments[0].words[0]
        let bytes = Array(word.utf8)
        guard bytes.count >= 5, bytes.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return [] }
        for token in analyzer.tokens(text, mode: .query) where try context.contains(token.text) { return [] }
        if isLast, try context.hasPrefix(word) { return [] }
        return try context.latinWords().corrections(of: word, maxDistance: bytes.count >= 9 ? 2 : 1)
    }

    /// A term's segments as separate units: word chains, and Han runs cut into words, glossary
    /// members first (the glossary as a user dictionary: `京东客服` → `京东`, `客服`), else ICU's
    /// dictionary words. Pieces that are glossary members get their equivalents.
    private mutating func pieces(of segments: [Analyzer.QuerySegment], prefixLast: Bool, _ glossary: Glossary)
        -> [QueryUnit]
    {
        var units: [QueryUnit] = []
        var found: [String: [String]] = [:]
        func add(_ text: String, prefix: Bool) {
            var unit = QueryUnit(label: text, alternatives: [Alternative(text: text)])
            if prefix { unit.alternatives.append(Alternative(text: text, prefix: true, kind: .prefix)) }
            let members = glossary.equivalents(of: text)
            if !members.isEmpty { found[text] = members }
            unit.alternatives += members.map { Alternative(text: $0, kind: .glossary) }
            units.append(unit)
        }
        for (index, segment) in segments.enumerated() {
            switch segment.kind {
            case .word:
                add(segment.text, prefix: prefixLast && index == segments.count - 1)
            case .cjk:
                let characters = Array(segment.words.joined())
                var boundaries = Set<Int>()
                var offset = 0
                for word in segment.words {
                    offset += word.count
                    boundaries.insert(offset)
                }
                var p = 0
                while p < characters.count {
                    var length = min(glossary.longestHanMember, characters.count - p)
                    while length >= 2 && glossary.equivalents(of: String(characters[p..<(p + length)])).isEmpty { length -= 1 }
                    if length < 2 {
                        length = 1
                        while p + length < characters.count && !boundaries.contains(p + length) { length += 1 }
                    }
                    add(String(characters[p..<(p + length)]), prefix: false)
                    p += length
                }
            }
        }
        if units.count > 1 { expansions.merge(found) { a, _ in a } }
        return units
    }

    /// The FTS5 MATCH expression over `units` (joined by AND, or by OR for partial matching),
    /// with tag filters and exclusions, and the `cvsrank` spec numbering its phrases, with
    /// their IDFs from `idf` (so the ranking function need not count them by reading every
    /// matching row).
    func expression(_ units: [QueryUnit], any: Bool, idf: (Alternative) throws -> Double = { _ in 1 }) rethrows
        -> (match: String, spec: String)
    {
        var phrases: [String] = []
        var idfs: [String] = []
        var clauses: [String] = []
        for (index, unit) in units.enumerated() {
            clauses.append("(" + unit.alternatives.map(\.fts).joined(separator: " OR ") + ")")
            for alternative in unit.alternatives {
                phrases.append(String(index) + ":" + alternative.kind.weight)
                idfs.append(String(format: "%.4f", try idf(alternative)))
            }
        }
        var match = clauses.joined(separator: any ? " OR " : " AND ")
        for tag in filters.tags {
            match = "(\(match)) AND tags : \(Alternative(text: tag).fts)"
            phrases.append("-1:0")
            idfs.append("0")
        }
        let exclusions = excluded.map(\.fts) + filters.excludedTags.map { "tags : " + Alternative(text: $0).fts }
        if !exclusions.isEmpty {
            match = "(\(match)) NOT (\(exclusions.joined(separator: " OR ")))"
            phrases += Array(repeating: "-1:0", count: exclusions.count)
        }
        idfs += Array(repeating: "0", count: phrases.count - idfs.count)
        let spec = "c=\(Self.columnWeights);w=2:\(Self.snippetPositions);u=\(units.count);p=\(phrases.joined(separator: ","))"
            + ";i=\(idfs.joined(separator: ","))"
        return (match, spec)
    }

    /// BM25F weights of the FTS5 columns title, tags, body.
    static let columnWeights = "8,4,1"
    /// Width, in token positions, of the body window a snippet is cut around.
    static let snippetPositions = 40

    /// BM25's inverse document frequency of an alternative, estimated from the index's
    /// vocabulary: a phrase is as rare as its rarest position, a position as common as its most
    /// common alternative token.
    static func idf(_ alternative: Alternative, analyzer: Analyzer, context: QueryContext) throws -> Double {
        let mode: TokenizationMode = alternative.prefix ? .prefixQuery : .query
        let tokens = analyzer.tokens(alternative.text, mode: mode)
        let lastPosition = tokens.last?.position ?? 0
        var positions: [Int: Int] = [:]
        for token in tokens {
            let count = try context.documentFrequency(token.text, alternative.prefix && token.position == lastPosition)
            positions[token.position] = max(positions[token.position] ?? 0, count)
        }
        let n = Double(max(context.documentCount, 1)), df = Double(positions.values.min() ?? 0)
        let value = log((n - df + 0.5) / (df + 0.5))
        return value > 0 ? value : 1e-6
    }

    /// The MATCH expression of what to exclude, for a query with only exclusions.
    var exclusionExpression: String? {
        let exclusions = excluded.map(\.fts) + filters.excludedTags.map { "tags : " + Alternative(text: $0).fts }
        return exclusions.isEmpty ? nil : exclusions.joined(separator: " OR ")
    }

    /// The MATCH expression of the tag filters alone, for a query without terms.
    var tagExpression: String? {
        filters.tags.isEmpty ? nil : filters.tags.map { "tags : " + Alternative(text: $0).fts }.joined(separator: " AND ")
    }
}
