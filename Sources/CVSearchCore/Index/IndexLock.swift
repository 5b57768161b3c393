import Foundation

/// An exclusive lock on an index, held by one indexer at a time: `flock` on `<index>.lock`.
///
/// A second `cvsearch index` (two cron runs overlapping, or a manual run during one) waits
/// for the first to finish and then finds nothing left to do. The kernel releases the lock when
/// the process ends, `kill -9` included, so a crashed run never blocks the next one. SQLite's own
/// write lock would serialize the transactions anyway; this lock also keeps two processes from
/// reading and tokenizing the whole corpus at the same time.
public final class IndexLock {
    public let path: String
    private let descriptor: Int32

    /// Takes the lock, waiting up to `timeout` seconds for another indexer.
    /// - Throws: ``IndexError/notWritable(path:reason:)`` when the lock file cannot be created,
    ///   ``IndexError/busy(path:)`` when the wait times out.
    public init(index: String, timeout: TimeInterval = 600) throws {
        path = index + ".lock"
        let folder = (index as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw IndexError.notWritable(path: index, reason: "cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, Date() < deadline else {
                close(descriptor)
                throw IndexError.busy(path: index)
            }
            usleep(50_000)
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
