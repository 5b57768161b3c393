import Foundation

/// The query language, parsed: terms, exclusions, OR groups and filters.
///
/// ```text
/// RAG Qwen                 terms are AND-ed
/// "minimum window"         an exact phrase
/// RAG -Apple  -"a b"       exclusions
/// LLM OR 大模型            either term
/// type:project lang:zh tag:RAG tag:"customer service" year:2022 year:2020-2022   filters
/// -type:patent             an excluded filter value
/// ```
/// The last term is a prefix (search as you type) unless it is quoted or the query ends with
/// a space. Syntax characters never reach FTS5: terms are quoted by ``QueryPlan``.
public struct ParsedQuery: Sendable, Equatable {
    /// A search term: what the user typed, and how.
    public struct Term: Sendable, Equatable {
        public var text: String
        public var quoted: Bool
        public var negated: Bool
    }

    /// Positive terms, each a list of alternatives (`a OR b` is one entry with two).
    public var groups: [[Term]] = []
    /// Excluded terms (`-term`, `-"phrase"`).
    public var excluded: [Term] = []
    public var filters = SearchFilters()
    /// Whether the query ends with whitespace (the last word is complete: no prefix match).
    public var endsWithSpace = false
}

/// Filters on entry fields, from the query (`type:project`) or from request parameters.
public struct SearchFilters: Sendable, Equatable {
    public var types: [String] = []
    public var excludedTypes: [String] = []
    public var langs: [String] = []
    public var excludedLangs: [String] = []
    public var tags: [String] = []
    public var excludedTags: [String] = []
    public var years: [ClosedRange<Int>] = []

    public init() {}

    public var isEmpty: Bool { self == SearchFilters() }
}

/// A query the user must fix; the message says how.
public enum QueryError: Error, Equatable, CustomStringConvertible {
    case empty
    case tooLong(bytes: Int, limit: Int)
    case unknownField(String)
    case badFilter(field: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .empty:
            return "the query is empty: type a word to search for"
        case .tooLong(let bytes, let limit):
            return "the query is too long (\(bytes) bytes; the limit is \(limit))"
        case .unknownField(let name):
            return "unknown filter '\(name):' (filters are type:, lang:, tag: and year:; put the text in quotes to search for it: \"\(name):…\")"
        case .badFilter(let field, let value, let expected):
            return "bad value '\(value)' for \(field): (\(expected))"
        }
    }
}

/// Parses the query language. Never throws for odd text, only for a misused filter or a query
/// that is empty or too long.
public enum QueryParser {
    /// The longest query accepted, in UTF-8 bytes.
    public static let maxBytes = 1024
    static let fields: Set<String> = ["type", "lang", "tag", "year"]

    public static func parse(_ raw: String) throws -> ParsedQuery {
        guard raw.utf8.count <= maxBytes else { throw QueryError.tooLong(bytes: raw.utf8.count, limit: maxBytes) }
        let text = clean(raw)
        var query = ParsedQuery()
        query.endsWithSpace = text.last?.isWhitespace ?? false
        var chars = Array(text)[...]
        var pendingOr = false
        while true {
            while let c = chars.first, c.isWhitespace { chars = chars.dropFirst() }
            guard let first = chars.first else { break }
            var negated = false
            if first == "-", let next = chars.dropFirst().first, !next.isWhitespace {
                negated = true
                chars = chars.dropFirst()
            }
            var quoted = false
            var chunk = ""
            if chars.first == "\"" {
                quoted = true
                chars = chars.dropFirst()
                let end = chars.firstIndex(of: "\"") ?? chars.endIndex
                chunk = String(chars[..<end])
                chars = end < chars.endIndex ? chars[chars.index(after: end)...] : chars[end...]
            } else {
                while let c = chars.first, !c.isWhitespace {
                    if c == "\"" {  // a quoted value inside a chunk: tag:"customer service"
                        chars = chars.dropFirst()
                        let end = chars.firstIndex(of: "\"") ?? chars.endIndex
                        chunk += chars[..<end]
                        chars = end < chars.endIndex ? chars[chars.index(after: end)...] : chars[end...]
                    } else {
                        chunk.append(c)
                        chars = chars.dropFirst()
                    }
                }
            }
            if !quoted && !negated && chunk == "OR" {
                pendingOr = !query.groups.isEmpty
                continue
            }
            if !quoted, let (field, value) = filter(in: chunk) {
                try add(field: field, value: value, negated: negated, to: &query.filters)
                pendingOr = false
                continue
            }
            guard !chunk.allSatisfy(\.isWhitespace) else { continue }
            let term = ParsedQuery.Term(text: chunk, quoted: quoted, negated: negated)
            if negated {
                query.excluded.append(term)
            } else if pendingOr, !query.groups.isEmpty {
                query.groups[query.groups.count - 1].append(term)
            } else {
                query.groups.append([term])
            }
            pendingOr = false
        }
        if query.groups.isEmpty && query.excluded.isEmpty && query.filters.isEmpty { throw QueryError.empty }
        return query
    }

    /// Control characters become spaces; typographic and full-width quotes become `"`.
    static func clean(_ raw: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029:
                out.append(" ")
            case 0x201C, 0x201D, 0x201E, 0xFF02:
                out.append("\"")
            case 0xFF0D, 0x2212:
                out.append("-")
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// `name:value` where name is ASCII letters and value is not `//…` (a URL).
    static func filter(in chunk: String) -> (String, String)? {
        guard let colon = chunk.firstIndex(of: ":") else { return nil }
        let name = chunk[..<colon]
        let value = chunk[chunk.index(after: colon)...]
        guard !name.isEmpty, !value.isEmpty, !value.hasPrefix("//"),
            name.allSatisfy({ $0.isASCII && $0.isLetter })
        else { return nil }
        return (String(name), String(value))
    }

    private static func add(field: String, value: String, negated: Bool, to filters: inout SearchFilters) throws {
        let name = field.lowercased()
        guard fields.contains(name) else { throw QueryError.unknownField(field) }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        switch name {
        case "type":
            let type = trimmed.lowercased()
            guard EntryType(rawValue: type) != nil else {
                throw QueryError.badFilter(field: name, value: value,
                                           expected: "one of " + EntryType.allCases.map(\.rawValue).joined(separator: ", "))
            }
            if negated { filters.excludedTypes.append(type) } else { filters.types.append(type) }
        case "lang":
            let lang = String(trimmed.lowercased().prefix(while: { $0 != "-" && $0 != "_" }))
            guard !lang.isEmpty, lang.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw QueryError.badFilter(field: name, value: value, expected: "a language code such as zh or en")
            }
            if negated { filters.excludedLangs.append(lang) } else { filters.langs.append(lang) }
        case "tag":
            if negated { filters.excludedTags.append(trimmed) } else { filters.tags.append(trimmed) }
        default:  // year
            guard !negated, let years = yearRange(trimmed) else {
                throw QueryError.badFilter(field: name, value: value, expected: "a year such as 2022, or a range such as 2020-2022")
            }
            filters.years.append(years)
        }
    }

    static func yearRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == "." }).map(String.init)
        guard (1...2).contains(parts.count), parts.allSatisfy({ $0.count == 4 && Int($0) != nil }) else { return nil }
        let a = Int(parts[0])!, b = Int(parts.last!)!
        return min(a, b)...max(a, b)
    }
}
