import CVSearchCore
import Foundation
import Hummingbird

/// The endpoints: `/search` (the same JSON as `cvsearch --json`), `/healthz`, `/ping`, the demo
/// page `/`, the embeddable `/widget.js` and the API contract `/openapi.json`.
struct SearchController: Sendable {
    let index: IndexHandle
    let settings: ServerSettings
    let cache: AnswerCache

    init(index: IndexHandle, settings: ServerSettings) {
        self.index = index
        self.settings = settings
        cache = AnswerCache(maxEntries: settings.answerCacheSize)
    }

    /// Paths and their methods, for 405 answers.
    static let routes: [String: String] = [
        "/search": "GET, HEAD, OPTIONS", "/healthz": "GET, HEAD", "/ping": "GET, HEAD", "/": "GET, HEAD",
        "/widget.js": "GET, HEAD", "/openapi.json": "GET, HEAD",
    ]

    func register(on router: Router<BasicRequestContext>) {
        router.get("/search") { request, _ in try await self.search(request) }
        router.head("/search") { request, _ in try await self.search(request) }
        router.get("/healthz") { _, _ in try await self.health() }
        router.head("/healthz") { _, _ in try await self.health() }
        router.get("/ping") { _, _ in Self.text("pong\n", type: "text/plain; charset=utf-8") }
        router.head("/ping") { _, _ in Self.text("pong\n", type: "text/plain; charset=utf-8") }
        router.get("/") { _, _ in Self.text(DemoPage.html, type: "text/html; charset=utf-8", cache: "no-cache") }
        router.get("/widget.js") { _, _ in Self.text(Widget.javascript, type: "text/javascript; charset=utf-8", cache: "public, max-age=300") }
        router.get("/openapi.json") { _, _ in Self.text(OpenAPIDocument.json, type: "application/json; charset=utf-8", cache: "public, max-age=300") }
    }

    // MARK: - /search

    /// Parses and checks the parameters: `q` (required, at most 1 024 bytes), `limit` (1-100),
    /// `offset` (0-10 000), `type` and `lang` (repeatable or comma-separated), `prefix`, `explain`
    /// (each of these given at most once).
    static func searchRequest(from query: String?) throws -> SearchRequest {
        let parameters: [(name: String, value: String)]
        do {
            parameters = try QueryString.parse(query)
        } catch {
            throw APIError(.badRequest, "bad_encoding", error.message)
        }
        func values(_ name: String) -> [String] { parameters.filter { $0.name == name }.map(\.value) }
        /// The value of a parameter that takes one: given twice, it is ambiguous.
        func single(_ name: String) throws -> String? {
            let given = values(name)
            guard given.count <= 1 else {
                throw APIError(.badRequest, "bad_parameter", "\(name) is given \(given.count) times; give it once")
            }
            return given.first
        }
        func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
            guard let text = try single(name) else { return value }
            guard let number = Int(text), range.contains(number) else {
                throw APIError(.badRequest, "bad_parameter", "\(name) must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }
        func flag(_ name: String, default value: Bool) throws -> Bool {
            guard let text = try single(name)?.lowercased() else { return value }
            switch text {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw APIError(.badRequest, "bad_parameter", "\(name) must be true or false")
            }
        }
        guard let q = try single("q"), !q.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.badRequest, "missing_query", "the q parameter is required, e.g. /search?q=RAG")
        }
        guard q.utf8.count <= QueryParser.maxBytes else {
            throw APIError(.badRequest, "query_too_long", "q is \(q.utf8.count) bytes; the limit is \(QueryParser.maxBytes)")
        }
        let list = { (name: String) in
            values(name).flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) } }
        }
        let types = list("type"), langs = list("lang")
        if types.contains(where: \.isEmpty) {
            throw APIError(.badRequest, "bad_parameter", "type must name entry types (e.g. type=project)")
        }
        if langs.contains(where: \.isEmpty) {
            throw APIError(.badRequest, "bad_parameter", "lang must name languages (e.g. lang=zh)")
        }
        return SearchRequest(
            query: q, limit: try integer("limit", default: SearchRequest.defaultLimit, range: 1...SearchRequest.maxLimit),
            offset: try integer("offset", default: 0, range: 0...10_000), types: types, langs: langs,
            prefix: try flag("prefix", default: true), explain: try flag("explain", default: false))
    }

    func search(_ request: Request) async throws -> Response {
        let searchRequest = try Self.searchRequest(from: request.uri.query)
        let (service, stamp) = try index.current()
        let key = AnswerCache.key(searchRequest, stamp: stamp)
        let answer: AnswerCache.Entry
        if let cached = cache.get(key) {
            answer = cached
        } else {
            let response = try await service.search(searchRequest)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // as `cvsearch --json`
            let body = ByteBuffer(bytes: try encoder.encode(response))
            let etag = Self.etag(version: response.indexVersion ?? "0", request: searchRequest)
            if cache.maxEntries > 0 { cache.put(key, etag: etag, body: body) }
            answer = AnswerCache.Entry(etag: etag, body: body, used: 0)
        }
        var headers: HTTPFields = [
            .eTag: answer.etag, .cacheControl: "public, max-age=\(settings.maxAge)", .vary: "Origin",
            .accessControlExposeHeaders: "ETag",
        ]
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: {
            $0.trimmingCharacters(in: .whitespaces) == answer.etag || $0.trimmingCharacters(in: .whitespaces) == "*"
        }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: answer.body))
    }

    /// A weak validator from the index's content version and the normalized request: equal
    /// for equal answers (the processing time aside), different after every content change.
    static func etag(version: String, request: SearchRequest) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let key = [request.query, "\(request.limit)", "\(request.offset)", request.types.joined(separator: ","),
                   request.langs.joined(separator: ","), "\(request.prefix)", "\(request.explain)"].joined(separator: "\u{1F}")
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return "W/\"\(version)-\(String(hash, radix: 16))\""
    }

    // MARK: - /healthz

    struct Health: Codable {
        var status: String
        var entries: Int?
        var builtAt: String?
        var tokenizerVersion: String?
        var schemaVersion: Int?
        var contentVersion: String?
        var error: String?
    }

    func health() async throws -> Response {
        let health: Health
        let status: HTTPResponse.Status
        do {
            let info = try await index.service().store.info()
            health = Health(status: "ok", entries: info.entries, builtAt: info.builtAt, tokenizerVersion: info.tokenizerVersion,
                            schemaVersion: info.schemaVersion, contentVersion: info.contentVersion)
            status = .ok
        } catch {
            health = Health(status: "unavailable", error: APIError.from(error).message)
            status = .serviceUnavailable
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(health)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, type: String, cache: String = "no-store") -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: cache],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
