import CFTS5
import CICU

/// Why text is being tokenized: it changes which tokens are emitted.
public enum TokenizationMode: Sendable {
    /// Text being indexed: every token plus its colocated variants (parts, joins, stems, bigrams).
    case document
    /// A query phrase: the tokens a document must contain, with stems as colocated alternatives.
    case query
    /// A query phrase whose last token is a prefix (`"qw"*`): that token is not stemmed.
    case prefixQuery
}

/// One token with its exact UTF-8 byte range in the analyzed text.
public struct Token: Hashable, Sendable, CustomStringConvertible {
    /// The folded token text, as stored in the index.
    public var text: String
    /// Byte offset of the first byte of the token's source text.
    public var start: Int
    /// Byte offset just past the token's source text.
    public var end: Int
    /// Token position: colocated tokens share the position of the token before them.
    public var position: Int
    /// Whether this is an alternative at the previous token's position (FTS5_TOKEN_COLOCATED).
    public var colocated: Bool

    public init(_ text: String, _ start: Int, _ end: Int, position: Int, colocated: Bool = false) {
        self.text = text
        self.start = start
        self.end = end
        self.position = position
        self.colocated = colocated
    }

    public var description: String {
        "\(colocated ? "+" : "")\(text)@\(position)[\(start)..<\(end)]"
    }
}

/// The error thrown when ICU or the stemmer cannot be opened.
public struct AnalyzerError: Error, CustomStringConvertible {
    public var description: String
}

/// cvsearch's text analysis: one pipeline for documents and queries.
///
/// 1. **Segmentation** by ICU's word break iterator, run directly over the UTF-8 bytes.
/// 2. **Folding** of every character: NFKC case folding (`ＲＡＧ` → `rag`), diacritics
///    removed from Latin-script letters, and Traditional → Simplified Chinese with ICU's
///    `Traditional-Simplified` transform (`檢索` → `检索`).
/// 3. **Han and kana** text is indexed character by character, each character with a colocated
///    bigram of it and the next one. A query for a Han word becomes the phrase of its bigrams
///    (`知识图谱` → `知识 识图 图谱`), or its single character: an exact substring match,
///    whatever ICU's dictionary knows, with short posting lists for the bigrams.
/// 4. **Latin words** are indexed whole (`qwen2.5`), with colocated parts (of two characters or
///    more) at letter/digit and punctuation boundaries (`qwen`, `2.5`; `pku`, `edu`, `cn`),
///    hyphenated compounds with a
///    colocated join (`GPT-4` → `gpt`, `4` and `gpt4`), and English stems from FTS5's own
///    porter stemmer, stored as `~stem` so they never collide with a real word.
///
/// An analyzer may move between threads but must not be used by two at once; each FTS5
/// tokenizer instance owns one, and ``SearchService`` keeps a small pool.
public final class Analyzer: @unchecked Sendable {
    /// Version of the token stream. Stored in the index: a different value forces a rebuild.
    public static let version = 2

    /// Words longer than this (in folded bytes) are truncated, identically in documents and queries.
    static let maxTokenBytes = 120
    /// A hyphenated chain of more words than this gets no joined token.
    static let maxJoinedWords = 6
    static let stemMarker = UInt8(ascii: "~")

    /// Callback receiving each token: its bytes, its source byte range, and whether it is colocated.
    public typealias TokenSink = (UnsafeBufferPointer<UInt8>, Int32, Int32, Bool) throws -> Void

    private let segmenter: OpaquePointer
    private let stemmer: OpaquePointer
    private let foldScratch = UnsafeMutablePointer<UInt8>.allocate(capacity: Int(CVS_FOLD_MAX))
    private let stemScratch = UnsafeMutablePointer<CChar>.allocate(capacity: 128)

    // Reused buffers (an analyzer tokenizes many texts).
    private var segments: [Segment] = []
    private var folded: [UInt8] = []
    private var foldedStart: [Int32] = []
    private var foldedEnd: [Int32] = []
    private var units: [Unit] = []
    private var parts: [Range<Int>] = []
    private var stem: [UInt8] = []
    private var positionTokens: [UInt8] = []
    private var positionTokenEnds: [Int] = []

