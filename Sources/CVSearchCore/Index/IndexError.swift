import GRDB

/// Errors of the index: each says what happened to which file and what to do about it.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    /// The corpus has errors; nothing was written.
    case corpus([CorpusProblem])
    /// There is no index file.
    case missing(path: String)
    /// The file is not a usable index (corrupted, or not an SQLite database).
    case corrupted(path: String, reason: String)
    /// The index cannot be written (read-only folder, disk full, ...). The old index is intact.
    case notWritable(path: String, reason: String)
    /// The index was built by another version of cvsearch (schema or tokenizer) and cannot be
    /// read correctly; `cvsearch index` rebuilds it.
    case outdated(path: String, reason: String)
    /// Another indexer held the index's lock for too long.
    case busy(path: String)
    /// Another SQLite failure.
    case database(path: String, reason: String)

    public var description: String {
        switch self {
        case .corpus(let problems):
            let errors = problems.filter { $0.severity == .error }
            return "the corpus has \(errors.count) error\(errors.count == 1 ? "" : "s"); the index was not changed:\n"
                + errors.map { "  \($0)" }.joined(separator: "\n")
        case .missing(let path):
            return "no index at \(path): build it with `cvsearch index`"
        case .corrupted(let path, let reason):
            return "the index \(path) is damaged (\(reason)): rebuild it with `cvsearch index --rebuild`"
        case .notWritable(let path, let reason):
            return "cannot write the index \(path): \(reason); the previous index is unchanged"
        case .outdated(let path, let reason):
            return "the index \(path) was built by another version of cvsearch (\(reason)): rebuild it with `cvsearch index`"
        case .busy(let path):
            return "another `cvsearch index` is still updating \(path); try again later"
        case .database(let path, let reason):
            return "index \(path): \(reason)"
        }
    }

    init(reading path: String, _ error: DatabaseError) {
        switch error.resultCode {
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            self = .corrupted(path: path, reason: error.message ?? "\(error.resultCode)")
        case .SQLITE_CANTOPEN:
            self = .missing(path: path)
        default:
            self = .database(path: path, reason: error.message ?? "\(error.resultCode)")
        }
    }

    init(writing path: String, _ error: DatabaseError) {
        switch error.resultCode {
        case .SQLITE_READONLY, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_PERM:
            self = .notWritable(path: path, reason: error.message ?? "\(error.resultCode)")
        default:
            self.init(reading: path, error)
        }
    }
}
