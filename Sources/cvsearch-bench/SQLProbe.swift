import ArgumentParser
import CVSearchCore
import Foundation
import GRDB

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
