import CVSearchCore
import Hummingbird
import Logging

/// The router: request log, CORS (on errors too), error mapping (JSON), then the endpoints.
public func buildRouter(index: IndexHandle, settings: ServerSettings) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: RequestLogMiddleware(logQueries: settings.logQueries))
    router.add(middleware: CORSMiddleware(
        allowOrigin: settings.corsOrigin == "*" ? .all : .custom(settings.corsOrigin),
        allowHeaders: [.accept, .contentType, .origin, .ifNoneMatch],
        allowMethods: [.get, .head, .options],
        exposedHeaders: ["ETag"],
        maxAge: .seconds(86_400)))
    router.add(middleware: ErrorMiddleware(routes: SearchController.routes))
    SearchController(index: index, settings: settings).register(on: router)
    return router
}

/// The HTTP application of `cvsearch serve`. Run it with `runService()`: SIGTERM and SIGINT
/// stop it gracefully (requests in flight finish).
public func buildApplication(
    settings: ServerSettings, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let index = IndexHandle(path: settings.indexPath, logger: logger)
    return Application(
        router: buildRouter(index: index, settings: settings),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "cvsearch"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
        logger: logger)
}
