import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Faults with real processes: `kill -9` during indexing, a full disk, a read-only index folder,
/// a damaged database, the index deleted under a running server, and re-indexing under load.
/// The mount-based cases need root (CI runs as root).
@Suite("Faults", .serialized)
struct FaultTests {
    /// A corpus of `count` generated entries, mixed Chinese and English, with one marker word.
    static func writeLargeCorpus(at folder: URL, count: Int, marker: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let chinese = "基于大模型的商品理解与知识图谱构建,完成向量检索模型的训练和效果验证,准确率达到百分之九十。"
        let english = "Trained a multi-modal tagging model with retrieval augmented generation and hard example mining."
        for i in 0..<count {
            let body = (0..<6).map { "\(chinese)\(i)-\($0) \(english) \(marker)\(i % 7)" }.joined(separator: "\n")
            try Data("---\ntitle: Generated entry \(i) \(marker)\ntype: page\n---\n\(body)\n".utf8)
                .write(to: folder.appendingPathComponent("e\(i).md"))
        }
    }

    static func checkout() throws -> URL { try CLI.freshCheckout() }

    /// Searches the index at `index` without a corpus (so no automatic re-index).
    static func search(_ query: String, index: String, in folder: URL) throws -> CLI.Result {
        try CLI.run(["--corpus", "/nonexistent-corpus", "--index", index, "--json", query], in: folder)
    }

