import CVSearchCore
import Foundation
import HTTPTypes
import Hummingbird

/// An error answer: `{"error": {"code": "…", "message": "…"}}` with its HTTP status.
public struct APIError: Error, Sendable, Equatable {
    public var status: HTTPResponse.Status
    /// A stable machine-readable code (`missing_query`, `bad_parameter`, …).
    public var code: String
    /// A sentence for a person.
    public var message: String
    /// Extra headers (`Allow` on 405).
    public var headers: [String: String] = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    struct Body: Codable {
        struct Detail: Codable {
            var code: String
            var message: String
        }
        var error: Detail
    }

    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Body(error: .init(code: code, message: message)))) ?? Data()
        var fields: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        for (name, value) in headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Maps errors of the search layer to answers: the query's fault is a 4xx, a missing or
    /// damaged index a 503, anything else a 500 that does not leak internals.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as QueryError:
            switch error {
            case .empty:
                return APIError(.badRequest, "missing_query", error.description)
            case .tooLong:
                return APIError(.badRequest, "query_too_long", error.description)
            case .unknownField, .badFilter:
                return APIError(.badRequest, "bad_query", error.description)
            }
        case let error as IndexError:
            switch error {
            case .missing:
                return APIError(.serviceUnavailable, "no_index", "the search index is not built yet")
            case .corrupted:
                return APIError(.serviceUnavailable, "index_damaged", "the search index is damaged")
            case .outdated:
                return APIError(.serviceUnavailable, "index_outdated", "the search index was built by another version and must be rebuilt")
            default:
                return APIError(.serviceUnavailable, "index_unavailable", "the search index cannot be read right now")
            }
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, "not_found", "no such endpoint")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "method not allowed")
            default:
                return APIError(error.status, "http_\(error.status.code)", error.body ?? error.status.reasonPhrase)
            }
        default:
            return APIError(.internalServerError, "internal", "internal error")
        }
    }
}
