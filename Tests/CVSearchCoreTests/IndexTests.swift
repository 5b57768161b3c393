import Foundation
import GRDB
import Testing
@testable import CVSearchCore

@Suite("Index")
struct IndexTests {
    /// A corpus folder with `count` small entries.
    func makeCorpus(_ count: Int) throws -> URL {
        let folder = TestSupport.temporaryFolder("corpus")
        for i in 0..<count {
            try write(folder, "e\(i).md", "---\ntitle: Entry \(i)\ntype: project\n---\n向量检索 entry number \(i)\n")
        }
        return folder
    }

    func write(_ folder: URL, _ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    func store() throws -> IndexStore {
        try IndexStore(path: TestSupport.temporaryFolder("index").appendingPathComponent("i.db").path)
    }

    func titles(_ store: IndexStore, _ query: String) throws -> [String] {
        try SearchService(store: store).search(SearchRequest(query: query, limit: 100)).hits.map(\.title).sorted()
    }

    @Test func incrementalReindex() throws {
        let folder = try makeCorpus(5)
        let store = try store()
        var summary = try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        #expect((summary.added, summary.updated, summary.removed, summary.unchanged) == (5, 0, 0, 0))

        summary = try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        #expect(!summary.changed && summary.unchanged == 5)

        try write(folder, "e1.md", "---\ntitle: Entry 1 changed\n---\n知识图谱\n")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("e2.md"))
        try write(folder, "new.md", "---\ntitle: New\n---\nLangChain\n")
        summary = try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        #expect((summary.added, summary.updated, summary.removed, summary.unchanged) == (1, 1, 1, 3))
        #expect(summary.description.hasPrefix("indexed 5 entries: 1 added, 1 updated, 1 removed, 3 unchanged in "))

        #expect(try titles(store, "知识图谱") == ["Entry 1 changed"])
        #expect(try titles(store, "LangChain") == ["New"])
        #expect(try titles(store, "number").count == 3)  // e0, e3, e4 (e1 changed, e2 removed)
        // The FTS table agrees with the content table (no stale tokens of the old e1 and e2).
        let check = try store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM entry_fts WHERE entry_fts MATCH '\"number\"'")
        }
        #expect(check == 3)
        try store.pool.write { db in try db.execute(sql: "INSERT INTO entry_fts(entry_fts, rank) VALUES('integrity-check', 1)") }
    }

    @Test func corpusErrorsLeaveTheIndexUntouched() throws {
        let folder = try makeCorpus(3)
        let store = try store()
        try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        let before = try store.info()
        try write(folder, "e0.md", "---\ntitle: Changed\n---\nchanged\n")
        try write(folder, "broken.md", "---\ntitle: [unclosed\n---\n")
        #expect(throws: IndexError.self) { try Indexer.index(CorpusLoader.load(at: folder.path), into: store) }
        #expect(try store.info() == before)
        #expect(try titles(store, "Changed").isEmpty)
    }

    /// A failure in the middle of a run (here a trigger that aborts one insert) rolls back
    /// every change of the run, including the updates made before it.
    @Test func failedRunRollsBackEverything() throws {
        let folder = try makeCorpus(3)
        let store = try store()
        try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        try store.pool.write { db in
            try db.execute(sql: "CREATE TRIGGER boom BEFORE INSERT ON entry WHEN NEW.title = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END")
        }
        try write(folder, "e0.md", "---\ntitle: Updated\n---\nupdated\n")
        try write(folder, "z.md", "---\ntitle: boom\n---\nx\n")
        #expect(throws: IndexError.self) { try Indexer.index(CorpusLoader.load(at: folder.path), into: store) }
        #expect(try titles(store, "Updated").isEmpty)
        #expect(try titles(store, "Entry").count == 3)
    }

    /// A reader in a snapshot keeps seeing the old index while a re-index commits.
    @Test func readersSeeOldOrNewNeverHalf() throws {
        let folder = try makeCorpus(20)
        let store = try store()
        try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        for i in 0..<20 { try write(folder, "e\(i).md", "---\ntitle: Second \(i)\n---\nsecond\n") }
        let snapshot = try store.pool.makeSnapshot()
        try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        let old = try snapshot.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entry WHERE title LIKE 'Entry%'") }
        let new = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entry WHERE title LIKE 'Second%'") }
        #expect(old == 20 && new == 20)
    }

    @Test func newTokenizerVersionRebuilds() throws {
        let folder = try makeCorpus(2)
        let store = try store()
        try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        try store.pool.write { db in try db.execute(sql: "UPDATE meta SET value = '0/old' WHERE key = 'tokenizer_version'") }
        let summary = try Indexer.index(CorpusLoader.load(at: folder.path), into: store)
        #expect(summary.rebuilt && summary.added == 2)
        #expect(try store.info().tokenizerVersion == IndexStore.tokenizerVersion)
        #expect(try titles(store, "检索").count == 2)
    }

    @Test func openForSearchBuildsAMissingIndexAndFollowsTheCorpus() throws {
        let folder = try makeCorpus(2)
        let path = TestSupport.temporaryFolder("auto").appendingPathComponent("sub/auto.db").path
        var outcome = try IndexMaintenance.openForSearch(index: path, corpus: folder.path)
        #expect(outcome.summary?.added == 2)
        outcome = try IndexMaintenance.openForSearch(index: path, corpus: folder.path)
        #expect(outcome.summary == nil)
        try write(folder, "e9.md", "---\ntitle: Late\n---\nlate\n")
        outcome = try IndexMaintenance.openForSearch(index: path, corpus: folder.path)
        #expect(outcome.summary?.added == 1)
        // A broken corpus keeps the last good index and reports the problem.
        try write(folder, "bad.md", "no front matter")
        outcome = try IndexMaintenance.openForSearch(index: path, corpus: folder.path)
        #expect(outcome.summary == nil && outcome.problems.count == 1)
        #expect(try titles(outcome.store, "late") == ["Late"])
    }

    @Test func missingIndexAndCorpusIsAClearError() {
        #expect(throws: IndexError.missing(path: "/nonexistent/x.db")) {
            try IndexMaintenance.openForSearch(index: "/nonexistent/x.db", corpus: "/nonexistent/corpus")
        }
    }

    @Test func corruptedIndexIsAClearError() throws {
        let path = TestSupport.temporaryFolder("corrupt").appendingPathComponent("bad.db").path
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            let store = try IndexStore(path: path, readonly: true)
            _ = try store.info()
            Issue.record("opened a corrupted file")
        } catch let error as IndexError {
            #expect(error.description.contains("cvsearch index --rebuild"), "\(error)")
        }
    }
}
