import CVSearchCore
import Foundation
import Logging
import Synchronization

/// The index the server reads, opened read-only, and reopened when the file at `path` is
/// replaced (hot swap): `cvsearch index` normally updates the database in place (readers see
/// the new content at their next read), but a rebuild into a new file, a restored backup or
/// an index that appears after the server started are picked up too, without a restart and
/// without failing a request (searches in flight finish on the service they started with).
///
/// When the file disappears or a replacement cannot be opened, the last good index keeps
/// serving.
public final class IndexHandle: Sendable {
    public let path: String
    private let logger: Logger

    private struct Opened: Sendable {
        var service: SearchService
        var device: UInt64
        var inode: UInt64
    }

    private let opened = Mutex<Opened?>(nil)

    public init(path: String, logger: Logger = Logger(label: "cvsearch.index")) {
        self.path = path
        self.logger = logger
    }

    /// The search service over the current index file.
    /// - Throws: ``IndexError`` when there is no usable index at all.
    public func service() throws -> SearchService { try current().service }

    /// The search service and the stamp of the index files (device, inode, size and
    /// modification time of the database and its WAL): equal stamps, equal content.
    func current() throws -> (service: SearchService, stamp: String) {
        let service = try openService()
        var db = stat(), wal = stat()
        _ = stat(path, &db)
        if stat(path + "-wal", &wal) != 0 { wal = stat() }
        let stamp = [UInt64(db.st_dev), UInt64(db.st_ino), UInt64(db.st_size), UInt64(db.st_mtim.tv_sec), UInt64(db.st_mtim.tv_nsec),
                     UInt64(wal.st_size), UInt64(wal.st_mtim.tv_sec), UInt64(wal.st_mtim.tv_nsec)]
            .map { String($0, radix: 16) }.joined(separator: ".")
        return (service, stamp)
    }

    private func openService() throws -> SearchService {
        let current = opened.withLock { $0 }
        var info = stat()
        guard stat(path, &info) == 0 else {
            if let current { return current.service }  // deleted: keep the last good index
            throw IndexError.missing(path: path)
        }
        let device = UInt64(info.st_dev), inode = UInt64(info.st_ino)
        if let current, current.device == device, current.inode == inode { return current.service }
        do {
            let store = try IndexStore(path: path, readonly: true)
            _ = try store.info()  // fail now on a damaged file, not in the middle of a search
            let service = SearchService(store: store)
            opened.withLock { $0 = Opened(service: service, device: device, inode: inode) }
            logger.info("opened index", metadata: ["path": "\(path)", "inode": "\(inode)"])
            return service
        } catch {
            if let current {
                logger.error("cannot open the new index file; serving the previous one", metadata: ["error": "\(error)"])
                return current.service
            }
            throw error
        }
    }
}
