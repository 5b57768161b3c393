import CVSearchCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
@testable import CVSearchHTTP

/// A copy of the repository's corpus, indexed in a temporary folder.
struct Fixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let folder: URL
    var corpus: URL { folder.appendingPathComponent("corpus") }
    var indexPath: String { folder.appendingPathComponent("index/cvsearch.db").path }

    init(indexed: Bool = true) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cvsearch-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("corpus"), to: corpus)
        if indexed { try reindex() }
    }

    @discardableResult
    func reindex() throws -> IndexSummary {
        try Indexer.index(CorpusLoader.load(at: corpus.path), into: IndexStore(path: indexPath))
    }

    func settings() -> ServerSettings {
        var settings = ServerSettings()
        settings.port = 0
        settings.indexPath = indexPath
        return settings
    }

    func application(_ settings: ServerSettings? = nil) -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return buildApplication(settings: settings ?? self.settings(), logger: logger)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    func json() throws -> [String: Any] { try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any] }
    func errorCode() throws -> String? { ((try json())["error"] as? [String: Any])?["code"] as? String }
}

@Suite("HTTP server")
struct ServerTests {
    @Test func searchReturnsTheCLIJSON() async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            let response = try await client.execute(uri: "/search?q=RAG+Qwen&limit=3", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let body = try JSONDecoder().decode(SearchResponse.self, from: Data(response.text.utf8))
            let service = SearchService(store: try IndexStore(path: fixture.indexPath, readonly: true))
            let direct = try await service.search(SearchRequest(query: "RAG Qwen", limit: 3))
            #expect(body.hits == direct.hits)
            #expect(body.query == "RAG Qwen" && body.limit == 3 && body.estimatedTotalHits == direct.estimatedTotalHits)
            #expect(body.hits.first?.formatted.title.contains("<mark>RAG</mark>") == true)
        }
    }

    @Test func plusAndPercent20AreSpaces() async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            for uri in ["/search?q=RAG+Qwen", "/search?q=RAG%20Qwen", "/search?q=%52AG+%51wen"] {
                let body = try await client.execute(uri: uri, method: .get).json()
                #expect(body["query"] as? String == "RAG Qwen", "\(uri)")
            }
            let chinese = try await client.execute(uri: "/search?q=%E7%9F%A5%E8%AF%86%E5%9B%BE%E8%B0%B1", method: .get).json()
            #expect(((chinese["hits"] as? [[String: Any]])?.first?["id"] as? String) == "projects/4-product-understanding-llm")
        }
    }

    @Test func parametersFilterAndPage() async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            let patents = try await client.execute(uri: "/search?q=%E6%A8%A1%E5%9E%8B&type=patent", method: .get).json()
            #expect((patents["hits"] as? [[String: Any]])?.map { $0["type"] as? String } == ["patent"])
            let page = try await client.execute(uri: "/search?q=University&limit=1&offset=1", method: .get).json()
            #expect(page["offset"] as? Int == 1 && (page["hits"] as? [Any])?.count == 1)
            let noPrefix = try await client.execute(uri: "/search?q=Qw&prefix=false", method: .get).json()
            #expect((noPrefix["hits"] as? [Any])?.isEmpty == true)
            let explained = try await client.execute(uri: "/search?q=RAG&explain=true", method: .get).json()
            #expect(((explained["hits"] as? [[String: Any]])?.first?["_explain"]) != nil)
            let zh = try await client.execute(uri: "/search?q=RAG&lang=zh", method: .get).json()
            #expect((zh["hits"] as? [[String: Any]])?.allSatisfy { $0["lang"] as? String == "zh" } == true)
        }
    }

    static let badRequests: [(String, HTTPResponse.Status, String)] = [
        ("/search", .badRequest, "missing_query"),
        ("/search?q=", .badRequest, "missing_query"),
        ("/search?q=+++", .badRequest, "missing_query"),
        ("/search?limit=3", .badRequest, "missing_query"),
        ("/search?q=RAG&limit=abc", .badRequest, "bad_parameter"),
        ("/search?q=RAG&limit=0", .badRequest, "bad_parameter"),
        ("/search?q=RAG&limit=101", .badRequest, "bad_parameter"),
        ("/search?q=RAG&offset=-1", .badRequest, "bad_parameter"),
        ("/search?q=RAG&offset=99999999999999999999", .badRequest, "bad_parameter"),
        ("/search?q=RAG&prefix=maybe", .badRequest, "bad_parameter"),
        ("/search?q=RAG&prefix=", .badRequest, "bad_parameter"),
        // A single-valued parameter given twice is ambiguous (Schemathesis: `offset=&offset=0`).
        ("/search?q=RAG&offset=&offset=0", .badRequest, "bad_parameter"),
        ("/search?q=RAG&limit=5&limit=5", .badRequest, "bad_parameter"),
        ("/search?q=RAG&q=Qwen", .badRequest, "bad_parameter"),
        ("/search?q=RAG&explain=true&explain=false", .badRequest, "bad_parameter"),
        ("/search?q=RAG&lang=", .badRequest, "bad_parameter"),
        ("/search?q=RAG&lang=zh,", .badRequest, "bad_parameter"),
        ("/search?q=" + String(repeating: "a", count: 1025), .badRequest, "query_too_long"),
        ("/search?q=" + String(repeating: "%E6%A3%80", count: 342), .badRequest, "query_too_long"),
        ("/search?q=RAG&type=", .badRequest, "bad_parameter"),
        ("/search?q=%ZZ", .badRequest, "bad_encoding"),
        ("/search?q=%E6%A3", .badRequest, "bad_encoding"),
        ("/search?q=%FF%FE", .badRequest, "bad_encoding"),
        ("/search?q=RAG%", .badRequest, "bad_encoding"),
        ("/search?q=foo:bar", .badRequest, "bad_query"),
        ("/search?q=RAG&type=blog", .badRequest, "bad_query"),
        ("/nope", .notFound, "not_found"),
        ("/search/extra", .notFound, "not_found"),
        ("/../etc/passwd", .notFound, "not_found"),
        ("/%2e%2e/%2e%2e/etc/passwd", .notFound, "not_found"),
    ]

    @Test("bad request", arguments: badRequests)
    func badRequest(uri: String, status: HTTPResponse.Status, code: String) async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == status, "\(uri): \(response.text)")
            #expect(try response.errorCode() == code, "\(uri): \(response.text)")
            let error = try response.json()["error"] as? [String: Any]
            #expect((error?["message"] as? String)?.isEmpty == false)
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            for method in [HTTPRequest.Method.post, .put, .delete, .patch] {
                let response = try await client.execute(uri: "/search?q=RAG", method: method)
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD, OPTIONS")
                #expect(try response.errorCode() == "method_not_allowed")
            }
            #expect(try await client.execute(uri: "/healthz", method: .post).status == .methodNotAllowed)
        }
    }

    @Test func corsHeadersAndPreflight() async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            let response = try await client.execute(uri: "/search?q=RAG", method: .get, headers: [.origin: "https://example.com"])
            #expect(response.headers[.accessControlAllowOrigin] == "*")
            #expect(response.headers[.accessControlExposeHeaders] == "ETag")
            let error = try await client.execute(uri: "/search", method: .get, headers: [.origin: "https://example.com"])
            #expect(error.headers[.accessControlAllowOrigin] == "*")
            let preflight = try await client.execute(
                uri: "/search", method: .options,
                headers: [.origin: "https://example.com", .accessControlRequestMethod: "GET"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowMethods] == "GET, HEAD, OPTIONS")
            #expect(preflight.headers[.accessControlAllowOrigin] == "*")
        }
        var settings = fixture.settings()
        settings.corsOrigin = "https://portfolio.example"
        try await fixture.application(settings).test(.live) { client in
            let response = try await client.execute(uri: "/search?q=RAG", method: .get, headers: [.origin: "https://other.example"])
            #expect(response.headers[.accessControlAllowOrigin] == "https://portfolio.example")
        }
    }

    @Test func etagAnd304FollowTheIndex() async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            let first = try await client.execute(uri: "/search?q=RAG", method: .get)
            let etag = try #require(first.headers[.eTag])
            #expect(etag.hasPrefix("W/\""))
            #expect(first.headers[.cacheControl] == "public, max-age=60")
            let again = try await client.execute(uri: "/search?q=RAG", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)
            let other = try await client.execute(uri: "/search?q=Qwen", method: .get)
            #expect(other.headers[.eTag] != etag)
            // Change the content: the same query gets a new ETag and a full answer.
            try Data("---\ntitle: New RAG entry\n---\nRAG\n".utf8).write(to: fixture.corpus.appendingPathComponent("new.md"))
            try fixture.reindex()
            let changed = try await client.execute(uri: "/search?q=RAG", method: .get, headers: [.ifNoneMatch: etag])
            #expect(changed.status == .ok && changed.headers[.eTag] != etag)
            #expect(changed.text.contains("New RAG entry"))
        }
    }

    @Test func healthzSaysWhatTheIndexIs() async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["status"] as? String == "ok" && body["entries"] as? Int == 17)
            #expect(body["tokenizerVersion"] as? String == IndexStore.tokenizerVersion)
            #expect(body["builtAt"] as? String != nil)
        }
    }

    @Test func noIndexIs503ThenServesOnceBuilt() async throws {
        let fixture = try Fixture(indexed: false)
        try await fixture.application().test(.live) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .serviceUnavailable)
            let search = try await client.execute(uri: "/search?q=RAG", method: .get)
            #expect(search.status == .serviceUnavailable)
            #expect(try search.errorCode() == "no_index")
            try fixture.reindex()
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/search?q=RAG", method: .get).status == .ok)
        }
    }

    @Test func demoPageAndWidget() async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("<div id=\"cvsearch\"></div>") && page.text.contains("/widget.js"))
            #expect(!page.text.contains("http://") && !page.text.contains("https://"), "no external assets")
            let widget = try await client.execute(uri: "/widget.js", method: .get)
            #expect(widget.status == .ok && widget.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(widget.text.contains("compositionend") && widget.text.contains("data-endpoint"))
            #expect(try await client.execute(uri: "/ping", method: .get).text == "pong\n")
        }
    }

    /// Hot swap: requests run in a loop while the corpus is re-indexed in place several times
    /// and the index file is replaced by a new one; every answer is a 200 and matches either
    /// the old or the new corpus.
    @Test func hotSwapDuringRequests() async throws {
        let fixture = try Fixture()
        try await fixture.application().test(.live) { client in
            let stop = ManagedFlag()
            let progress = Counter()
            async let load: [(HTTPResponse.Status, String)] = {
                var seen: [(HTTPResponse.Status, String)] = []
                while !stop.isSet {
                    let response = try await client.execute(uri: "/search?q=hotswap&limit=5", method: .get)
                    seen.append((response.status, response.text))
                    progress.increment()
                }
                return seen
            }()
            for round in 0..<6 {
                let text = "---\ntitle: Version \(round) hotswap\n---\nhotswap round \(round)\n"
                try Data(text.utf8).write(to: fixture.corpus.appendingPathComponent("swap.md"))
                if round == 3 {
                    // A file built elsewhere moved over the old one (a new inode), the safe way:
                    // the new file closed (checkpointed), the old -wal and -shm removed first.
                    let other = fixture.folder.appendingPathComponent("index/new.db").path
                    try Indexer.index(CorpusLoader.load(at: fixture.corpus.path), into: IndexStore(path: other))
                    for suffix in ["-wal", "-shm"] {
                        try? FileManager.default.removeItem(atPath: other + suffix)
                        try? FileManager.default.removeItem(atPath: fixture.indexPath + suffix)
                    }
                    _ = rename(other, fixture.indexPath)
                } else {
                    try fixture.reindex()
                }
                // Let a few requests through before the next change.
                let target = progress.value + 3
                while progress.value < target { try await Task.sleep(for: .milliseconds(5)) }
            }
            stop.set()
            let seen = try await load
            #expect(seen.count > 5)
            #expect(seen.allSatisfy { $0.0 == .ok }, "\(seen.filter { $0.0 != .ok }.prefix(3))")
            for (_, body) in seen {
                let hits = (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["hits"] as? [[String: Any]]
                let titles = hits?.compactMap { $0["title"] as? String } ?? []
                #expect(titles.count <= 1 && titles.allSatisfy { $0.hasPrefix("Version ") && $0.hasSuffix(" hotswap") })
            }
            let last = try await client.execute(uri: "/search?q=hotswap", method: .get).text
            #expect(last.contains("Version 5 hotswap"))
        }
    }
}

