import CVSearchCore
import Foundation
import GRDB

/// Paths and shared fixtures for the tests.
enum TestSupport {
    /// The repository root (tests run against the real `corpus/`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static var corpusPath: String { root.appendingPathComponent("corpus").path }
    static var fixtures: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures") }

    /// A new empty temporary folder.
    static func temporaryFolder(_ name: String = "test") -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cvsearch-\(name)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// An index of the real corpus, built once per test run.
    static let portfolio: SearchService = {
        let folder = temporaryFolder("portfolio")
        let store = try! IndexStore(path: folder.appendingPathComponent("cvsearch.db").path)
        let corpus = CorpusLoader.load(at: corpusPath)
        precondition(corpus.errors.isEmpty, "the repository's corpus has errors: \(corpus.errors)")
        try! Indexer.index(corpus, into: store)
        return SearchService(store: store)
    }()

    /// A database with one FTS5 table using the cvsearch tokenizer.
    static func ftsQueue() throws -> DatabaseQueue {
        let queue = try DatabaseQueue(configuration: IndexStore.configuration(readonly: false))
        try queue.write { db in
            try db.create(virtualTable: "doc", using: FTS5()) { t in
                t.tokenizer = CVSearchTokenizer.tokenizerDescriptor()
                t.column("content")
            }
        }
        return queue
    }

    /// Whether a document with `content` matches the query term `term`, quoted as the query layer
    /// quotes it (`"term"`, or `"term"*` for a prefix).
    static func matches(_ content: String, _ term: String, prefix: Bool = false) throws -> Bool {
        let queue = try ftsQueue()
        return try queue.write { db in
            try db.execute(sql: "INSERT INTO doc(content) VALUES (?)", arguments: [content])
            let pattern = "\"" + term.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (prefix ? "*" : "")
            return try Bool.fetchOne(db, sql: "SELECT count(*) > 0 FROM doc WHERE doc MATCH ?", arguments: [pattern])!
        }
    }

    /// Titles of the hits of a query over the real corpus.
    static func titles(_ query: String, limit: Int = 10) throws -> [String] {
        try portfolio.search(SearchRequest(query: query, limit: limit)).hits.map(\.title)
    }
}
