import Foundation

/// How an alternative of a query term matches, from most to least literal.
public enum MatchKind: String, Codable, Sendable, CaseIterable {
    /// The term as typed (after folding and stemming).
    case exact
    /// The last term as a prefix (search as you type).
    case prefix
    /// A spelling correction from the index's vocabulary.
    case typo
    /// A synonym or translation from the bilingual glossary.
    case glossary

    /// The weight of a match of this kind in the ranking (exact > prefix > typo > glossary).
    var weight: Double {
        switch self {
        case .exact: return 1.0
        case .prefix: return 0.8
        case .typo: return 0.6
        case .glossary: return 0.5
        }
    }
}

/// One way a query unit can match: a phrase given to FTS5 (which analyzes it with our tokenizer).
struct Alternative: Sendable, Equatable {
    var text: String
    var prefix = false
    var kind = MatchKind.exact

    /// The FTS5 string: the text quoted, so no character of it is FTS5 syntax.
    var fts: String {
        "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (prefix ? "*" : "")
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

    init(_ query: ParsedQuery, prefix: Bool, analyzer: Analyzer) {
        filters = query.filters
        let lastIndex = query.groups.indices.last
        var split: [[QueryUnit]?] = []
        for (index, group) in query.groups.enumerated() {
            if strict.count >= Self.maxUnits {
                truncated = true
                break
            }
            let isLast = index == lastIndex && prefix && !query.endsWithSpace
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
                pieces = Self.pieces(of: segments, prefixLast: isLast && !term.quoted)
            }
            guard !unit.alternatives.isEmpty else { continue }
            strict.append(unit)
            // Only a lone unquoted term is split (an OR group or a phrase stays whole).
            let splittable = group.count == 1 && !group[0].quoted && pieces.count > 1
            split.append(splittable ? pieces : nil)
        }
        if split.contains(where: { $0 != nil }) {
            relaxed = zip(strict, split).flatMap { unit, pieces in pieces ?? [unit] }
        }
        for term in query.excluded where !analyzer.querySegments(term.text).isEmpty {
            excluded.append(Alternative(text: term.text))
        }
    }

    /// A term's segments as separate units: word chains, and Han runs cut into ICU words.
    private static func pieces(of segments: [Analyzer.QuerySegment], prefixLast: Bool) -> [QueryUnit] {
        var units: [QueryUnit] = []
        for (index, segment) in segments.enumerated() {
            switch segment.kind {
            case .word:
                var unit = QueryUnit(label: segment.text, alternatives: [Alternative(text: segment.text)])
                if prefixLast && index == segments.count - 1 {
                    unit.alternatives.append(Alternative(text: segment.text, prefix: true, kind: .prefix))
                }
                units.append(unit)
            case .cjk:
                for word in segment.words {
                    units.append(QueryUnit(label: word, alternatives: [Alternative(text: word)]))
                }
            }
        }
        return units
    }

    /// The FTS5 MATCH expression over `units` (joined by AND, or by OR for partial matching),
    /// with tag filters and exclusions, and the `cvsrank` spec numbering its phrases.
    func expression(_ units: [QueryUnit], any: Bool) -> (match: String, spec: String) {
        var phrases: [String] = []
        var clauses: [String] = []
        for (index, unit) in units.enumerated() {
            clauses.append("(" + unit.alternatives.map(\.fts).joined(separator: " OR ") + ")")
            for alternative in unit.alternatives {
                phrases.append("\(index):\(alternative.kind.weight)")
            }
        }
        var match = clauses.joined(separator: any ? " OR " : " AND ")
        for tag in filters.tags {
            match = "(\(match)) AND tags : \(Alternative(text: tag).fts)"
            phrases.append("-1:0")
        }
        let exclusions = excluded.map(\.fts) + filters.excludedTags.map { "tags : " + Alternative(text: $0).fts }
        if !exclusions.isEmpty {
            match = "(\(match)) NOT (\(exclusions.joined(separator: " OR ")))"
            phrases += Array(repeating: "-1:0", count: exclusions.count)
        }
        let spec = "c=\(Self.columnWeights);u=\(units.count);p=\(phrases.joined(separator: ","))"
        return (match, spec)
    }

    /// BM25F weights of the FTS5 columns title, tags, body.
    static let columnWeights = "8,4,1"

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
