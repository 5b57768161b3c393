import Foundation

/// Markdown to the plain text that is indexed and shown in snippets.
///
/// Only the markers are removed (headings' `#`, list bullets, block quotes, `**`/`__`, code
/// backticks, and link syntax, keeping the link text); every word of the text stays.
enum MarkdownText {
    static func plain(_ markdown: String) -> String {
        var out = ""
        out.reserveCapacity(markdown.utf8.count)
        var blankRun = 0  // consecutive empty lines: at most one is kept
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            var rest = line.drop(while: { $0 == " " || $0 == "\t" })
            rest = dropBlockMarker(rest)
            while let last = rest.last, last == " " || last == "\t" || last == "\r" { rest = rest.dropLast() }
            let text = needsInline(rest) ? inline(String(rest)) : String(rest)
            if text.allSatisfy({ $0 == " " || $0 == "\t" }) {
                blankRun += 1
                continue
            }
            if !out.isEmpty { out += blankRun > 0 ? "\n\n" : "\n" }
            blankRun = 0
            out += text
        }
        return out
    }

    /// Whether a line has inline markup (checked on bytes: most lines have none).
    private static func needsInline(_ line: Substring) -> Bool {
        var previous: UInt8 = 0
        for byte in line.utf8 {
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "`") { return true }
            if (byte == UInt8(ascii: "*") || byte == UInt8(ascii: "_")) && byte == previous { return true }
            previous = byte
        }
        return false
    }

    private static func dropBlockMarker(_ line: Substring) -> Substring {
        var rest = line
        if rest.hasPrefix(">") { rest = rest.dropFirst().drop(while: { $0 == " " }) }
        let hashes = rest.prefix(while: { $0 == "#" }).count
        if hashes >= 1 && hashes <= 6 && rest.dropFirst(hashes).first == " " {
            return rest.dropFirst(hashes + 1)
        }
        if let first = rest.first, "-*+".contains(first), rest.dropFirst().first == " " {
            return rest.dropFirst(2)
        }
        return rest
    }

    private static func inline(_ line: String) -> String {
        var out = ""
        var chars = Array(line)[...]
        while let c = chars.first {
            if c == "!" && chars.dropFirst().first == "[", let (text, rest) = link(chars.dropFirst()) {
                out += text
                chars = rest
            } else if c == "[", let (text, rest) = link(chars) {
                out += text
                chars = rest
            } else if (c == "*" || c == "_") && chars.dropFirst().first == c {
                chars = chars.dropFirst(2)
            } else if c == "`" {
                chars = chars.dropFirst()
            } else {
                out.append(c)
                chars = chars.dropFirst()
            }
        }
        return out
    }

    /// `[text](target)` at the start of `chars`: the text and what follows the link.
    private static func link(_ chars: ArraySlice<Character>) -> (String, ArraySlice<Character>)? {
        guard let close = chars.firstIndex(of: "]"), chars.index(after: close) < chars.endIndex,
            chars[chars.index(after: close)] == "(",
            let end = chars[close...].firstIndex(of: ")")
        else { return nil }
        let text = String(chars[chars.index(after: chars.startIndex)..<close])
        return (text, chars[chars.index(after: end)...])
    }
}

