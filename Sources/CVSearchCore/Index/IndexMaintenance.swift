import Foundation
import GRDB

/// Keeps an index in step with its corpus for commands that search: a fresh clone, an edited
/// corpus or a new tokenizer version all lead to an incremental (or full) re-index first.
public enum IndexMaintenance {
    /// What ``openForSearch(index:corpus:)`` did besides opening.
    public struct Outcome: Sendable {
        public var store: IndexStore
        /// Set when the index was (re)built.
        public var summary: IndexSummary?
        /// Problems found in the corpus (with errors, the previous index was kept).
        public var problems: [CorpusProblem] = []
    }

    /// Opens the index at `index`, first bringing it up to date with the corpus at `corpus`
    /// when the corpus exists and its files changed since the last run (or the index is missing
    /// or was built by another tokenizer version). A corpus with errors leaves the previous
    /// index in place; without a previous index that is an error.
    ///
    /// An index built from another corpus (say `--corpus bench-data/big.jsonl`, then searched
    /// without `--corpus`) is searched as it is, never refilled from the default corpus: set
    /// `explicitCorpus` when the user named the corpus, to re-index from it anyway.
    public static func openForSearch(index: String, corpus: String, explicitCorpus: Bool = true) throws -> Outcome {
        let corpusExists = FileManager.default.fileExists(atPath: corpus)
        let indexExists = FileManager.default.fileExists(atPath: index)
        guard corpusExists || indexExists else { throw IndexError.missing(path: index) }
        guard corpusExists else { return Outcome(store: try IndexStore(path: index, readonly: true)) }

        let store = try IndexStore(path: index)
        let source = sourcePath(corpus)
        let built = try store.read { db in
            (source: try IndexStore.meta(db, "corpus_source"), fingerprint: try IndexStore.meta(db, "corpus_fingerprint"),
             options: try IndexStore.meta(db, "corpus_options").flatMap {
                 try? JSONDecoder().decode(CorpusOptions.self, from: Data($0.utf8))
             },
             tokenizer: try IndexStore.meta(db, "tokenizer_version"), schema: try IndexStore.meta(db, "schema_version"),
             entries: try Int.fetchOne(db, sql: "SELECT count(*) FROM entry") ?? 0)
        }
        if !explicitCorpus && built.entries > 0 && (built.source.map { $0 != source } ?? (built.fingerprint == nil)) {
            // Built from another corpus, or by hand without one (a benchmark, a test): searched
            // as it is (a reader refuses another tokenizer version).
            return Outcome(store: try IndexStore(path: index, readonly: true))
        }
        let fingerprint = CorpusFingerprint.compute(at: corpus)
        if indexExists && built.fingerprint == fingerprint && built.tokenizer == IndexStore.tokenizerVersion
            && built.schema == "\(IndexStore.schemaVersion)"
        {
            return Outcome(store: store)
        }
        // Import the corpus as `cvsearch index` last did (`--base-url`, `--heading-levels`, …).
        let options = (built.source == source ? built.options : nil) ?? CorpusOptions()
        let loaded = CorpusLoader.load(at: corpus, options: options)
        if !loaded.errors.isEmpty {
            if indexExists && built.entries > 0 { return Outcome(store: store, problems: loaded.problems) }
            throw IndexError.corpus(loaded.problems)
        }
        let lock = try IndexLock(index: index)
        let summary = try withExtendedLifetime(lock) {
            try Indexer.index(loaded, into: store, fingerprint: fingerprint, source: source, options: options)
        }
        return Outcome(store: store, summary: summary, problems: loaded.problems)
    }

    /// The absolute, standardized path of a corpus, as the index records it.
    public static func sourcePath(_ corpus: String) -> String {
        URL(fileURLWithPath: corpus).standardizedFileURL.path
    }

    /// Brings the index at `index` up to date with a loaded corpus, for `cvsearch index`:
    /// holds the index's ``IndexLock``, and with `rebuild` also recovers from a damaged file
    /// (moved aside as `<index>.damaged-<time>`, for inspection, and built anew).
    public static func reindex(
        _ corpus: Corpus, index: String, fingerprint: String?, source: String? = nil, options: CorpusOptions? = nil,
        rebuild: Bool = false
    ) throws -> IndexSummary {
        let lock = try IndexLock(index: index)
        return try withExtendedLifetime(lock) {
            let store: IndexStore
            do {
                store = try IndexStore(path: index)
            } catch IndexError.corrupted where rebuild {
                let aside = index + ".damaged-\(Int(Date().timeIntervalSince1970))"
                try? FileManager.default.moveItem(atPath: index, toPath: aside)
                for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index + suffix) }
                store = try IndexStore(path: index)
            }
            return try Indexer.index(corpus, into: store, fingerprint: fingerprint, source: source, options: options, rebuild: rebuild)
        }
    }
}
