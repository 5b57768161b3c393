import ArgumentParser
import CICU
import CVSearchCore
import Foundation
import GRDB

/// Loads a corpus (folder, Markdown file or JSON Lines) or exits with its problems.
func loadCorpus(_ path: String) throws -> Corpus {
    let corpus = CorpusLoader.load(at: path)
    guard corpus.errors.isEmpty else { throw IndexError.corpus(corpus.problems) }
    return corpus
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Bytes of a database's pages in use (free pages, left by merges, not counted).
func fileSize(_ path: String) -> Int {
    guard let queue = try? DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }()) else { return 0 }
    return (try? queue.read { db in
        try Int.fetchOne(db, sql: "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size")
    } ?? 0) ?? 0
}

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("cvsearch-bench-\(UUID().uuidString)-\(name)").path
}

/// A plain FTS5 index of the same entries with a built-in tokenizer (`unicode61`, the
/// baseline measured in the same run; or `trigram`, FTS5's way to find substrings of Chinese).
/// Same layout as cvsearch's (an `entry` table, an external-content FTS5 table over title,
/// tags and body, kept in sync by triggers).
struct Unicode61Index {
    let path: String
    let queue: DatabaseQueue

    /// FTS5's `trigram` tokenizer (GRDB has no descriptor for it).
    static let trigram = FTS5TokenizerDescriptor(components: ["trigram"])

    init(_ corpus: Corpus, path: String, tokenizer: FTS5TokenizerDescriptor = .unicode61()) throws {
        self.path = path
        queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.create(table: "entry") { t in
                t.primaryKey("docid", .integer)
                t.column("id", .text).notNull().unique()
                t.column("title", .text).notNull()
                t.column("tags", .text).notNull()
                t.column("body", .text).notNull()
            }
            try db.create(virtualTable: "entry_fts", using: FTS5()) { t in
                t.synchronize(withTable: "entry")
                t.tokenizer = tokenizer
                t.column("title")
                t.column("tags")
                t.column("body")
            }
            let insert = try db.makeStatement(sql: "INSERT INTO entry(id, title, tags, body) VALUES (?, ?, ?, ?)")
            for entry in corpus.entries {
                try insert.execute(arguments: [entry.id, entry.title, (entry.tags + [entry.type]).joined(separator: "\n"), entry.body])
            }
        }
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// Ids of the top 10 for a query: its words, quoted, AND-ed, ranked by bm25 with the same
    /// column weights (no snippets). Runs on any `entry_fts(title, tags, body)`, cvsearch's too.
    static func search(_ query: String, _ db: Database) throws -> [Int64] {
        let words = query.split(whereSeparator: \.isWhitespace).map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        guard !words.isEmpty else { return [] }
        return try Int64.fetchAll(
            db.cachedStatement(sql: "SELECT rowid FROM entry_fts WHERE entry_fts MATCH ? ORDER BY bm25(entry_fts, 8, 4, 1) LIMIT 10"),
            arguments: [words.joined(separator: " AND ")])
    }
}

