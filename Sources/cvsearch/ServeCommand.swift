import ArgumentParser
import CVSearchCore
import CVSearchHTTP
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// `cvsearch serve`: the HTTP endpoint, the demo page and the widget.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve GET /search (JSON), /healthz, the demo page / and /widget.js.",
        discussion: """
            The index is opened read-only and follows re-indexing without a restart. When there is
            no index yet and the corpus folder exists, it is built once before serving.
            SIGTERM/SIGINT stop the server after the requests in flight.
            """
    )

    @OptionGroup var locations: Locations

    @Option(help: "Address to bind (default: loopback only).")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0: any free port).")
    var port = 8080

    @Option(name: .customLong("cors-origin"), help: "Access-Control-Allow-Origin (default * : the endpoint is read-only).")
    var corsOrigin = "*"

    @Flag(name: .customLong("no-log-queries"), help: "Keep query text out of the info-level request log.")
    var noLogQueries = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Option(name: .customLong("answer-cache"), help: "Answers kept in memory for repeated requests (0: none).")
    var answerCache = 4096

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cvsearch")
        var settings = ServerSettings()
        settings.host = host
        settings.port = port
        settings.indexPath = locations.indexPath
        settings.corsOrigin = corsOrigin
        settings.logQueries = !noLogQueries
        settings.answerCacheSize = max(0, answerCache)

        if !FileManager.default.fileExists(atPath: settings.indexPath) {
            if FileManager.default.fileExists(atPath: locations.corpus) {
                let outcome = try IndexMaintenance.openForSearch(
                    index: settings.indexPath, corpus: locations.corpus, explicitCorpus: locations.corpusGiven)
                if let summary = outcome.summary { logger.notice("\(summary)") }
            } else {
                logger.warning("no index at \(settings.indexPath): /search answers 503 until `cvsearch index` builds it")
            }
        }
        let (host, indexPath) = (settings.host, settings.indexPath)
        let app = buildApplication(settings: settings, logger: logger) { port in
            logger.notice("serving http://\(host):\(port)/ (index \(indexPath))")
        }
        // swift-service-lifecycle: SIGTERM/SIGINT start a graceful shutdown of the server.
        let services = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
    }
}
