import CFTS5
import Foundation
import GRDB
import Synchronization

/// The index database: an `entry` table with the entries' fields and an external-content FTS5
/// table `entry_fts(title, tags, body)` tokenized by ``CVSearchTokenizer``, kept in sync by
/// triggers. Opened through a GRDB `DatabasePool` (WAL): readers see a consistent snapshot
/// while ``Indexer`` writes, and every change of a re-index lands in one transaction.
public final class IndexStore: Sendable {
    /// Version of the tables' layout. Different from the stored value: the index is rebuilt.
    public static let schemaVersion = 3

    /// Every how many body positions a byte offset is stored (see ``Analyzer/positionCheckpoints(_:every:)``).
    public static let checkpointInterval = 64

    /// The token stream's version plus the ICU version (segmentation changes with ICU's data).
    public static var tokenizerVersion: String { "\(Analyzer.version)/icu\(Analyzer.icuVersion)" }

    /// The database file.
    public let path: String
    /// The connections. Reads go through `pool.read`, writes through ``Indexer``.
    public let pool: DatabasePool

    /// Opens (and with `readonly == false`, creates) the index at `path`.
    public init(path: String, readonly: Bool = false) throws {
        self.path = path
        if !readonly {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                } catch {
                    throw IndexError.notWritable(path: path, reason: "cannot create the folder \(folder): \(error.localizedDescription)")
                }
            }
        } else if !FileManager.default.fileExists(atPath: path) {
            throw IndexError.missing(path: path)
        }
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration(readonly: readonly))
            if !readonly { try pool.write { db in try Self.createSchema(db) } }
        } catch let error as DatabaseError {
            throw readonly ? IndexError(reading: path, error) : IndexError(writing: path, error)
        }
        try Self.preloadHanFolds(pool)
        if readonly {
            // A reader cannot migrate: an index of another version is an error, not wrong results.
            let (schema, tokenizer) = try read { db in
                (try IndexStore.meta(db, "schema_version"), try IndexStore.meta(db, "tokenizer_version"))
            }
            if schema != "\(Self.schemaVersion)" {
                throw IndexError.outdated(path: path, reason: "schema \(schema ?? "none"), this version reads \(Self.schemaVersion)")
            }
            if tokenizer != Self.tokenizerVersion {
                throw IndexError.outdated(path: path, reason: "tokenizer \(tokenizer ?? "none"), this version uses \(Self.tokenizerVersion)")
            }
        }
    }

    /// The GRDB configuration of every connection: the tokenizer and ranking functions
    /// registered, and a busy timeout so a reader or a second indexer waits instead of failing.
    public static func configuration(readonly: Bool) -> Configuration {
        var config = Configuration()
        config.readonly = readonly
        config.busyMode = .timeout(30)
        config.label = "cvsearch"
        config.prepareDatabase { db in
            db.add(tokenizer: CVSearchTokenizer.self)
            let rc = cvs_register_rank(UnsafeMutableRawPointer(db.sqliteConnection))
            if rc != 0 {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: "cannot register the cvsrank function")
            }
            // Writers keep -wal and -shm in place, so read-only readers can always open the index.
            if !readonly { _ = cvs_persist_wal(UnsafeMutableRawPointer(db.sqliteConnection)) }
        }
        return config
    }

    private static let hanFoldsLoaded = Mutex(false)

    /// Loads the index's Han folds into the tokenizer's cache, once per process.
    static func preloadHanFolds(_ pool: DatabasePool) throws {
        guard !hanFoldsLoaded.withLock({ $0 }) else { return }
        let folds = try pool.read { db -> [(codePoint: UInt32, folded: String)] in
            guard try db.tableExists("han_fold"),
                try meta(db, "han_fold_version") == tokenizerVersion
            else { return [] }
            return try Row.fetchAll(db, sql: "SELECT cp, folded FROM han_fold").map { (UInt32($0["cp"] as Int64), $0["folded"]) }
        }
        guard !folds.isEmpty else { return }
        Analyzer.preloadHanFolds(folds)
        hanFoldsLoaded.withLock { $0 = true }
    }

    /// Creates the tables if they are missing (a new index).
    static func createSchema(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)")
        guard try !db.tableExists("entry") else { return }
        try db.create(table: "entry") { t in
            t.primaryKey("docid", .integer)
            t.column("id", .text).notNull().unique()
            t.column("type", .text).notNull()
            t.column("title", .text).notNull()
            t.column("tags", .text).notNull()  // indexed: the tags and the type, one per line
            t.column("tagList", .text).notNull()  // shown: the tags, one per line
            t.column("body", .text).notNull()
            t.column("url", .text)
            t.column("lang", .text).notNull()
            t.column("date", .text)
            t.column("firstYear", .integer)
            t.column("lastYear", .integer)
            t.column("source", .text).notNull()
            t.column("hash", .text).notNull()
        }
        try db.execute(sql: "CREATE TABLE glossary(grp INTEGER NOT NULL, term TEXT NOT NULL)")
        // Byte offsets of every 64th position of long bodies (little-endian UInt32s), so a hit
        // deep in a long entry is highlighted without tokenizing the text before it.
        try db.execute(sql: "CREATE TABLE entry_positions(docid INTEGER PRIMARY KEY NOT NULL, offsets BLOB NOT NULL)")
        // Traditional → Simplified folds of the Han blocks (see Analyzer.hanFolds()).
        try db.execute(sql: "CREATE TABLE han_fold(cp INTEGER PRIMARY KEY NOT NULL, folded TEXT NOT NULL)")
        try createFTS(db)
        try setMeta(db, "schema_version", "\(schemaVersion)")
        try setMeta(db, "tokenizer_version", tokenizerVersion)
    }

    static func createFTS(_ db: Database) throws {
        try db.create(virtualTable: "entry_fts", using: FTS5()) { t in
            t.synchronize(withTable: "entry")
            t.tokenizer = CVSearchTokenizer.tokenizerDescriptor()
            t.column("title")
            t.column("tags")
            t.column("body")
        }
        // The index's vocabulary, for spelling corrections.
        try db.execute(sql: "CREATE VIRTUAL TABLE IF NOT EXISTS entry_vocab USING fts5vocab(entry_fts, 'row')")
    }

    static func dropFTS(_ db: Database) throws {
        try db.dropFTS5SynchronizationTriggers(forTable: "entry_fts")
        try db.execute(sql: "DROP TABLE IF EXISTS entry_vocab")
        try db.execute(sql: "DROP TABLE IF EXISTS entry_fts")
    }

    static func meta(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = ?"), arguments: [key])
    }

    static func setMeta(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
    }

    /// Facts about the index, for `/healthz` and the CLI.
    public func info() throws -> IndexInfo {
        try read { db in try IndexInfo(db) }
    }

    /// Runs a read in a snapshot, mapping SQLite errors (a corrupted file, say) to ``IndexError``.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw IndexError(reading: path, error)
        }
    }

    /// The async form of ``read(_:)``, which does not block a thread of the caller's executor.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch let error as DatabaseError {
            throw IndexError(reading: path, error)
        }
    }
}

/// What the index says about itself.
public struct IndexInfo: Sendable, Codable, Equatable {
    public var entries: Int
    /// When the content last changed (ISO 8601), if it ever did.
    public var builtAt: String?
    public var tokenizerVersion: String
    public var schemaVersion: Int
    /// Changes whenever the indexed content changes: the HTTP layer's ETag.
    public var contentVersion: String

    init(_ db: Database) throws {
        entries = try Int.fetchOne(db, sql: "SELECT count(*) FROM entry") ?? 0
        builtAt = try IndexStore.meta(db, "built_at")
        tokenizerVersion = try IndexStore.meta(db, "tokenizer_version") ?? "unknown"
        schemaVersion = Int(try IndexStore.meta(db, "schema_version") ?? "0") ?? 0
        contentVersion = try IndexStore.meta(db, "content_version") ?? "0"
    }
}
