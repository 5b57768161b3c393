import Foundation

/// A minimal blocking HTTP/1.1 GET over a TCP socket to 127.0.0.1, for tests against a server
/// process. (FoundationNetworking's async URLSession was seen here to deadlock when a task is
/// cancelled while a request is in flight, which the shutdown tests do on purpose.)
enum HTTPGet {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func fetch(port: Int, _ path: String, timeout: Int = 10) throws -> (status: Int, body: String) {
        let answer = rawExchange(port: port, request(path), timeout: timeout)
        guard answer.status > 0, let headerEnd = answer.text.range(of: "\r\n\r\n") else {
            throw Failure(description: "no HTTP response: \(answer.text.prefix(100))")
        }
        return (answer.status, String(answer.text[headerEnd.upperBound...]))
    }

    /// A TCP socket connected to 127.0.0.1:`port`, with send and receive timeouts; -1 on failure.
    static func connectLoopback(port: Int, timeout: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }
}