    private struct Segment {
        var start: Int32
        var end: Int32
        var kind: Int32
        var isCJK: Bool { kind == Int32(CVS_KIND_IDEO) || kind == Int32(CVS_KIND_KANA) }
    }

    /// A word of a chain, or a character of a Han run: folded bytes and source range.
    private struct Unit {
        var from: Int
        var to: Int
        var start: Int32
        var end: Int32
    }

    public init() throws {
        guard let segmenter = cvs_segmenter_open() else {
            throw AnalyzerError(description: "cannot open ICU's word break iterator (is libicu installed?)")
        }
        guard let stemmer = cvs_stemmer_open() else {
            cvs_segmenter_close(segmenter)
            throw AnalyzerError(description: "cannot open FTS5's porter stemmer")
        }
        self.segmenter = segmenter
        self.stemmer = stemmer
    }

    deinit {
        cvs_segmenter_close(segmenter)
        cvs_stemmer_close(stemmer)
        foldScratch.deallocate()
        stemScratch.deallocate()
    }

    /// The ICU version the analyzer runs on.
    public static var icuVersion: String { String(cString: cvs_icu_version()) }

    // MARK: - Tokenizing

    /// Tokenizes UTF-8 bytes (which may be invalid) and hands every token to `sink`, in order.
    public func tokenize(_ text: UnsafeBufferPointer<UInt8>, mode: TokenizationMode, _ sink: TokenSink) rethrows {
        guard let base = text.baseAddress, text.count > 0 else { return }
        collectSegments(base, text.count)
        var i = 0
        let n = segments.count
        while i < n {
            var j = i
            if segments[i].isCJK {
                while j + 1 < n && segments[j + 1].isCJK && segments[j + 1].start == segments[j].end { j += 1 }
                try cjkRun(base, Int(segments[i].start), Int(segments[j].end), mode, sink)
            } else {
                while j + 1 < n && !segments[j + 1].isCJK
                    && Self.isHyphen(base, Int(segments[j].end), Int(segments[j + 1].start))
                {
                    j += 1
                }
                try wordChain(base, i...j, mode, isLast: j == n - 1, sink)
            }
            i = j + 1
        }
    }

    /// The tokens of `text`, with positions (for tests, highlighting and explanations).
    public func tokens(_ text: String, mode: TokenizationMode = .document) -> [Token] {
        var result: [Token] = []
        var position = -1
        var utf8 = text
        utf8.withUTF8 { buffer in
            tokenize(buffer, mode: mode) { token, start, end, colocated in
                if !colocated { position += 1 }
                result.append(
                    Token(String(decoding: token, as: UTF8.self), Int(start), Int(end), position: position,
                          colocated: colocated))
            }
        }
        return result
    }

    /// ICU's dictionary words of a (folded) Han string, used to relax a Chinese query term into
    /// words when its exact phrase is too strict (`模型训练` → `模型`, `训练`).
    public func words(_ text: String) -> [String] {
        var result: [String] = []
        var utf8 = text
        utf8.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return }
            collectSegments(base, buffer.count)
            for segment in segments {
                let bytes = UnsafeBufferPointer(start: base + Int(segment.start), count: Int(segment.end - segment.start))
                result.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        return result
    }

    /// The folded form of a text: what every character of it becomes in the index.
    public func fold(_ text: String) -> String {
        var utf8 = text
        return utf8.withUTF8 { buffer -> String in
            guard let base = buffer.baseAddress else { return "" }
            resetFolded()
            var i = 0
            while i < buffer.count { i = foldCluster(base, i, buffer.count) }
            return String(decoding: folded, as: UTF8.self)
        }
    }

    /// A piece of a query term: a chain of words (`Qwen2.5-7b`) or a run of Han/kana text.
    public struct QuerySegment: Sendable, Equatable {
        public enum Kind: Sendable { case word, cjk }
        public var kind: Kind
        /// The segment's source text.
        public var text: String
        /// For Han runs, ICU's dictionary words of the folded run (`模型训练` → `模型`, `训练`);
        /// for words, the folded text of each word of the chain.
        public var words: [String]
    }

