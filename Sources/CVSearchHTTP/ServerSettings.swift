/// How `cvsearch serve` runs.
public struct ServerSettings: Sendable {
    /// Address to bind (default loopback: expose the endpoint through a proxy on purpose).
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (tests).
    public var port = 8080
    /// The index database (opened read-only).
    public var indexPath = "index/cvsearch.db"
    /// `Access-Control-Allow-Origin` (the endpoint is read-only, so `*` is the default).
    public var corsOrigin = "*"
    /// Log query text at info level (off: only at debug level).
    public var logQueries = true
    /// `Cache-Control: max-age` of search answers, in seconds (revalidated with the ETag).
    public var maxAge = 60
    /// Answers kept in memory for repeated requests (0: none).
    public var answerCacheSize = 4096

    public init() {}
}
