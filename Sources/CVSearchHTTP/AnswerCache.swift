import CVSearchCore
import Foundation
import Hummingbird
import Synchronization

/// Encoded `/search` answers, reused while the index file is unchanged.
///
/// A site's search box sends the same requests again and again (every visitor typing `R`,
/// `RA`, `RAG`…). Answers are keyed by the normalized request and by the index files' stamp
/// (device, inode, size and modification time of the database and its WAL): any commit of
/// `cvsearch index` changes the stamp, so a cached answer never outlives the content it came
/// from. Bounded in entries and bytes; the least recently used half is dropped when full.
final class AnswerCache: Sendable {
    struct Entry: Sendable {
        var etag: String
        var body: ByteBuffer
        var used: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var bytes = 0
        var tick: UInt64 = 0
    }

    private let state = Mutex(State())
    let maxEntries: Int
    let maxBytes: Int

    init(maxEntries: Int = 4096, maxBytes: Int = 32 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    /// The cache key of a request against the index files as they are now.
    static func key(_ request: SearchRequest, stamp: String) -> String {
        [stamp, request.query, "\(request.limit)", "\(request.offset)", request.types.joined(separator: ","),
         request.langs.joined(separator: ","), "\(request.prefix)", "\(request.explain)"].joined(separator: "\u{1F}")
    }

    func get(_ key: String) -> Entry? {
        state.withLock { state in
            guard var entry = state.entries[key] else { return nil }
            state.tick += 1
            entry.used = state.tick
            state.entries[key] = entry
            return entry
        }
    }

    func put(_ key: String, etag: String, body: ByteBuffer) {
        state.withLock { state in
            state.tick += 1
            if let old = state.entries[key] { state.bytes -= old.body.readableBytes }
            state.entries[key] = Entry(etag: etag, body: body, used: state.tick)
            state.bytes += body.readableBytes
            if state.entries.count > maxEntries || state.bytes > maxBytes {
                let keep = state.entries.sorted { $0.value.used > $1.value.used }.prefix(state.entries.count / 2)
                state.entries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
                state.bytes = state.entries.values.reduce(0) { $0 + $1.body.readableBytes }
            }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
