/// Finds where a query's units match in a text, and cuts snippets around the densest matches.
///
/// Matching re-runs the ``Analyzer`` over the text (documents are short, and this runs only
/// for the hits returned), so it sees exactly the tokens FTS5 indexed, with their byte ranges:
/// a match on a colocated part marks just that part (`qwen` marks `Qwen` in `Qwen2.5-7b`), a
/// Han phrase marks its characters, and a Traditional query marks the Simplified text it found.
struct Highlighter {
    /// A query unit's alternative as token sets per position (colocated query tokens are
    /// alternatives), the last position possibly a prefix.
    struct Pattern {
        var unit: Int
        var positions: [Set<String>]
        var prefixLast: Bool
    }

    /// A marked byte range of the text and the units it matched.
    struct Span: Equatable {
        var start: Int
        var end: Int
        var units: Set<Int>
    }

    let patterns: [Pattern]
    private let byFirstToken: [String: [Int]]
    private let prefixPatterns: [Int]
    /// Hashes of every token of every pattern: a document token that hashes elsewhere cannot
    /// match, so it is never turned into a String.
    private let tokenHashes: Set<Int>
    /// The prefixes of prefix patterns, as bytes.
    private let prefixes: [[UInt8]]

    init(units: [QueryUnit], analyzer: Analyzer) {
        var patterns: [Pattern] = []
        for (index, unit) in units.enumerated() {
            for alternative in unit.alternatives {
                var positions: [Set<String>] = []
                let mode: TokenizationMode = alternative.prefix ? .prefixQuery : .query
                for token in analyzer.tokens(alternative.text, mode: mode, bigrams: false) {
                    if token.colocated, !positions.isEmpty {
                        positions[positions.count - 1].insert(token.text)
                    } else {
                        positions.append([token.text])
                    }
                }
                guard !positions.isEmpty else { continue }
                patterns.append(Pattern(unit: index, positions: positions, prefixLast: alternative.prefix))
            }
        }
        self.patterns = patterns
        var byFirst: [String: [Int]] = [:]
        var prefix: [Int] = []
        for (index, pattern) in patterns.enumerated() {
            if pattern.prefixLast && pattern.positions.count == 1 {
                prefix.append(index)
            } else {
                for token in pattern.positions[0] { byFirst[token, default: []].append(index) }
            }
        }
        byFirstToken = byFirst
        prefixPatterns = prefix
        tokenHashes = Set(patterns.flatMap { $0.positions.flatMap { $0 } }.map { Self.hash(Array($0.utf8)) })
        prefixes = patterns.filter(\.prefixLast).flatMap { $0.positions.last! }.map { Array($0.utf8) }
    }