/// A counter shared between tasks.
final class Counter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

/// A flag shared between tasks.
final class ManagedFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

@Suite("Answer cache")
struct AnswerCacheTests {
    @Test func boundedAndLeastRecentlyUsedGoesFirst() {
        let cache = AnswerCache(maxEntries: 4, maxBytes: 1 << 20)
        for i in 0..<4 { cache.put("k\(i)", etag: "e\(i)", body: ByteBuffer(string: "body \(i)")) }
        _ = cache.get("k0")  // recently used: survives the eviction
        cache.put("k4", etag: "e4", body: ByteBuffer(string: "body 4"))
        #expect(cache.count <= 4)
        #expect(cache.get("k0")?.etag == "e0")
        #expect(cache.get("k4")?.etag == "e4")
        #expect(cache.get("k1") == nil)
    }

    @Test func keysChangeWithTheIndexFilesAndTheRequest() {
        let a = AnswerCache.key(SearchRequest(query: "RAG"), stamp: "1")
        #expect(a != AnswerCache.key(SearchRequest(query: "RAG"), stamp: "2"))
        #expect(a != AnswerCache.key(SearchRequest(query: "RAG", limit: 5), stamp: "1"))
        #expect(a == AnswerCache.key(SearchRequest(query: "RAG"), stamp: "1"))
    }

    @Test func aReindexChangesTheStamp() throws {
        let fixture = try Fixture()
        let handle = IndexHandle(path: fixture.indexPath)
        let before = try handle.current().stamp
        #expect(try handle.current().stamp == before)
        try Data("---\ntitle: Stamp\n---\nstamp\n".utf8).write(to: fixture.corpus.appendingPathComponent("stamp.md"))
        try fixture.reindex()
        #expect(try handle.current().stamp != before)
    }
}
