/// What a search asks for. The CLI's options and the HTTP endpoint's parameters map onto it.
public struct SearchRequest: Sendable, Equatable {
    public var query: String
    public var limit: Int
    public var offset: Int
    /// Restrict to entry types (`--type`, `type=`), in addition to `type:` in the query.
    public var types: [String]
    /// Restrict to languages (`lang=`), in addition to `lang:` in the query.
    public var langs: [String]
    /// Match the last term as a prefix (search as you type).
    public var prefix: Bool
    /// Explain each hit's score.
    public var explain: Bool

    public static let defaultLimit = 10
    public static let maxLimit = 100

    public init(
        query: String, limit: Int = SearchRequest.defaultLimit, offset: Int = 0, types: [String] = [],
        langs: [String] = [], prefix: Bool = true, explain: Bool = false
    ) {
        self.query = query
        self.limit = limit
        self.offset = offset
        self.types = types
        self.langs = langs
        self.prefix = prefix
        self.explain = explain
    }
}

/// The answer of a search: the JSON of `cvsearch --json` and of `GET /search`.
///
/// Field names follow Meilisearch's search API (`hits`, `estimatedTotalHits`, `_formatted`),
/// which site-search widgets already understand.
public struct SearchResponse: Codable, Sendable, Equatable {
    public var query: String
    public var processingTimeMs: Double
    public var limit: Int
    public var offset: Int
    /// Entries in the whole result list (full matches, then partial ones when they fill a page).
    public var estimatedTotalHits: Int
    public var hits: [SearchHit]
    /// Messages for the user: partial results shown, terms ignored, …
    public var notes: [String]
    /// The query as corrected for typos, when a term was corrected.
    public var correctedQuery: String?
    /// Glossary expansions used: term → the equivalent terms also searched.
    public var expandedTerms: [String: [String]]?
    /// The content version of the index snapshot that answered (not part of the JSON; the
    /// HTTP layer's ETag).
    public var indexVersion: String?

    enum CodingKeys: String, CodingKey {
        case query, processingTimeMs, limit, offset, estimatedTotalHits, hits, notes, correctedQuery, expandedTerms
    }
}

/// One result.
public struct SearchHit: Codable, Sendable, Equatable {
    public var id: String
    public var type: String
    public var title: String
    public var url: String?
    public var lang: String
    public var tags: [String]
    public var date: String?
    /// Plain text around the best matches, `…` where cut.
    public var snippet: String
    /// Higher is better; comparable within one response only.
    public var score: Double
    /// The entry matches only some of the query's terms (shown when full matches don't fill a page).
    public var partial: Bool
    /// For partial hits, the terms it lacks.
    public var missingTerms: [String]?
    /// `title` and `snippet` HTML-escaped, with `<mark>…</mark>` around matches.
    public var formatted: Formatted
    /// Why the hit scored what it did (with `explain`).
    public var explain: Explanation?

    public struct Formatted: Codable, Sendable, Equatable {
        public var title: String
        public var snippet: String
    }

    enum CodingKeys: String, CodingKey {
        case id, type, title, url, lang, tags, date, snippet, score, partial, missingTerms
        case formatted = "_formatted"
        case explain = "_explain"
    }
}

/// The parts of a hit's score.
public struct Explanation: Codable, Sendable, Equatable {
    /// One per query term (or word of a relaxed Chinese term).
    public struct TermMatch: Codable, Sendable, Equatable {
        public var term: String
        public var matched: Bool
        /// How it matched (exact, prefix, typo, glossary) and through which text.
        public var kind: MatchKind?
        public var matchedAs: String?
        /// Fields it was found in: title, tags, body.
        public var fields: [String]
        /// Its BM25F part of the score, after the kind's weight.
        public var score: Double
    }

    /// strict, relaxed (Han terms matched as separate words) or partial.
    public var level: String
    public var terms: [TermMatch]
    public var proximity: Double
    public var total: Double
}