    static func titles(_ result: CLI.Result) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            let hits = object["hits"] as? [[String: Any]]
        else { return [] }
        return hits.compactMap { $0["title"] as? String }
    }

    @Test func killDashNineDuringIndexingLosesNothing() throws {
        let folder = try Self.checkout()
        let index = folder.appendingPathComponent("index/cvsearch.db").path
        #expect(try CLI.run(["index"], in: folder).status == 0)
        let before = Self.titles(try Self.search("RAG Qwen", index: index, in: folder))
        #expect(before.first == "Project 3.2: Apple 自营店客服 RAG")
        try Self.writeLargeCorpus(at: folder.appendingPathComponent("corpus/generated"), count: 1500, marker: "zzmarker")
        for delay in [0.15, 0.5, 0.9, 1.4] {
            let process = Process()
            process.executableURL = CLI.binary
            process.arguments = ["index"]
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // The previous index is intact and searchable.
            let after = try Self.search("RAG Qwen", index: index, in: folder)
            #expect(after.status == 0, "after kill at \(delay)s: \(after.stderr)")
            #expect(Self.titles(after) == before, "after kill at \(delay)s")
            #expect(try Self.search("zzmarker3", index: index, in: folder).status == 1)
        }
        // The next run completes normally.
        let finished = try CLI.run(["index"], in: folder)
        #expect(finished.status == 0 && finished.stdout.contains("1500 added"), "\(finished.stdout) \(finished.stderr)")
        #expect(Self.titles(try Self.search("zzmarker3", index: index, in: folder)).count == 10)
        let check = try CLI.run(["index", "--verbose"], in: folder)
        #expect(check.stdout.contains("0 added, 0 updated, 0 removed, 1517 unchanged"))
    }

    @Test func twoIndexersAtOnceNeitherCorruptsNorDuplicates() throws {
        let folder = try Self.checkout()
        try Self.writeLargeCorpus(at: folder.appendingPathComponent("corpus/generated"), count: 400, marker: "twomarker")
        let processes = try (0..<2).map { _ -> (Process, Pipe) in
            let process = Process()
            process.executableURL = CLI.binary
            process.arguments = ["index"]
            process.currentDirectoryURL = folder
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            return (process, out)
        }
        var outputs: [String] = []
        for (process, out) in processes {
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            outputs.append(String(decoding: data, as: UTF8.self))
        }
        // One run did the work; the other waited for the lock and found nothing to do.
        #expect(outputs.filter { $0.contains("417 added") }.count == 1, "\(outputs)")
        #expect(outputs.filter(\.isEmpty).count == 1, "\(outputs)")
        let verbose = try CLI.run(["index", "--verbose"], in: folder)
        #expect(verbose.stdout.contains("417 unchanged"))
    }

    @Test func damagedDatabaseIsAClearErrorAndRebuildRecovers() throws {
        let folder = try Self.checkout()
        #expect(try CLI.run(["index"], in: folder).status == 0)
        let index = folder.appendingPathComponent("index/cvsearch.db")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index.path + suffix) }
        try Data(repeating: 0x5A, count: 64 * 1024).write(to: index)
        let search = try CLI.run(["RAG"], in: folder)
        #expect(search.status == 2)
        #expect(search.stderr.contains("damaged") && search.stderr.contains("cvsearch index --rebuild"), "\(search.stderr)")
        let plain = try CLI.run(["index"], in: folder)
        #expect(plain.status == 2 && plain.stderr.contains("--rebuild"))
        let rebuild = try CLI.run(["index", "--rebuild"], in: folder)
        #expect(rebuild.status == 0, "\(rebuild.stderr)")
        #expect(try CLI.run(["RAG"], in: folder).status == 0)
        let aside = try FileManager.default.contentsOfDirectory(atPath: index.deletingLastPathComponent().path)
        #expect(aside.contains { $0.hasPrefix("cvsearch.db.damaged-") })
    }

    /// A small tmpfs mounted on a folder of the checkout (root only).
    static func mountTmpfs(_ folder: URL, size: String) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let status = try CLI.shell("mount -t tmpfs -o size=\(size) tmpfs '\(folder.path)'")
        try #require(status == 0, "mounting a tmpfs needs root")
    }

    @Test func fullDiskIsAClearErrorAndTheOldIndexServes() throws {
        let folder = try Self.checkout()
        let small = folder.appendingPathComponent("small")
        try Self.mountTmpfs(small, size: "1m")
        defer { _ = try? CLI.shell("umount '\(small.path)'") }
        let index = small.appendingPathComponent("cvsearch.db").path
        #expect(try CLI.run(["index", "--index", index], in: folder).status == 0)
        try Self.writeLargeCorpus(at: folder.appendingPathComponent("corpus/generated"), count: 600, marker: "fullmarker")
        let full = try CLI.run(["index", "--index", index], in: folder)
        #expect(full.status == 2)
        #expect(full.stderr.contains("cannot write the index") && full.stderr.contains("full"), "\(full.stderr)")
        #expect(full.stderr.contains("previous index is unchanged"))
        #expect(Self.titles(try Self.search("RAG Qwen", index: index, in: folder)).first == "Project 3.2: Apple 自营店客服 RAG")
    }

    @Test func readOnlyIndexFolderIsAClearErrorAndTheOldIndexServes() throws {
        let folder = try Self.checkout()
        let readonly = folder.appendingPathComponent("ro")
        try Self.mountTmpfs(readonly, size: "8m")
        defer { _ = try? CLI.shell("umount '\(readonly.path)'") }
        let index = readonly.appendingPathComponent("cvsearch.db").path
        #expect(try CLI.run(["index", "--index", index], in: folder).status == 0)
        #expect(try CLI.shell("mount -o remount,ro '\(readonly.path)'") == 0)
        try Data("---\ntitle: Later\n---\nlater\n".utf8).write(to: folder.appendingPathComponent("corpus/later.md"))
        let result = try CLI.run(["index", "--index", index], in: folder)
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot write the index"), "\(result.stderr)")
        let search = try Self.search("RAG Qwen", index: index, in: folder)
        #expect(search.status == 0, "\(search.stderr)")
        #expect(Self.titles(search).first == "Project 3.2: Apple 自营店客服 RAG")
    }
}

extension CLI {
    /// Runs a shell command; returns its exit status.
    static func shell(_ command: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