    /// The segments of a query term, in order. Punctuation, symbols and emoji are not segments.
    public func querySegments(_ text: String) -> [QuerySegment] {
        var groups: [(kind: QuerySegment.Kind, start: Int, end: Int, words: [Range<Int>])] = []
        var utf8 = text
        return utf8.withUTF8 { buffer -> [QuerySegment] in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return [] }
            collectSegments(base, buffer.count)
            var i = 0
            let n = segments.count
            while i < n {
                var j = i
                let cjk = segments[i].isCJK
                if cjk {
                    while j + 1 < n && segments[j + 1].isCJK && segments[j + 1].start == segments[j].end { j += 1 }
                } else {
                    while j + 1 < n && !segments[j + 1].isCJK
                        && Self.isHyphen(base, Int(segments[j].end), Int(segments[j + 1].start)) { j += 1 }
                }
                groups.append((cjk ? .cjk : .word, Int(segments[i].start), Int(segments[j].end),
                               segments[i...j].map { Int($0.start)..<Int($0.end) }))
                i = j + 1
            }
            return groups.map { group in
                let source = String(decoding: UnsafeBufferPointer(rebasing: buffer[group.start..<group.end]), as: UTF8.self)
                switch group.kind {
                case .cjk:
                    return QuerySegment(kind: .cjk, text: source, words: words(fold(source)))
                case .word:
                    let words = group.words.map {
                        fold(String(decoding: UnsafeBufferPointer(rebasing: buffer[$0]), as: UTF8.self))
                    }
                    return QuerySegment(kind: .word, text: source, words: words)
                }
            }
        }
    }

    // MARK: - Segments

    private func collectSegments(_ base: UnsafePointer<UInt8>, _ count: Int) {
        segments.removeAll(keepingCapacity: true)
        let length = Int32(clamping: count)
        let status = base.withMemoryRebound(to: CChar.self, capacity: count) {
            cvs_segmenter_set_text(segmenter, $0, length)
        }
        guard status == 0 else { return }
        var start: Int32 = 0, end: Int32 = 0, kind: Int32 = 0
        while cvs_segmenter_next(segmenter, &start, &end, &kind) != 0 {
            segments.append(Segment(start: start, end: end, kind: kind))
        }
    }

    /// Whether the bytes between two words are exactly one hyphen (-, U+2010, U+2011).
    private static func isHyphen(_ p: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        if to - from == 1 { return p[from] == UInt8(ascii: "-") }
        if to - from == 3 { return p[from] == 0xE2 && p[from + 1] == 0x80 && (p[from + 2] == 0x90 || p[from + 2] == 0x91) }
        return false
    }

    // MARK: - Folding

    private func resetFolded() {
        folded.removeAll(keepingCapacity: true)
        foldedStart.removeAll(keepingCapacity: true)
        foldedEnd.removeAll(keepingCapacity: true)
    }

    /// Folds the character (a scalar and any combining marks after it) at byte `i` onto
    /// `folded`, recording the source range of every folded byte. Returns the next byte offset.
    @inline(__always)
    private func foldCluster(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        let before = folded.count
        var next: Int
        let first = p[i]
        // Fast path: ASCII not followed by a possible combining mark (all below U+0300 start < 0xCC).
        if first < 0x80 && (i + 1 >= end || p[i + 1] < 0xCC) {
            folded.append(first >= 0x41 && first <= 0x5A ? first + 32 : first)
            next = i + 1
        } else {
            let (value, length) = UTF8Scalars.decode(p, i, end)
            next = i + length
            var clusterEnd = next
            while clusterEnd < end && p[clusterEnd] >= 0xCC {
                let (mark, markLength) = UTF8Scalars.decode(p, clusterEnd, end)
                guard UTF8Scalars.isCombiningMark(mark) else { break }
                clusterEnd += markLength
            }
            if clusterEnd > next {
                let n = p.withMemoryRebound(to: CChar.self, capacity: clusterEnd) {
                    cvs_fold_utf8($0 + i, Int32(clusterEnd - i), foldScratch, CVS_FOLD_MAX)
                }
                appendFold(n, original: p, i, clusterEnd)
                next = clusterEnd
            } else if value == 0x2018 || value == 0x2019 || value == 0x02BC {
                folded.append(UInt8(ascii: "'"))  // typographic apostrophes fold to ASCII
            } else if value < 0x80 {
                folded.append(first >= 0x41 && first <= 0x5A ? first + 32 : first)
            } else {
                appendFold(cvs_fold(value, foldScratch), original: p, i, next)
            }
        }
        let s = Int32(i), e = Int32(next)
        for _ in before..<folded.count {
            foldedStart.append(s)
            foldedEnd.append(e)
        }
        return next
    }

    @inline(__always)
    private func appendFold(_ n: Int32, original p: UnsafePointer<UInt8>, _ from: Int, _ to: Int) {
        if n > 0 {
            folded.append(contentsOf: UnsafeBufferPointer(start: foldScratch, count: Int(n)))
        } else if n < 0 {
            // ICU failed: keep the original bytes searchable rather than dropping them.
            folded.append(contentsOf: UnsafeBufferPointer(start: p + from, count: to - from))
        }
    }

    // MARK: - Han and kana

    private func cjkRun(
        _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ mode: TokenizationMode, _ sink: TokenSink
    ) rethrows {
        resetFolded()
        units.removeAll(keepingCapacity: true)
        var i = start
        while i < end {
            let from = folded.count
            let next = foldCluster(p, i, end)
            if folded.count > from {
                units.append(Unit(from: from, to: folded.count, start: Int32(i), end: Int32(next)))
            }
            i = next
        }
        switch mode {
        case .document:
            for k in units.indices {
                let u = units[k]
                try emit(u.from..<u.to, u.start, u.end, colocated: false, sink)
                if k + 1 < units.count {
                    let v = units[k + 1]
                    try emit(u.from..<v.to, u.start, v.end, colocated: true, sink)
                }
            }
        case .query, .prefixQuery:
            if units.count == 1 {
                try emit(units[0].from..<units[0].to, units[0].start, units[0].end, colocated: false, sink)
            } else {
                for k in 0..<max(units.count - 1, 0) {
                    let u = units[k], v = units[k + 1]
                    try emit(u.from..<v.to, u.start, v.end, colocated: false, sink)
                }
            }
        }
    }

    // MARK: - Words

    private func wordChain(
        _ p: UnsafePointer<UInt8>, _ chain: ClosedRange<Int>, _ mode: TokenizationMode, isLast: Bool,
        _ sink: TokenSink
    ) rethrows {
        resetFolded()
        units.removeAll(keepingCapacity: true)
        for s in chain {
            let segment = segments[s]
            let from = folded.count
            var i = Int(segment.start)
            let end = Int(segment.end)
            while i < end && folded.count - from < Self.maxTokenBytes { i = foldCluster(p, i, end) }
            if folded.count > from {
                units.append(Unit(from: from, to: folded.count, start: segment.start, end: segment.end))
            }
        }
        for k in units.indices {
            let u = units[k]
            try emit(u.from..<u.to, u.start, u.end, colocated: false, sink)
            switch mode {
            case .document:
                if k == 0 && units.count > 1 && units.count <= Self.maxJoinedWords {
                    try emit(u.from..<units[units.count - 1].to, u.start, units[units.count - 1].end, colocated: true, sink)
                }
                splitParts(u.from..<u.to)
                if parts.count > 1 {
                    for part in parts where part.count > 1 {  // a lone letter or digit is noise
                        try emit(part, foldedStart[part.lowerBound], foldedEnd[part.upperBound - 1], colocated: true, sink)
                    }
                }
                try emitStem(of: u.from..<u.to, u.start, u.end, query: false, sink)
                if parts.count > 1 {
                    for part in parts where part.count > 1 {
                        try emitStem(of: part, foldedStart[part.lowerBound], foldedEnd[part.upperBound - 1], query: false, sink)
                    }
                }
            case .query:
                try emitStem(of: u.from..<u.to, u.start, u.end, query: true, sink)
            case .prefixQuery:
                if !(isLast && k == units.count - 1) {
                    try emitStem(of: u.from..<u.to, u.start, u.end, query: true, sink)
                }
            }
        }
    }

    /// Splits folded word bytes into runs of letters and runs of digits ("2.5" stays whole).
    private func splitParts(_ range: Range<Int>) {
        parts.removeAll(keepingCapacity: true)
        @inline(__always) func kind(_ b: UInt8) -> Int {
            if b >= 0x80 || (b >= 0x61 && b <= 0x7A) { return 1 }
            if b >= 0x30 && b <= 0x39 { return 2 }
            return 0
        }
        var i = range.lowerBound
        while i < range.upperBound {
            let k = kind(folded[i])
            if k == 0 {
                i += 1
                continue
            }
            var j = i + 1
            while j < range.upperBound {
                let kj = kind(folded[j])
                if kj == k {
                    j += 1
                } else if k == 2 && (folded[j] == UInt8(ascii: ".") || folded[j] == UInt8(ascii: ","))
                    && j + 1 < range.upperBound && kind(folded[j + 1]) == 2
                {
                    j += 2
                } else {
                    break
                }
            }
            parts.append(i..<j)
            i = j
        }
    }

    /// Emits the stem of an English word as colocated tokens: `~stem` in documents (only when
    /// it differs from the word); in queries also the stem itself, which may be a word of its own.
    private func emitStem(
        of range: Range<Int>, _ start: Int32, _ end: Int32, query: Bool, _ sink: TokenSink
    ) rethrows {
        let count = range.count
        guard count >= 3 && count <= 64 else { return }
        for i in range where !(folded[i] >= 0x61 && folded[i] <= 0x7A) { return }
        let n = folded.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                cvs_stem(stemmer, $0 + range.lowerBound, Int32(count), stemScratch, 127)
            }
        }
        guard n > 0 else { return }
        let stemBytes = UnsafeRawBufferPointer(start: stemScratch, count: Int(n))
        let same = Int(n) == count && stemBytes.elementsEqual(folded[range])
        stem.removeAll(keepingCapacity: true)
        if query && !same {
            stem.append(contentsOf: stemBytes)
            try emitStemBuffer(start, end, sink)
            stem.removeAll(keepingCapacity: true)
        }
        if query || !same {
            stem.append(Self.stemMarker)
            stem.append(contentsOf: stemBytes)
            try emitStemBuffer(start, end, sink)
        }
    }

    private func emitStemBuffer(_ start: Int32, _ end: Int32, _ sink: TokenSink) rethrows {
        try stem.withUnsafeBufferPointer { try emitBytes($0, start, end, colocated: true, sink) }
    }

    // MARK: - Emitting

    private func emit(_ range: Range<Int>, _ start: Int32, _ end: Int32, colocated: Bool, _ sink: TokenSink) rethrows {
        try folded.withUnsafeBufferPointer { buffer in
            try emitBytes(UnsafeBufferPointer(rebasing: buffer[range]), start, end, colocated: colocated, sink)
        }
    }

    /// Hands a token to the sink, skipping a colocated token equal to one already at its position.
    private func emitBytes(
        _ token: UnsafeBufferPointer<UInt8>, _ start: Int32, _ end: Int32, colocated: Bool, _ sink: TokenSink
    ) rethrows {
        if colocated {
            var from = 0
            for to in positionTokenEnds {
                if to - from == token.count && positionTokens[from..<to].elementsEqual(token) { return }
                from = to
            }
        } else {
            positionTokens.removeAll(keepingCapacity: true)
            positionTokenEnds.removeAll(keepingCapacity: true)
        }
        positionTokens.append(contentsOf: token)
        positionTokenEnds.append(positionTokens.count)
        try sink(token, start, end, colocated)
    }
}
