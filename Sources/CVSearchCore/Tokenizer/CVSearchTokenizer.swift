import GRDB

/// The `cvsearch` FTS5 tokenizer: the ``Analyzer`` pipeline, registered with SQLite through GRDB.
///
/// Register it on every connection with ``IndexStore`` (which does so in
/// `Configuration.prepareDatabase`); FTS5 then creates one instance per table and connection.
/// Query phrases are analyzed by the same pipeline (see ``TokenizationMode``).
public final class CVSearchTokenizer: FTS5CustomTokenizer {
    /// The name used in `CREATE VIRTUAL TABLE … USING fts5(tokenize='cvsearch')`.
    public static let name = "cvsearch"

    private let analyzer: Analyzer

    private struct Stop: Error {
        var code: CInt
    }

    public init(db: Database, arguments: [String]) throws {
        do {
            analyzer = try Analyzer()
        } catch {
            throw DatabaseError(message: "\(error)")
        }
    }

    public func tokenize(
        context: UnsafeMutableRawPointer?,
        tokenization: FTS5Tokenization,
        pText: UnsafePointer<CChar>?,
        nText: CInt,
        tokenCallback: @escaping FTS5TokenCallback
    ) -> CInt {
        guard let pText, nText > 0 else { return 0 }  // SQLITE_OK
        let mode: TokenizationMode =
            tokenization.contains(.query)
            ? (tokenization.contains(.prefix) ? .prefixQuery : .query)
            : .document
        let colocated = FTS5TokenFlags.colocated.rawValue
        return pText.withMemoryRebound(to: UInt8.self, capacity: Int(nText)) { bytes in
            do {
                try analyzer.tokenize(UnsafeBufferPointer(start: bytes, count: Int(nText)), mode: mode) {
                    token, start, end, isColocated in
                    let rc = token.baseAddress!.withMemoryRebound(to: CChar.self, capacity: token.count) {
                        tokenCallback(context, isColocated ? colocated : 0, $0, CInt(token.count), start, end)
                    }
                    if rc != 0 { throw Stop(code: rc) }
                }
                return 0
            } catch let stop as Stop {
                return stop.code
            } catch {
                return 1  // SQLITE_ERROR
            }
        }
    }
}
