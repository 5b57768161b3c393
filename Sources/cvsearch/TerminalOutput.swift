import CVSearchCore
import Foundation

/// Renders a search response for a terminal: colour when stdout is a terminal and `NO_COLOR`
/// is not set, plain text otherwise.
struct TerminalOutput {
    var colors: Bool

    static func wantsColor() -> Bool {
        let environment = ProcessInfo.processInfo.environment
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return isatty(STDOUT_FILENO) == 1
    }

    private func style(_ text: String, _ code: String) -> String {
        colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// `<mark>` spans as bold yellow (or left plain), HTML entities decoded.
    private func marked(_ html: String, base: String? = nil) -> String {
        var out = ""
        var rest = Substring(html)
        while let open = rest.range(of: "<mark>") {
            out += unescape(rest[..<open.lowerBound], base: base)
            rest = rest[open.upperBound...]
            let close = rest.range(of: "</mark>") ?? (rest.endIndex..<rest.endIndex)
            out += style(unescape(rest[..<close.lowerBound], base: nil), "1;33")
            rest = rest[close.upperBound...]
        }
        return out + unescape(rest, base: base)
    }

    private func unescape(_ s: Substring, base: String?) -> String {
        var text = String(s)
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        if let base, !text.isEmpty { return style(text, base) }
        return text
    }

    func render(_ response: SearchResponse) -> String {
        var out = ""
        for note in response.notes { out += style("note: \(note)", "2") + "\n" }
        if let expanded = response.expandedTerms, !expanded.isEmpty {
            let list = expanded.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value.joined(separator: ", "))" }
            out += style("note: also searched: " + list.joined(separator: "; "), "2") + "\n"
        }
        if response.hits.isEmpty {
            out += "no hits for '\(response.query)'\n"
            return out
        }
        for (index, hit) in response.hits.enumerated() {
            let number = response.offset + index + 1
            var line = "\(number). " + marked(hit.formatted.title, base: "1") + "  " + style("[\(hit.type)]", "36")
            if let url = hit.url { line += "  " + style(url, "2") }
            if hit.partial, let missing = hit.missingTerms {
                line += "  " + style("(partial: no \(missing.joined(separator: ", ")))", "2")
            }
            out += line + "\n"
            if !hit.formatted.snippet.isEmpty { out += "   " + marked(hit.formatted.snippet) + "\n" }
            if let explain = hit.explain {
                for term in explain.terms {
                    let how = term.matched
                        ? "\(term.kind?.rawValue ?? "?") '\(term.matchedAs ?? "")' in \(term.fields.joined(separator: ", ")): \(term.score)"
                        : "not matched"
                    out += style("     \(term.term): \(how)", "2") + "\n"
                }
                out += style("     level \(explain.level), proximity \(explain.proximity), total \(explain.total)", "2") + "\n"
            }
        }
        let shown = "\(response.offset + 1)-\(response.offset + response.hits.count)"
        out += style("\(shown) of \(response.estimatedTotalHits) hits in \(response.processingTimeMs) ms", "2") + "\n"
        return out
    }
}
