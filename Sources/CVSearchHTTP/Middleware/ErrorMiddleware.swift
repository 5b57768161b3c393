import Hummingbird
import Logging

/// Turns every error into a JSON answer (``APIError``): nothing a client sends produces a bare
/// 500 or an HTML page. A known path asked with another method gets 405 and an `Allow` header.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Paths the router serves, with their methods.
    let routes: [String: String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            var apiError = APIError.from(error)
            if apiError.status == .notFound, let allow = routes[request.uri.path] {
                apiError = APIError(.methodNotAllowed, "method_not_allowed",
                                    "\(request.method) is not allowed on \(request.uri.path) (use \(allow))",
                                    headers: ["Allow": allow])
            }
            if apiError.status == .internalServerError {
                context.logger.error("internal error", metadata: ["error": "\(error)"])
            }
            return apiError.response()
        }
    }
}