    /// FNV-1a: cheap for short tokens; a collision only costs a String comparison later.
    @inline(__always)
    private static func hash<C: Collection<UInt8>>(_ bytes: C) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: h)
    }

    /// The part of a long text to look at: tokenizing starts at byte `start`, which is the
    /// start of the token at `position` (a checkpoint stored at index time), reads no further
    /// than byte `limit` (a later checkpoint) and stops after position `end`.
    struct Window {
        var start: Int
        var position: Int
        var end: Int
        var limit = Int.max
    }

    private struct Stop: Error {}

    /// The matched spans of `text` (or of a window of it), sorted and merged where they overlap
    /// or touch. Byte offsets are offsets into the whole text.
    func spans(in text: String, analyzer: Analyzer, window: Window? = nil) -> [Span] {
        guard !patterns.isEmpty else { return [] }
        // The document tokens that could match a pattern, with their positions.
        var tokens: [(text: String, start: Int, end: Int, position: Int)] = []
        var position = (window?.position ?? 0) - 1
        let offset = window?.start ?? 0
        let last = window?.end ?? Int.max
        // Locals, not `self`'s fields: the closure runs per token and would copy them.
        let hashes = tokenHashes, prefixes = self.prefixes
        var utf8 = text
        utf8.withUTF8 { whole in
            let from = min(offset, whole.count)
            let buffer = UnsafeBufferPointer(rebasing: whole[from..<max(from, min(window?.limit ?? whole.count, whole.count))])
            try? analyzer.tokenize(buffer, mode: .document, bigrams: false) { token, start, end, colocated in
                if !colocated {
                    position += 1
                    if position > last { throw Stop() }
                }
                guard hashes.contains(Self.hash(token)) || prefixes.contains(where: { token.starts(with: $0) }) else {
                    return
                }
                tokens.append((String(decoding: token, as: UTF8.self), Int(start) + offset, Int(end) + offset, position))
            }
        }
        var found: [Span] = []
        var candidates: [Int] = []
        var k = 0
        while k < tokens.count {
            let p = tokens[k].position
            var end = k
            candidates.removeAll(keepingCapacity: true)
            candidates += prefixPatterns
            while end < tokens.count && tokens[end].position == p {
                if let list = byFirstToken[tokens[end].text] { candidates += list }
                end += 1
            }
            if candidates.count > 1 { candidates.sort() }
            var previous = -1
            for index in candidates where index != previous {
                previous = index
                if let span = match(patterns[index], from: k, tokens) { found.append(span) }
            }
            k = end
        }
        return merge(found)
    }

    private func match(
        _ pattern: Pattern, from first: Int, _ tokens: [(text: String, start: Int, end: Int, position: Int)]
    ) -> Span? {
        let count = pattern.positions.count
        let p = tokens[first].position
        var start = 0, end = 0
        var k = first
        for j in 0..<count {
            let wanted = pattern.positions[j]
            let isPrefix = pattern.prefixLast && j == count - 1
            // The shortest matching token at position p + j: a part rather than its whole word.
            var best: (start: Int, end: Int)?
            while k < tokens.count && tokens[k].position < p + j { k += 1 }
            while k < tokens.count && tokens[k].position == p + j {
                let token = tokens[k]
                let ok = isPrefix ? wanted.contains(where: { token.text.hasPrefix($0) }) : wanted.contains(token.text)
                if ok && (best == nil || token.end - token.start < best!.end - best!.start) { best = (token.start, token.end) }
                k += 1
            }
            guard let best else { return nil }
            if j == 0 { start = best.start }
            end = max(end, best.end)
        }
        return Span(start: start, end: end, units: [pattern.unit])
    }

    private func merge(_ spans: [Span]) -> [Span] {
        var result: [Span] = []
        for span in spans.sorted(by: { ($0.start, $0.end) < ($1.start, $1.end) }) {
            if var last = result.last, span.start <= last.end {
                last.end = max(last.end, span.end)
                last.units.formUnion(span.units)
                result[result.count - 1] = last
            } else {
                result.append(span)
            }
        }
        return result
    }

    // MARK: - Output

    /// `text` with `<mark>` around the spans, HTML-escaped (safe to insert as HTML).
    static func formatted(_ text: String, spans: [Span]) -> String {
        var copy = text
        return copy.withUTF8 { bytes in
            var out = Output(collapse: false)
            out.write(bytes, 0, bytes.count, spans: spans)
            return out.string
        }
    }

    /// The bytes of a text, borrowed (no copy of a long body).
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// A window of about `width` columns (a CJK character is two) around the densest cluster of
    /// matches: plain text and the same text with `<mark>`s. `…` marks a cut.
    /// `cutBefore`/`cutAfter`: the text is part of a longer one, with more before or after it.
    static func snippet(
        _ text: String, spans: [Span], width: Int = 160, cutBefore: Bool = false, cutAfter: Bool = false
    ) -> (plain: String, formatted: String) {
        var copy = text
        return copy.withUTF8 { snippet($0, spans: spans, width: width, cutBefore: cutBefore, cutAfter: cutAfter) }
    }

    private static func snippet(
        _ bytes: Bytes, spans: [Span], width: Int, cutBefore: Bool, cutAfter: Bool
    ) -> (plain: String, formatted: String) {
        guard !bytes.isEmpty else { return ("", "") }
        var from = 0
        if !spans.isEmpty {
            // Densest window: most distinct units, then most spans, then earliest. Columns are
            // counted once, at every span boundary, so the search stays linear.
            var startColumn: [Int] = [], endColumn: [Int] = []
            var column = 0, at = spans[0].start
            for span in spans {
                column += columns(bytes, at, span.start)
                startColumn.append(column)
                column += columns(bytes, span.start, span.end)
                endColumn.append(column)
                at = span.end
            }
            var best = (score: -1, index: 0)
            var j = 0
            var counts: [Int: Int] = [:]
            for i in spans.indices {
                if j < i { j = i }
                while j < spans.count && endColumn[j] - startColumn[i] <= width * 4 / 5 {
                    for unit in spans[j].units { counts[unit, default: 0] += 1 }
                    j += 1
                }
                let score = counts.count * 1000 + (j - i)
                if score > best.score { best = (score, i) }
                for unit in spans[i].units where j > i {
                    counts[unit]! -= 1
                    if counts[unit] == 0 { counts[unit] = nil }
                }
            }
            from = contextStart(bytes, before: spans[best.index].start, columns: width / 6)
        }
        let to = windowEnd(bytes, from: from, columns: width)
        var plain = Output(collapse: true, escape: false)
        plain.write(bytes, from, to, spans: [])
        var marked = Output(collapse: true)
        marked.write(bytes, from, to, spans: spans.filter { $0.end > from && $0.start < to })
        let before = from > 0 || cutBefore ? "…" : "", after = to < bytes.count || cutAfter ? "…" : ""
        return (before + plain.string + after, before + marked.string + after)
    }

    /// Builds output bytes: HTML-escaped (unless told otherwise), whitespace runs collapsed to one
    /// space and trimmed (with `collapse`), `<mark>` around spans.
    private struct Output {
        var collapse: Bool
        var escape = true
        private var bytes: [UInt8] = []
        private var pendingSpace = false

        init(collapse: Bool, escape: Bool = true) {
            self.collapse = collapse
            self.escape = escape
            bytes.reserveCapacity(256)
        }

        var string: String { String(decoding: bytes, as: UTF8.self) }

        mutating func write(_ text: Bytes, _ from: Int, _ to: Int, spans: [Span]) {
            var i = from
            for span in spans {
                let s = max(span.start, from), e = min(span.end, to)
                guard s < e, s >= i else { continue }
                append(text, i, s)
                flushSpace()
                bytes += Array("<mark>".utf8)
                append(text, s, e)
                bytes += Array("</mark>".utf8)
                i = e
            }
            append(text, i, to)
        }

        private mutating func flushSpace() {
            if pendingSpace && !bytes.isEmpty { bytes.append(0x20) }
            pendingSpace = false
        }

        private mutating func append(_ text: Bytes, _ from: Int, _ to: Int) {
            for i in from..<to {
                let b = text[i]
                if collapse && (b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D) {
                    pendingSpace = true
                    continue
                }
                flushSpace()
                if escape {
                    switch b {
                    case UInt8(ascii: "<"): bytes += Array("&lt;".utf8)
                    case UInt8(ascii: ">"): bytes += Array("&gt;".utf8)
                    case UInt8(ascii: "&"): bytes += Array("&amp;".utf8)
                    case UInt8(ascii: "\""): bytes += Array("&quot;".utf8)
                    case UInt8(ascii: "'"): bytes += Array("&#39;".utf8)
                    default: bytes.append(b)
                    }
                } else {
                    bytes.append(b)
                }
            }
        }
    }

    /// Display columns of bytes[a..<b]: 2 for wide (CJK) characters, 1 for others.
    static func columns(_ bytes: Bytes, _ a: Int, _ b: Int) -> Int {
        var n = 0
        var i = a
        while i < b {
            let (value, length) = UTF8Scalars.decode(bytes.baseAddress!, i, bytes.count)
            n += isWide(value) ? 2 : 1
            i += length
        }
        return n
    }

    /// Display columns of a string.
    static func columns(_ text: String) -> Int {
        var copy = text
        return copy.withUTF8 { columns($0, 0, $0.count) }
    }

    static func isWide(_ v: UInt32) -> Bool {
        (v >= 0x1100 && v <= 0x115F) || (v >= 0x2E80 && v <= 0xA4CF) || (v >= 0xAC00 && v <= 0xD7A3)
            || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0xFE30 && v <= 0xFE4F) || (v >= 0xFF00 && v <= 0xFF60)
            || (v >= 0xFFE0 && v <= 0xFFE6) || v >= 0x1F300
    }

    /// Where a snippet starts: up to `columns` before `offset`, at the best break found: a line
    /// start, then just after sentence punctuation, then a word start, then a CJK character.
    private static func contextStart(_ bytes: Bytes, before offset: Int, columns limit: Int) -> Int {
        var i = offset
        var used = 0
        var best = (priority: 0, offset: offset)
        func consider(_ priority: Int, _ at: Int) { if priority >= best.priority { best = (priority, at) } }
        while i > 0 {
            var j = i - 1
            while j > 0 && bytes[j] & 0xC0 == 0x80 { j -= 1 }
            if bytes[j] == 0x0A { return i }  // the start of the line
            let value = UTF8Scalars.decode(bytes.baseAddress!, j, bytes.count).value
            used += isWide(value) ? 2 : 1
            if used > limit { break }
            switch value {
            case 0x3002, 0xFF0C, 0xFF1B, 0xFF1A, 0xFF01, 0xFF1F, 0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x2E:
                if i < offset { consider(3, i) }  // after 。，；：！？ , ; : ! ? .
            case 0x20:
                consider(2, i)
            default:
                if isWide(value) { consider(1, j) }
            }
            i = j
        }
        if i == 0 { return 0 }
        return best.offset
    }

    /// Where a snippet of `columns` starting at `from` ends: at a character boundary,
    /// preferably after a space or CJK character near the end.
    private static func windowEnd(_ bytes: Bytes, from: Int, columns limit: Int) -> Int {
        var i = from
        var used = 0
        var lastBreak = -1
        while i < bytes.count {
            let (value, length) = UTF8Scalars.decode(bytes.baseAddress!, i, bytes.count)
            used += isWide(value) ? 2 : 1
            if used > limit { return lastBreak > from + (i - from) * 3 / 4 ? lastBreak : i }
            if value == 0x20 || value == 0x0A || isWide(value) { lastBreak = value == 0x20 || value == 0x0A ? i : i + length }
            i += length
        }
        return bytes.count
    }

    static func escapeHTML(_ s: String) -> String {
        guard s.contains(where: { "<>&\"'".contains($0) }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

