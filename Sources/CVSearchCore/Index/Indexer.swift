import Foundation
import GRDB

/// What a run of the indexer did.
public struct IndexSummary: Sendable, Equatable, CustomStringConvertible {
    public var added = 0
    public var updated = 0
    public var removed = 0
    public var unchanged = 0
    /// Whether the whole index was rebuilt (asked for, or a new tokenizer or schema version).
    public var rebuilt = false
    /// Whether the glossary changed.
    public var glossaryChanged = false
    public var seconds = 0.0

    /// Whether the indexed content changed.
    public var changed: Bool { added + updated + removed > 0 || rebuilt || glossaryChanged }
    public var entries: Int { added + updated + unchanged }

    /// One line: `indexed 17 entries: 2 added, 1 updated, 0 removed, 14 unchanged in 12 ms`.
    public var description: String {
        let ms = Int((seconds * 1000).rounded())
        return "indexed \(entries) entr\(entries == 1 ? "y" : "ies")\(rebuilt ? " (full rebuild)" : ""): "
            + "\(added) added, \(updated) updated, \(removed) removed, \(unchanged) unchanged"
            + (glossaryChanged ? ", glossary updated" : "") + " in \(ms) ms"
    }
}

/// Writes a corpus into an ``IndexStore``: incrementally (by content hash) and atomically.
///
/// All changes of a run happen in one `BEGIN IMMEDIATE` transaction: readers keep seeing the
/// previous index until it commits, a failure or a `kill -9` leaves the previous index as it
/// was (SQLite's WAL rolls the transaction back), and a second indexer started meanwhile waits
/// for the lock and then finds nothing left to do.
public enum Indexer {
    /// Indexes `corpus` into `store`. Throws ``IndexError/corpus(_:)`` without touching the index
    /// when the corpus has errors.
    /// - Parameters:
    ///   - fingerprint: the corpus files' fingerprint, stored to tell later whether they changed.
    ///   - source: where the corpus was read from (``IndexMaintenance/sourcePath(_:)``), stored so
    ///     that a search refreshes the index only from the corpus it was built from.
    ///   - options: how the corpus was imported, stored so that a refresh imports it the same way.
    ///   - rebuild: rewrite every entry, even those that did not change.
    @discardableResult
    public static func index(
        _ corpus: Corpus, into store: IndexStore, fingerprint: String? = nil, source: String? = nil,
        options: CorpusOptions? = nil, rebuild: Bool = false
    ) throws -> IndexSummary {
        guard corpus.errors.isEmpty else { throw IndexError.corpus(corpus.problems) }
        let started = Date()
        var summary = IndexSummary()
        do {
            try store.pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    summary = try apply(corpus, db, fingerprint: fingerprint, source: source, options: options, rebuild: rebuild)
                    return .commit
                }
            }
        } catch let error as DatabaseError {
            throw IndexError(writing: store.path, error)
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    private static func apply(
        _ corpus: Corpus, _ db: Database, fingerprint: String?, source: String?, options: CorpusOptions?, rebuild: Bool
    ) throws -> IndexSummary {
        var summary = IndexSummary()
        let schemaChanged = try IndexStore.meta(db, "schema_version") != "\(IndexStore.schemaVersion)"
        let tokenizerChanged = try IndexStore.meta(db, "tokenizer_version") != IndexStore.tokenizerVersion
        if schemaChanged {
            try IndexStore.dropFTS(db)
            for table in ["entry", "entry_positions", "glossary", "han_fold"] { try db.execute(sql: "DROP TABLE IF EXISTS \(table)") }
            try db.execute(sql: "DELETE FROM meta")
            try IndexStore.createSchema(db)
        }
        if rebuild || schemaChanged || tokenizerChanged {
            // The old tokens can't be deleted with a different tokenizer: drop the FTS table.
            summary.rebuilt = true
            try IndexStore.dropFTS(db)
            try db.execute(sql: "DELETE FROM entry")
            try db.execute(sql: "DELETE FROM entry_positions")
            try IndexStore.createFTS(db)
            try IndexStore.setMeta(db, "schema_version", "\(IndexStore.schemaVersion)")
            try IndexStore.setMeta(db, "tokenizer_version", IndexStore.tokenizerVersion)
        }

        var existing: [String: (docid: Int64, hash: String)] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT docid, id, hash FROM entry") {
            existing[row["id"]] = (row["docid"], row["hash"])
        }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO entry(id, type, title, tags, tagList, body, url, lang, date, firstYear, lastYear, source, hash)
            VALUES (:id, :type, :title, :tags, :tagList, :body, :url, :lang, :date, :firstYear, :lastYear, :source, :hash)
            """)
        let update = try db.cachedStatement(sql: """
            UPDATE entry SET type = :type, title = :title, tags = :tags, tagList = :tagList, body = :body, url = :url, lang = :lang,
              date = :date, firstYear = :firstYear, lastYear = :lastYear, source = :source, hash = :hash
            WHERE id = :id
            """)
        let analyzer = try Analyzer()
        let savePositions = try db.cachedStatement(sql: "INSERT OR REPLACE INTO entry_positions(docid, offsets) VALUES (?, ?)")
        let dropPositions = try db.cachedStatement(sql: "DELETE FROM entry_positions WHERE docid = ?")
        /// Stores the checkpoints of a long body (short ones are tokenized whole when highlighted).
        func positions(_ entry: Entry, docid: Int64) throws {
            let offsets = analyzer.positionCheckpoints(entry.body, every: IndexStore.checkpointInterval)
            if offsets.count > 4 {
                let blob = offsets.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian on every platform built here
                try savePositions.execute(arguments: [docid, blob])
            } else {
                try dropPositions.execute(arguments: [docid])
            }
        }
        var seen = Set<String>()
        for entry in corpus.entries {
            seen.insert(entry.id)
            let hash = entry.contentHash
            let arguments: StatementArguments = [
                "id": entry.id, "type": entry.type, "title": entry.title,
                "tags": (entry.tags + [entry.type]).joined(separator: "\n"), "tagList": entry.tags.joined(separator: "\n"),
                "body": entry.body, "url": entry.url, "lang": entry.lang, "date": entry.date,
                "firstYear": entry.firstYear, "lastYear": entry.lastYear, "source": entry.source, "hash": hash,
            ]
            if let old = existing[entry.id] {
                if old.hash == hash {
                    summary.unchanged += 1
                } else {
                    try update.execute(arguments: arguments)
                    try positions(entry, docid: old.docid)
                    summary.updated += 1
                }
            } else {
                try insert.execute(arguments: arguments)
                try positions(entry, docid: db.lastInsertedRowID)
                summary.added += 1
            }
        }
        for (id, old) in existing where !seen.contains(id) {
            try db.execute(sql: "DELETE FROM entry WHERE docid = ?", arguments: [old.docid])
            try dropPositions.execute(arguments: [old.docid])
            summary.removed += 1
        }
        let storedGlossary = try Row.fetchAll(db, sql: "SELECT grp, term FROM glossary ORDER BY rowid")
        let stored = Dictionary(grouping: storedGlossary, by: { $0["grp"] as Int }).sorted { $0.key < $1.key }
            .map { $0.value.map { $0["term"] as String } }
        if stored != corpus.glossary.groups {
            summary.glossaryChanged = true
            try db.execute(sql: "DELETE FROM glossary")
            for (index, group) in corpus.glossary.groups.enumerated() {
                for term in group {
                    try db.execute(sql: "INSERT INTO glossary(grp, term) VALUES (?, ?)", arguments: [index, term])
                }
            }
        }
        if summary.changed {
            try IndexStore.setMeta(db, "built_at", ISO8601DateFormatter().string(from: Date()))
            // A version that depends only on the content: equal content, equal ETag.
            var version = FNV1a64()
            for row in try Row.fetchAll(db, sql: "SELECT id, hash FROM entry ORDER BY id") {
                version.combine(row["id"] as String)
                version.combine(row["hash"] as String)
            }
            version.combine(IndexStore.tokenizerVersion)
            for group in corpus.glossary.groups { version.combine(group.joined(separator: "\u{1F}") + "\u{1E}") }
            try IndexStore.setMeta(db, "content_version", version.hex)
            // After a large change, merge the FTS5 index into one segment (queries read fewer
            // segments); small updates are left to FTS5's automatic merging.
            let changes = summary.added + summary.updated + summary.removed
            if summary.rebuilt || changes >= max(50, summary.entries / 10) {
                try db.execute(sql: "INSERT INTO entry_fts(entry_fts) VALUES('optimize')")
            }
        }
        if try IndexStore.meta(db, "han_fold_version") != IndexStore.tokenizerVersion {
            try db.execute(sql: "DELETE FROM han_fold")
            let save = try db.makeStatement(sql: "INSERT INTO han_fold(cp, folded) VALUES (?, ?)")
            for (c, folded) in Analyzer.hanFolds() { try save.execute(arguments: [Int64(c), folded]) }
            try IndexStore.setMeta(db, "han_fold_version", IndexStore.tokenizerVersion)
        }
        if let fingerprint { try IndexStore.setMeta(db, "corpus_fingerprint", fingerprint) }
        if let source { try IndexStore.setMeta(db, "corpus_source", source) }
        if let options, let json = try? JSONEncoder().encode(options) {
            try IndexStore.setMeta(db, "corpus_options", String(decoding: json, as: UTF8.self))
        }
        return summary
    }

    /// The fingerprint stored by the last run, to compare with ``CorpusFingerprint/compute(at:)``.
    public static func storedFingerprint(_ store: IndexStore) throws -> String? {
        try store.read { db in try IndexStore.meta(db, "corpus_fingerprint") }
    }
}
