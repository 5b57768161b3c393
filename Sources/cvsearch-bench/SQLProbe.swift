import ArgumentParser
import CVSearchCore
import Foundation
import GRDB
import Synchronization

/// `cvsearch-bench sql`: times raw FTS5 statements on an index, to see where a query's time goes.
struct SQLProbe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql", abstract: "Time raw FTS5 statements (count, bm25 top 10, cvsrank top 10) for a MATCH expression.")

    @Option(help: "The index database.")
    var index: String

    @Option(help: "Repetitions.")
    var runs = 20

    @Argument(help: "An FTS5 MATCH expression, e.g. '\"man\" AND \"手册页\"'.")
    var match: String

    func run() throws {
        let store = try IndexStore(path: index, readonly: true)
        let spec = "c=8,4,1;w=2:40;u=1;p=0:1"
        let statements: [(String, String, StatementArguments)] = [
            ("count", "SELECT count(*) FROM entry_fts WHERE entry_fts MATCH ?", [match]),
            ("bm25 top 10", "SELECT rowid FROM entry_fts WHERE entry_fts MATCH ? ORDER BY bm25(entry_fts) LIMIT 10", [match]),
            ("rank=bm25 top 10", "SELECT rowid FROM entry_fts WHERE entry_fts MATCH ? AND rank MATCH 'bm25(8, 4, 1)' ORDER BY rank LIMIT 10", [match]),
            ("cvsrank top 10", "SELECT rowid FROM entry_fts WHERE entry_fts MATCH ? AND rank MATCH ? ORDER BY rank LIMIT 10", [match, "cvsrank('\(spec)')"]),
            ("cvsrank given IDF", "SELECT rowid FROM entry_fts WHERE entry_fts MATCH ? AND rank MATCH ? ORDER BY rank LIMIT 10", [match, "cvsrank('\(spec);i=1,1,1,1')"]),
            ("cvsrank() in ORDER BY", "SELECT rowid FROM entry_fts WHERE entry_fts MATCH ? ORDER BY cvsrank(entry_fts, ?) LIMIT 10", [match, spec + ";i=1,1,1,1"]),
            ("rowid order top 10", "SELECT rowid FROM entry_fts WHERE entry_fts MATCH ? LIMIT 10", [match]),
        ]
        try store.pool.read { db in
            for (name, sql, arguments) in statements {
                var times: [Double] = []
                var rows = 0
                for _ in 0..<runs {
                    times.append(try seconds { rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).count } * 1000)
                }
                print("\(name): median \(format(percentile(times, 0.5))) ms (\(rows) rows)")
            }
            // What a search then costs per returned row: cvsinfo (the matches of one row) and
            // the entry with its body, for the top 10.
            let top = try Int64.fetchAll(db, sql: "SELECT rowid FROM entry_fts WHERE entry_fts MATCH ? ORDER BY bm25(entry_fts) LIMIT 10",
                                         arguments: [match])
            let perRow: [(String, String, (Int64) -> StatementArguments)] = [
                ("cvsinfo per row", "SELECT cvsinfo(entry_fts, ?) FROM entry_fts WHERE entry_fts MATCH ? AND rowid = ?", { [spec + ";i=1,1,1,1", match, $0] }),
                ("entry + body per row", "SELECT e.*, p.offsets FROM entry e LEFT JOIN entry_positions p ON p.docid = e.docid WHERE e.docid = ?", { [$0] }),
            ]
            for (name, sql, arguments) in perRow {
                var times: [Double] = []
                for _ in 0..<runs {
                    times.append(try seconds { for docid in top { _ = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments(docid)) } } * 1000)
                }
                print("\(name) x \(top.count): median \(format(percentile(times, 0.5))) ms")
            }
        }
    }
}

/// `cvsearch-bench trace`: every SQL statement one search runs, FTS5's own lookups included,
/// counted by their text, to see where a slow query's time goes. (SQLite's profile clock has
/// millisecond resolution here, so durations are for the whole search only.)
struct SearchTrace: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace", abstract: "The SQL statements of one search, counted (warm).")

    @Option(help: "The corpus to index (a folder, a Markdown file or a JSON Lines file).")
    var corpus = "corpus"

    @Argument(help: "The query.")
    var query: String

    func run() throws {
        let path = temporaryPath("trace.db")
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let store = try IndexStore(path: path)
        try Indexer.index(loadCorpus(corpus), into: store)
        let service = SearchService(store: store)
        let request = SearchRequest(query: query)
        for _ in 0..<20 { _ = try service.search(request) }  // warm: statements prepared, pages cached
        let statements = Mutex<[String]>([])
        // A pool lends its readers in turn: trace them all.
        for _ in 0..<4 {
            try store.pool.read { db in
                db.trace { event in
                    let sql = event.expandedDescription.split(whereSeparator: \.isNewline)
                        .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
                    statements.withLock { $0.append(sql) }
                }
            }
        }
        statements.withLock { $0.removeAll() }  // the statements of installing the traces
        let total = try seconds { _ = try service.search(request) } * 1000
        let traced = statements.withLock { $0 }
        var counts: [String: Int] = [:]
        var order: [String] = []
        for sql in traced {
            let key = sql.replacingOccurrences(of: #"'(?:[^']|'')*'|\b\d+\b"#, with: "?", options: .regularExpression)
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        for key in order { print("\(String(format: "%4d", counts[key]!))  \(key.prefix(150))") }
        print("\(traced.count) statements; the whole search \(format(total)) ms")
    }
}
