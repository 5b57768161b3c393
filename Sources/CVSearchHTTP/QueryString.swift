/// Strict parsing of a URL query string (`q=RAG+Qwen&limit=5`).
///
/// Hummingbird's own parser leaves `+` as is and lets bad escapes through; here `+` is a space
/// (form encoding, what browsers send), `%XX` must be well formed, and the decoded bytes must be
/// valid UTF-8.
enum QueryString {
    struct Malformed: Error, Equatable {
        var message: String
    }

    /// The parameters in order (a name may repeat).
    static func parse(_ raw: String?) throws(Malformed) -> [(name: String, value: String)] {
        guard let raw, !raw.isEmpty else { return [] }
        if raw.unicodeScalars.contains("\u{FFFD}") { throw Malformed(message: "the URL is not valid UTF-8") }
        var result: [(String, String)] = []
        for pair in raw.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            result.append((name, value))
        }
        return result
    }

    static func decode(_ text: Substring) throws(Malformed) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw Malformed(message: "bad percent-encoding in the URL (a % must be followed by two hex digits)")
                }
                bytes.append(high << 4 | low)
            default:
                bytes.append(byte)
            }
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw Malformed(message: "the URL's parameters are not valid UTF-8 once decoded")
        }
        return string
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
