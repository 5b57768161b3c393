import Foundation
import Synchronization
import Testing

/// `cvsearch serve` as a process: started on a free port, stopped with SIGTERM.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    private(set) var port = 0
    private let log = LogBuffer()

    /// Responses collected from several threads.
    final class Results: Sendable {
        private let items = Mutex<[(Int, String)]>([])
        func append(_ item: (Int, String)) { items.withLock { $0.append(item) } }
        var all: [(Int, String)] { items.withLock { $0 } }
    }

    final class LogBuffer: Sendable {
        private let text = Mutex("")
        func append(_ more: String) { text.withLock { $0 += more } }
        var value: String { text.withLock { $0 } }
    }

    init(arguments: [String] = [], in folder: URL) throws {
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = folder
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        errors.fileHandleForReading.readabilityHandler = { [log] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            log.append(text)
        }
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = log.value
            if let range = text.range(of: "serving http://127.0.0.1:"),
               let port = Int(text[range.upperBound...].prefix(while: \.isNumber)) {
                self.port = port
                return
            }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "server did not start: \(log.value)"])
    }

    var output: String { log.value }

    /// GET a path (blocking); returns the status and body.
    func get(_ path: String) throws -> (status: Int, body: String) {
        try HTTPGet.fetch(port: port, path)
    }

    /// SIGTERM, then the exit status (nil if it did not stop within 10 s).
    func stop() -> Int32? {
        process.terminate()
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

@Suite("Server process", .serialized)
struct ServerProcessTests {
    /// While requests run in a loop, `cvsearch index` runs several times (each changing the
    /// corpus): zero failed requests, and every answer shows the old or the new content.
    @Test func reindexUnderLoadNeverFailsARequest() async throws {
        let folder = try CLI.freshCheckout()
        #expect(try CLI.run(["index"], in: folder).status == 0)
        let server = try ServerProcess(in: folder)
        let stop = ServerProcess.LogBuffer()
        let progress = ServerProcess.LogBuffer()
        let results = ServerProcess.Results()
        let loader = Thread {
            while stop.value.isEmpty {
                results.append((try? server.get("/search?q=loadmarker&limit=5")) ?? (0, "request failed"))
                progress.append("x")
            }
        }
        loader.start()
        for round in 0..<5 {
            try Data("---\ntitle: Round \(round) loadmarker\n---\nloadmarker round \(round)\n".utf8)
                .write(to: folder.appendingPathComponent("corpus/load.md"))
            let indexed = try CLI.run(["index"], in: folder)
            #expect(indexed.status == 0)
            let target = progress.value.count + 3  // let a few requests through before the next change
            while progress.value.count < target { try await Task.sleep(for: .milliseconds(5)) }
        }
        stop.append("stop")
        while !loader.isFinished { try await Task.sleep(for: .milliseconds(5)) }
        let seen = results.all
        #expect(seen.count > 5)
        #expect(seen.allSatisfy { $0.0 == 200 }, "\(seen.filter { $0.0 != 200 }.prefix(3))")
        let pattern = try Regex(#""title":"Round (\d) loadmarker""#)
        for (_, body) in seen {
            let rounds = body.matches(of: pattern).count
            #expect(rounds <= 1, "an answer mixes two corpora: \(body.prefix(200))")
        }
        #expect(try server.get("/search?q=loadmarker").body.contains("Round 4 loadmarker"))
        #expect(server.stop() == 0)
        #expect(server.output.contains("status=200"))
    }

    /// The index file deleted under the running server: it keeps serving the last good index,
    /// and follows a new one when `cvsearch index` builds it.
    @Test func indexDeletedWhileServing() async throws {
        let folder = try CLI.freshCheckout()
        #expect(try CLI.run(["index"], in: folder).status == 0)
        let server = try ServerProcess(in: folder)
        #expect(try server.get("/search?q=RAG").status == 200)
        let index = folder.appendingPathComponent("index/cvsearch.db").path
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index + suffix) }
        let afterDelete = try server.get("/search?q=RAG+Qwen")
        #expect(afterDelete.status == 200 && afterDelete.body.contains("Apple 自营店客服 RAG"))
        #expect(try server.get("/healthz").status == 200)
        try Data("---\ntitle: Fresh entry\n---\nfreshmarker\n".utf8).write(to: folder.appendingPathComponent("corpus/fresh.md"))
        #expect(try CLI.run(["index"], in: folder).status == 0)
        #expect(try server.get("/search?q=freshmarker").body.contains("Fresh entry"))
        #expect(server.stop() == 0)
    }

    @Test func sigtermStopsGracefully() async throws {
        let folder = try CLI.freshCheckout()
        #expect(try CLI.run(["index"], in: folder).status == 0)
        let server = try ServerProcess(arguments: ["--no-log-queries"], in: folder)
        // Requests in flight when SIGTERM arrives complete (40 at once, on threads).
        let results = ServerProcess.Results()
        let group = DispatchGroup()
        for i in 0..<40 {
            DispatchQueue.global().async(group: group) {
                results.append((try? server.get("/search?q=RAG\(i % 5)")) ?? (0, "refused"))
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        let status = server.stop()
        group.wait()
        // A request sent after the listener closed is refused, never cut off half-way.
        let codes = results.all.map(\.0).filter { $0 != 0 }
        #expect(status == 0)
        #expect(codes.allSatisfy { $0 == 200 })
        #expect(!server.output.contains("query=q="), "--no-log-queries keeps query text out of the info log")
    }
}
