import Foundation
import Hummingbird
import Logging

/// One structured log line per request: method, path, status, duration. The query text goes
/// to the info level only when `logQueries` is on (else to debug).
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logQueries: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
            "ms": "\(String(format: "%.2f", ms))",
        ]
        if let query = request.uri.query {
            if logQueries {
                metadata["query"] = "\(query)"
            } else {
                context.logger.debug("query", metadata: ["query": "\(query)"])
            }
        }
        context.logger.info("request", metadata: metadata)
        return response
    }
}
