import Foundation
import GRDB
import Synchronization

/// What planning a query needs from the index besides the text: the glossary, and the
/// vocabulary for spelling corrections. Built per search inside its read snapshot.
struct QueryContext {
    var glossary: Glossary
    /// Latin words of the index with their document counts, loaded on the first correction.
    var latinWords: () throws -> LatinWords
    /// Whether a token is in the index.
    var contains: (String) throws -> Bool
    /// Whether some token of the index starts with this prefix.
    var hasPrefix: (String) throws -> Bool
    /// How many entries contain a token, or (with `prefix`) the most entries any token with
    /// this prefix is in.
    var documentFrequency: (String, Bool) throws -> Int = { _, _ in 1 }
    /// How many entries the index has.
    var documentCount = 1

    /// A context with no glossary and no corrections (tests of the plan alone).
    static var empty: QueryContext {
        QueryContext(
        glossary: Glossary(), latinWords: { LatinWords(byLength: [:]) }, contains: { _ in true }, hasPrefix: { _ in true })
    }

    init(glossary: Glossary, latinWords: @escaping () throws -> LatinWords, contains: @escaping (String) throws -> Bool,
         hasPrefix: @escaping (String) throws -> Bool) {
        self.glossary = glossary
        self.latinWords = latinWords
        self.contains = contains
        self.hasPrefix = hasPrefix
    }

    init(_ db: Database, data: IndexData) {
        glossary = data.glossary
        documentCount = data.documentCount
        documentFrequency = { token, prefix in
            if let known = data.frequency(token, prefix: prefix) { return known }
            let count: Int
            if prefix {
                // The most common of (at most 64 of) the words starting with it.
                count = try Int.fetchOne(
                    db.cachedStatement(sql: """
                        SELECT max(doc) FROM (SELECT doc FROM entry_vocab WHERE term >= ? AND term < ? LIMIT 64)
                        """),
                    arguments: [token, token + "\u{10FFFF}"]) ?? 0
            } else {
                count = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT doc FROM entry_vocab WHERE term = ?"), arguments: [token]) ?? 0
            }
            data.remember(token, prefix: prefix, count: count)
            return count
        }
        latinWords = { try data.latinWords(db) }
        contains = { token in
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM entry_vocab WHERE term = ?)"), arguments: [token]) ?? false
        }
        hasPrefix = { prefix in
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM entry_vocab WHERE term >= ? AND term < ?)"),
                arguments: [prefix, prefix + "\u{10FFFF}"]) ?? false
        }
    }
}

/// The index's Latin-script words by length, for spelling corrections.
struct LatinWords: Sendable {
    var byLength: [Int: [(word: [UInt8], documents: Int)]]

    /// Words within `maxDistance` edits (Damerau-Levenshtein: insertion, deletion, substitution,
    /// transposition of neighbours) of `word`, nearest first, then most frequent.
    func corrections(of word: String, maxDistance: Int, limit: Int = 3) -> [String] {
        let target = Array(word.utf8)
        var found: [(word: [UInt8], distance: Int, documents: Int)] = []
        for length in (target.count - maxDistance)...(target.count + maxDistance) {
            for candidate in byLength[length] ?? [] {
                let distance = Self.distance(target, candidate.word, limit: maxDistance)
                if distance <= maxDistance && distance > 0 { found.append((candidate.word, distance, candidate.documents)) }
            }
        }
        found.sort {
            if $0.distance != $1.distance { return $0.distance < $1.distance }
            if $0.documents != $1.documents { return $0.documents > $1.documents }
            return $0.word.lexicographicallyPrecedes($1.word)
        }
        return found.prefix(limit).map { String(decoding: $0.word, as: UTF8.self) }
    }

    /// Optimal-string-alignment distance, giving up (returning limit + 1) past `limit`.
    static func distance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        let n = a.count, m = b.count
        var previous2 = [Int](repeating: 0, count: m + 1)
        var previous = Array(0...m)
        var current = [Int](repeating: 0, count: m + 1)
        for i in 1...max(n, 1) where n > 0 {
            current[0] = i
            var rowMin = current[0]
            for j in 1...max(m, 1) where m > 0 {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
                rowMin = min(rowMin, value)
            }
            if rowMin > limit { return limit + 1 }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return n == 0 ? m : previous[m]
    }
}

/// Data read from the index once per content version: the glossary, and (lazily) its words.
final class IndexData: Sendable {
    let version: String
    let glossary: Glossary
    let documentCount: Int
    private let words = Mutex<LatinWords?>(nil)
    /// Document frequencies looked up so far (bounded).
    private let frequencies = Mutex<[String: Int]>([:])

    func frequency(_ token: String, prefix: Bool) -> Int? {
        frequencies.withLock { $0[(prefix ? "*" : "=") + token] }
    }

    func remember(_ token: String, prefix: Bool, count: Int) {
        frequencies.withLock { table in
            if table.count > 100_000 { table.removeAll() }
            table[(prefix ? "*" : "=") + token] = count
        }
    }

    init(_ db: Database, version: String) throws {
        self.version = version
        documentCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM entry") ?? 0
        let rows = try Row.fetchAll(db, sql: "SELECT grp, term FROM glossary ORDER BY rowid")
        glossary = Glossary(
            groups: Dictionary(grouping: rows, by: { $0["grp"] as Int }).sorted { $0.key < $1.key }
                .map { $0.value.map { $0["term"] as String } })
    }

    func latinWords(_ db: Database) throws -> LatinWords {
        if let words = words.withLock({ $0 }) { return words }
        var byLength: [Int: [(word: [UInt8], documents: Int)]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT term, doc FROM entry_vocab WHERE term >= 'a' AND term < '{'") {
            let term: String = row["term"]
            let bytes = Array(term.utf8)
            guard bytes.count >= 3, bytes.count <= 40, bytes.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { continue }
            byLength[bytes.count, default: []].append((bytes, row["doc"]))
        }
        let loaded = LatinWords(byLength: byLength)
        words.withLock { $0 = loaded }
        return loaded
    }
}