/// `cvsearch-bench tokenizer`: tokenizer throughput against unicode61 on the same texts.
struct TokenizerSpeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer", abstract: "Tokenizer throughput (MB/s) of cvsearch and FTS5 unicode61 on the same texts.")

    @Option(help: "The corpus (a folder, a Markdown file or a JSON Lines file).")
    var corpus = "bench-data/manzh-1x.jsonl"

    @Option(help: "Timed rounds (the best is reported, after one warm-up).")
    var rounds = 3

    func run() throws {
        let texts = try loadCorpus(corpus).entries.map { $0.title + "\n" + $0.tags.joined(separator: "\n") + "\n" + $0.body }
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        /// MB/s of the best round (after a warm-up) of `count` over every text's UTF-8, and the
        /// units it counted.
        func throughput(_ count: (UnsafeBufferPointer<CChar>) -> Int) -> (Double, Int) {
            var best = Double.infinity, units = 0
            for round in 0...rounds {
                var total = 0
                let time = seconds {
                    for text in texts {
                        var utf8 = text
                        utf8.withUTF8 { buffer in buffer.withMemoryRebound(to: CChar.self) { total += count($0) } }
                    }
                }
                if round > 0 { best = min(best, time) }
                units = total
            }
            return (Double(bytes) / 1e6 / best, units)
        }
        let queue = try DatabaseQueue(configuration: IndexStore.configuration(readonly: false))
        try queue.read { db in
            var results: [(String, Double, Int)] = []
            for (name, tokenizer) in [("cvsearch", try db.makeTokenizer(CVSearchTokenizer.tokenizerDescriptor())),
                                      ("unicode61", try db.makeTokenizer(.unicode61())),
                                      ("trigram", try db.makeTokenizer(Unicode61Index.trigram))] {
                let (speed, tokens) = throughput { chars in
                    var count = 0
                    withUnsafeMutablePointer(to: &count) { counter in
                        _ = tokenizer.tokenize(
                            context: UnsafeMutableRawPointer(counter), tokenization: .document,
                            pText: chars.baseAddress, nText: Int32(chars.count),
                            tokenCallback: { context, _, _, _, _, _ in
                                context!.assumingMemoryBound(to: Int.self).pointee += 1
                                return 0
                            })
                    }
                    return count
                }
                results.append((name, speed, tokens))
            }
            // The ceiling named by the goal: ICU's word break alone over the same bytes (the
            // segmenter cvsearch uses for non-Han text), no folding, no tokens.
            let segmenter = cvs_segmenter_open()
            defer { cvs_segmenter_close(segmenter) }
            let (icuSpeed, segments) = throughput { chars in
                guard cvs_segmenter_set_text(segmenter, chars.baseAddress, Int32(chars.count)) == 0 else { return 0 }
                var count = 0
                var start: Int32 = 0, end: Int32 = 0, kind: Int32 = 0
                while cvs_segmenter_next(segmenter, &start, &end, &kind) != 0 { count += 1 }
                return count
            }
            results.append(("ICU word break alone", icuSpeed, segments))
            print("texts: \(texts.count), \(String(format: "%.1f", Double(bytes) / 1e6)) MB of UTF-8")
            for (name, speed, tokens) in results {
                print("  \(name): \(String(format: "%.1f", speed)) MB/s, \(tokens) \(name.hasPrefix("ICU") ? "segments" : "tokens (colocated included)")")
            }
            print("  ratio cvsearch/unicode61: \(String(format: "%.2f", results[0].1 / results[1].1))x; "
                  + "cvsearch/trigram: \(String(format: "%.2f", results[0].1 / results[2].1))x; "
                  + "cvsearch/ICU word break: \(String(format: "%.2f", results[0].1 / results[3].1))x")
        }
    }
}

/// `cvsearch-bench build`: index build time and size against unicode61.
struct BuildSpeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Index build time and size of cvsearch and FTS5 unicode61 on the same entries.")

    @Option(help: "The corpus (a folder, a Markdown file or a JSON Lines file).")
    var corpus = "bench-data/manzh-1x.jsonl"

    func run() throws {
        let loaded = try loadCorpus(corpus)
        let bytes = loaded.entries.reduce(0) { $0 + $1.title.utf8.count + $1.body.utf8.count }
        let ours = temporaryPath("ours.db"), theirs = temporaryPath("u61.db"), trigram = temporaryPath("tri.db")
        defer {
            for path in [ours, theirs, trigram] {
                for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        }
        let oursTime = try seconds {
            let store = try IndexStore(path: ours)
            try Indexer.index(loaded, into: store)
            try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        }
        let theirsTime = try seconds { _ = try Unicode61Index(loaded, path: theirs) }
        let trigramTime = try seconds { _ = try Unicode61Index(loaded, path: trigram, tokenizer: Unicode61Index.trigram) }
        let oursSize = fileSize(ours), theirsSize = fileSize(theirs), trigramSize = fileSize(trigram)
        func line(_ name: String, _ time: Double, _ size: Int) -> String {
            "  \(name) \(String(format: "%.2f", time)) s (\(String(format: "%.1f", Double(bytes) / 1e6 / time)) MB/s), "
                + "\(String(format: "%.1f", Double(size) / 1e6)) MB"
        }
        print("entries: \(loaded.entries.count), \(String(format: "%.1f", Double(bytes) / 1e6)) MB of text")
        print(line("cvsearch: ", oursTime, oursSize))
        print(line("unicode61:", theirsTime, theirsSize))
        print(line("trigram:  ", trigramTime, trigramSize))
        print("  build speed cvsearch/unicode61: \(String(format: "%.2f", theirsTime / oursTime))x; "
              + "size: \(String(format: "%.2f", Double(oursSize) / Double(max(theirsSize, 1))))x")
        print("  build speed cvsearch/trigram: \(String(format: "%.2f", trigramTime / oursTime))x; "
              + "size: \(String(format: "%.2f", Double(oursSize) / Double(max(trigramSize, 1))))x")
    }
}
