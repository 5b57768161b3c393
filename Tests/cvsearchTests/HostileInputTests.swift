import Foundation
import Testing

/// A raw exchange with a server: send bytes, read what comes back until the server closes (or
/// the timeout). Returns the status code (0 when the connection closed without an answer).
func rawExchange(port: Int, _ bytes: [UInt8], timeout: Int = 4) -> (status: Int, text: String) {
    let fd = HTTPGet.connectLoopback(port: port, timeout: timeout)
    guard fd >= 0 else { return (0, "connect failed") }
    defer { close(fd) }
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }  // the server may close early on an oversized request
        sent += n
    }
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        data += buffer[0..<n]
    }
    let text = String(decoding: data, as: UTF8.self)
    let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    return (status, text)
}

func request(_ target: String, headers: String = "") -> [UInt8] {
    Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(headers)Connection: close\r\n\r\n".utf8)
}

/// Resident memory of a process, in kB.
func residentKB(_ pid: Int32) -> Int {
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") ?? 0
}

/// Hostile requests against a real server: each gets a 4xx (or the connection is closed), never
/// a 500, the server stays alive and answers normally after each, and its memory stays bounded.
/// Requests the HTTP parser itself refuses (an oversized request line or headers, bytes that
/// are not HTTP) get SwiftNIO's bare `400` and a closed connection, before any route runs; every
/// other error is the JSON `{"error": …}`.
@Suite("Hostile input", .serialized)
struct HostileInputTests {
    /// name, request bytes, allowed statuses (0: closed without an answer), whether the answer
    /// comes from cvsearch's routes (JSON errors) rather than the HTTP parser.
    static let cases: [(String, [UInt8], Set<Int>)] = [
        ("SQL and FTS5 syntax", request("/search?q=%27%3B%20DROP%20TABLE%20entry%3B%20--%20NEAR(a%20b)%20title%3A%20*%20%5E%20%22"), [200]),
        ("unbalanced quotes", request("/search?q=%22RAG%20%22%22Qwen"), [200]),
        ("NUL bytes", request("/search?q=RAG%00%00Qwen"), [200]),
        ("RTL and combining marks", request("/search?q=%E2%80%AERAG%E2%80%AC%20e%CC%81%CC%81%CC%81"), [200]),
        ("emoji", request("/search?q=%F0%9F%92%A5%F0%9F%8F%B3%EF%B8%8F%E2%80%8D%F0%9F%8C%88%20RAG"), [200]),
        ("100 000 terms", request("/search?q=" + String(repeating: "a+", count: 100_000)), [0, 400, 431]),
        ("a 10 MB query string", request("/search?q=" + String(repeating: "x", count: 10_000_000)), [0, 400, 431]),
        ("raw invalid UTF-8", Array("GET /search?q=".utf8) + [0xFF, 0xFE, 0xC0] + Array(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8), [0, 400]),
        ("path traversal", request("/../../etc/passwd"), [404]),
        ("encoded path traversal", request("/%2e%2e/%2e%2e/etc/passwd"), [404]),
        ("traversal past a route", request("/widget.js/../../etc/passwd"), [404]),
        ("a header flood", request("/search?q=RAG", headers: String(repeating: "X-Flood: aaaaaaaaaa\r\n", count: 20_000)), [0, 400, 431]),
        ("a 1 MB header", request("/search?q=RAG", headers: "X-Big: " + String(repeating: "b", count: 1_000_000) + "\r\n"), [0, 400, 431]),
        ("garbage", Array("\u{0}\u{1}HELLO WORLD\r\n\r\n".utf8), [0, 400]),
        ("a body on GET", Array("GET /search?q=RAG HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello".utf8), [200]),
    ]

    @Test func hostileRequestsNeverBreakTheServer() throws {
        let folder = try CLI.freshCheckout()
        #expect(try CLI.run(["index"], in: folder).status == 0)
        let server = try ServerProcess(arguments: ["--log-level", "notice"], in: folder)
        for (name, bytes, allowed) in Self.cases {
            let answer = rawExchange(port: server.port, bytes)
            #expect(allowed.contains(answer.status), "\(name): status \(answer.status) \(answer.text.prefix(200))")
            #expect(!answer.text.contains("root:"), "\(name) leaked a file")
            let fromParser = answer.text.contains("Content-Length: 0") && answer.status == 400
            if answer.status >= 400 && !fromParser {
                #expect(answer.text.contains("{\"error\":{"), "\(name): not a JSON error: \(answer.text.prefix(300))")
            }
            #expect(server.process.isRunning, "\(name) killed the server")
            let health = try HTTPGet.fetch(port: server.port, "/search?q=RAG")
            #expect(health.status == 200, "after \(name)")
        }
        #expect(residentKB(server.process.processIdentifier) < 300_000, "memory bounded")
        #expect(server.stop() == 0)
    }

    @Test func aThousandConnectionsAndSlowClients() throws {
        let folder = try CLI.freshCheckout()
        #expect(try CLI.run(["index"], in: folder).status == 0)
        let server = try ServerProcess(arguments: ["--log-level", "notice"], in: folder)
        // Slow clients: half a request each, then silence.
        var slow: [Int32] = []
        for _ in 0..<50 {
            let fd = HTTPGet.connectLoopback(port: server.port, timeout: 30)
            _ = Array("GET /search?q=RA".utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            slow.append(fd)
        }
        defer { for fd in slow { close(fd) } }
        // A thousand concurrent connections, each with a request.
        let results = ServerProcess.Results()
        let group = DispatchGroup()
        for i in 0..<1000 {
            DispatchQueue.global().async(group: group) {
                let answer = rawExchange(port: server.port, request("/search?q=RAG\(i % 20)&limit=3"), timeout: 30)
                results.append((answer.status, ""))
            }
        }
        group.wait()
        let statuses = results.all.map(\.0)
        #expect(statuses.count == 1000)
        #expect(statuses.allSatisfy { $0 == 200 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
        #expect(server.process.isRunning)
        #expect(try HTTPGet.fetch(port: server.port, "/search?q=RAG").status == 200, "answers despite the slow clients")
        #expect(residentKB(server.process.processIdentifier) < 300_000, "memory bounded")
        #expect(server.stop() == 0)
    }
}
