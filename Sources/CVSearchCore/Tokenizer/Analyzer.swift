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
/// 1. **Segmentation** by ICU's word break iterator, run directly over the UTF-8 bytes; Han and
///    kana runs are found by code point instead (ICU's dictionary would split them into words
///    that step 3 does not use).
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
    public static let version = 3

    /// Words longer than this (in folded bytes) are truncated, identically in documents and queries.
    static let maxTokenBytes = 120
    /// A hyphenated chain of more words than this gets no joined token.
    static let maxJoinedWords = 6
    static let stemMarker = UInt8(ascii: "~")

    /// Callback receiving each token: its bytes, its source byte range, and whether it is colocated.
    public typealias TokenSink = (UnsafeBufferPointer<UInt8>, Int32, Int32, Bool) throws -> Void

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

    private var engine: AnalyzerEngine

    public init() throws {
        guard let segmenter = cvs_segmenter_open() else {
            throw AnalyzerError(description: "cannot open ICU's word break iterator (is libicu installed?)")
        }
        guard let stemmer = cvs_stemmer_open() else {
            cvs_segmenter_close(segmenter)
            throw AnalyzerError(description: "cannot open FTS5's porter stemmer")
        }
        engine = AnalyzerEngine(segmenter: segmenter, stemmer: stemmer)
    }

    deinit { engine.close() }

    /// The folds of the unified Han blocks that are not the character itself (Traditional
    /// characters and their Simplified forms): computed with ICU, stored in the index, and
    /// given back to ``preloadHanFolds(_:)`` by processes that search it.
    public static func hanFolds() -> [(codePoint: UInt32, folded: String)] {
        var result: [(UInt32, String)] = []
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: Int(CVS_FOLD_MAX))
        defer { out.deallocate() }
        for range in [UInt32(0x3400)...0x4DBF, 0x4E00...0x9FFF] {
            for c in range {
                let n = cvs_fold(c, out)
                guard n > 0 else { continue }
                let folded = String(decoding: UnsafeBufferPointer(start: out, count: Int(n)), as: UTF8.self)
                if folded.unicodeScalars.count != 1 || folded.unicodeScalars.first!.value != c { result.append((c, folded)) }
            }
        }
        return result
    }

    /// Makes the Han folds known without ICU's Traditional-Simplified transliterator, which takes
    /// 12-15 ms to build: a command-line search starts faster.
    public static func preloadHanFolds(_ folds: [(codePoint: UInt32, folded: String)]) {
        for (c, folded) in folds {
            var text = folded
            text.withUTF8 { cvs_fold_preload(c, $0.baseAddress, Int32($0.count)) }
        }
        cvs_fold_han_preloaded()
    }

    /// The ICU version the analyzer runs on.
    public static var icuVersion: String { String(cString: cvs_icu_version()) }

    /// Tokenizes UTF-8 bytes (which may be invalid) and hands every token to `sink`, in order.
    /// - Parameter bigrams: false for highlighting, which matches Han text character by
    ///   character (a phrase of bigrams matches exactly where the phrase of its characters does).
    public func tokenize(
        _ text: UnsafeBufferPointer<UInt8>, mode: TokenizationMode, bigrams: Bool = true, _ sink: TokenSink
    ) rethrows {
        try engine.tokenize(text, mode: mode, bigrams: bigrams, sink)
    }

    /// The tokens of `text`, with positions (for tests, highlighting and explanations).
    public func tokens(_ text: String, mode: TokenizationMode = .document, bigrams: Bool = true) -> [Token] {
        engine.tokens(text, mode: mode, bigrams: bigrams)
    }

    /// The byte offsets of the tokens at positions 0, `every`, 2 × `every`, … of a document:
    /// tokenizing from one of them gives the same tokens and positions as tokenizing from the
    /// start, so a long text can be highlighted around a position without reading all of it.
    public func positionCheckpoints(_ text: String, every: Int) -> [UInt32] {
        var utf8 = text
        return utf8.withUTF8 { engine.positionCheckpoints($0, every: every) }
    }

    /// ICU's dictionary words of a (folded) Han string, used to relax a Chinese query term into
    /// words when its exact phrase is too strict (`模型训练` → `模型`, `训练`).
    public func words(_ text: String) -> [String] { engine.words(text) }

    /// The folded form of a text: what every character of it becomes in the index.
    public func fold(_ text: String) -> String { engine.fold(text) }

    /// The segments of a query term, in order. Punctuation, symbols and emoji are not segments.
    public func querySegments(_ text: String) -> [QuerySegment] { engine.querySegments(text) }
}

/// The analyzer's state and algorithms. A struct, so its buffers are accessed without the
/// dynamic exclusivity checks that a class's stored properties pay in these hot loops.
struct AnalyzerEngine {
    let segmenter: OpaquePointer
    let stemmer: OpaquePointer
    let foldScratch = UnsafeMutablePointer<UInt8>.allocate(capacity: Int(CVS_FOLD_MAX))
    let stemScratch = UnsafeMutablePointer<CChar>.allocate(capacity: 128)

    // Reused buffers (an analyzer tokenizes many texts).
    var segments: [Segment] = []
    var folded: [UInt8] = []
    var foldedStart: [Int32] = []
    var foldedEnd: [Int32] = []
    var units: [Unit] = []
    var parts: [Range<Int>] = []
    var stem: [UInt8] = []
    var positionTokens: [UInt8] = []
    var positionTokenEnds: [Int] = []

    struct Segment {
        var start: Int32
        var end: Int32
        var kind: Int32
        var isCJK: Bool { kind == Int32(CVS_KIND_IDEO) || kind == Int32(CVS_KIND_KANA) }
    }

    /// A word of a chain, or a character of a Han run: folded bytes and source range.
    struct Unit {
        var from: Int
        var to: Int
        var start: Int32
        var end: Int32
    }

    // MARK: - Tokenizing

    /// Tokenizes UTF-8 bytes (which may be invalid) and hands every token to `sink`, in order.
    /// - Parameter bigrams: false for highlighting, which matches Han text character by
    ///   character (a phrase of bigrams matches exactly where the phrase of its characters does).
    mutating func tokenize(
        _ text: UnsafeBufferPointer<UInt8>, mode: TokenizationMode, bigrams: Bool = true, _ sink: Analyzer.TokenSink
    ) rethrows {
        guard let base = text.baseAddress, text.count > 0 else { return }
        collectSegments(base, text.count)
        var i = 0
        let n = segments.count
        while i < n {
            var j = i
            if segments[i].isCJK {
                while j + 1 < n && segments[j + 1].isCJK && segments[j + 1].start == segments[j].end { j += 1 }
                try cjkRun(base, Int(segments[i].start), Int(segments[j].end), bigrams ? mode : .document, bigrams,
                           followed: j < n - 1, sink)
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
    mutating func tokens(_ text: String, mode: TokenizationMode = .document, bigrams: Bool = true) -> [Token] {
        var result: [Token] = []
        var position = -1
        var utf8 = text
        utf8.withUTF8 { buffer in
            tokenize(buffer, mode: mode, bigrams: bigrams) { token, start, end, colocated in
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
    mutating func words(_ text: String) -> [String] {
        var result: [String] = []
        var utf8 = text
        utf8.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return }
            collectSegments(base, buffer.count, dictionary: true)
            for segment in segments {
                let bytes = UnsafeBufferPointer(start: base + Int(segment.start), count: Int(segment.end - segment.start))
                result.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        return result
    }

    /// The folded form of a text: what every character of it becomes in the index.
    mutating func fold(_ text: String) -> String {
        var utf8 = text
        return utf8.withUTF8 { buffer -> String in
            guard let base = buffer.baseAddress else { return "" }
            resetFolded()
            var i = 0
            while i < buffer.count { i = foldCluster(base, i, buffer.count) }
            return String(decoding: folded, as: UTF8.self)
        }
    }

    /// The segments of a query term, in order. Punctuation, symbols and emoji are not segments.
    mutating func querySegments(_ text: String) -> [Analyzer.QuerySegment] {
        var groups: [(kind: Analyzer.QuerySegment.Kind, start: Int, end: Int, words: [Range<Int>])] = []
        var utf8 = text
        return utf8.withUTF8 { buffer -> [Analyzer.QuerySegment] in
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
                    return Analyzer.QuerySegment(kind: .cjk, text: source, words: words(fold(source)))
                case .word:
                    let words = group.words.map {
                        fold(String(decoding: UnsafeBufferPointer(rebasing: buffer[$0]), as: UTF8.self))
                    }
                    return Analyzer.QuerySegment(kind: .word, text: source, words: words)
                }
            }
        }
    }

    // MARK: - Segments

    /// The word segments of the text. Han and kana runs are found by code point and become one
    /// segment each (they are indexed character by character, so ICU's dictionary segmentation
    /// of them would be wasted work); ICU's word break iterator segments everything else.
    /// With `dictionary`, ICU segments the whole text, Han included (``words(_:)``).
    mutating func collectSegments(_ base: UnsafePointer<UInt8>, _ count: Int, dictionary: Bool = false) {
        segments.removeAll(keepingCapacity: true)
        if dictionary {
            icuSegments(base, 0, count)
            return
        }
        var i = 0
        var stretch = 0
        while i < count {
            if base[i] < 0x80 {
                i += 1
                continue
            }
            let (value, length) = UTF8Scalars.decode(base, i, count)
            guard Self.isCJK(value) else {
                i += length
                continue
            }
            if stretch < i { icuSegments(base, stretch, i) }
            var end = i + length
            while end < count && base[end] >= 0xE3 {
                let (next, nextLength) = UTF8Scalars.decode(base, end, count)
                guard Self.isCJK(next) else { break }
                end += nextLength
            }
            segments.append(Segment(start: Int32(i), end: Int32(end), kind: Int32(CVS_KIND_IDEO)))
            i = end
            stretch = end
        }
        if stretch < count { icuSegments(base, stretch, count) }
    }

    /// Positions counted without building tokens: one per Han or kana character (a base and
    /// its combining marks), one per word segment; the offsets of every `every`-th.
    mutating func positionCheckpoints(_ text: UnsafeBufferPointer<UInt8>, every: Int) -> [UInt32] {
        guard let base = text.baseAddress, text.count > 0 else { return [] }
        collectSegments(base, text.count)
        var offsets: [UInt32] = []
        var position = 0
        @inline(__always) func count(_ start: Int) {
            if position % every == 0 { offsets.append(UInt32(start)) }
            position += 1
        }
        for segment in segments {
            guard segment.isCJK else {
                // A word that folds away entirely (U+3164 HANGUL FILLER) is no token: no position.
                if foldsToText(base, Int(segment.start), Int(segment.end)) { count(Int(segment.start)) }
                continue
            }
            var i = Int(segment.start)
            let end = Int(segment.end)
            while i < end {
                let start = i
                let (first, length) = UTF8Scalars.decode(base, i, end)
                i += length
                while i < end && base[i] >= 0xCC {
                    let (mark, length) = UTF8Scalars.decode(base, i, end)
                    guard UTF8Scalars.isCombiningMark(mark) else { break }
                    i += length
                }
                if !UTF8Scalars.isCombiningMark(first) { count(start) }  // a lone mark folds away
            }
        }
        return offsets
    }

    /// Whether the word segment `start..<end` folds to some text, as ``wordChain`` needs to make
    /// a token of it (its first characters are folded until one gives something).
    mutating func foldsToText(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
        resetFolded()
        var i = start
        while i < end && folded.isEmpty { i = foldCluster(p, i, end) }
        return !folded.isEmpty
    }

    /// ICU's word segments of bytes `from..<to`, skipping stretches without letters or digits.
    mutating func icuSegments(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) {
        guard Self.mayHaveWords(base, from, to) else { return }
        let status = (base + from).withMemoryRebound(to: CChar.self, capacity: to - from) {
            cvs_segmenter_set_text(segmenter, $0, Int32(clamping: to - from))
        }
        guard status == 0 else { return }
        let offset = Int32(from)
        var start: Int32 = 0, end: Int32 = 0, kind: Int32 = 0
        while cvs_segmenter_next(segmenter, &start, &end, &kind) != 0 {
            segments.append(Segment(start: start + offset, end: end + offset, kind: kind))
        }
    }

    /// Han ideographs (and their iteration marks) and kana: indexed character by character.
    @inline(__always)
    static func isCJK(_ v: UInt32) -> Bool {
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x3040 && v <= 0x30FF)
            || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x20000 && v <= 0x323AF) || (v >= 0x31F0 && v <= 0x31FF)
            || (v >= 0xFF66 && v <= 0xFF9F) || v == 0x3005 || v == 0x3007
    }

    /// False when the bytes are only spaces, ASCII punctuation and common CJK or general
    /// punctuation: ICU would find no word in them.
    private static func mayHaveWords(_ base: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var i = from
        while i < to {
            let b = base[i]
            if b < 0x80 {
                if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) { return true }
                i += 1
                continue
            }
            let (v, length) = UTF8Scalars.decode(base, i, to)
            let punctuation = (v >= 0x2000 && v <= 0x206F) || (v >= 0x3000 && v <= 0x303F) || (v >= 0xFF00 && v <= 0xFF0F)
                || (v >= 0xFF1A && v <= 0xFF20) || (v >= 0xFF3B && v <= 0xFF40) || (v >= 0xFF5B && v <= 0xFF65)
                || v == 0x00A0 || v == 0x00B7 || v == 0xFFFD
            if !punctuation { return true }
            i += length
        }
        return false
    }

    /// Whether the bytes between two words are exactly one hyphen (-, U+2010, U+2011).
    private static func isHyphen(_ p: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        if to - from == 1 { return p[from] == UInt8(ascii: "-") }
        if to - from == 3 { return p[from] == 0xE2 && p[from + 1] == 0x80 && (p[from + 2] == 0x90 || p[from + 2] == 0x91) }
        return false
    }

    // MARK: - Folding

    mutating func resetFolded() {
        folded.removeAll(keepingCapacity: true)
        foldedStart.removeAll(keepingCapacity: true)
        foldedEnd.removeAll(keepingCapacity: true)
    }

    /// Folds the character (a scalar and any combining marks after it) at byte `i` onto
    /// `folded`, recording the source range of every folded byte. Returns the next byte offset.
    @inline(__always)
    mutating func foldCluster(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
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
    mutating func appendFold(_ n: Int32, original p: UnsafePointer<UInt8>, _ from: Int, _ to: Int) {
        if n > 0 {
            folded.append(contentsOf: UnsafeBufferPointer(start: foldScratch, count: Int(n)))
        } else if n < 0 {
            // ICU failed: keep the original bytes searchable rather than dropping them.
            folded.append(contentsOf: UnsafeBufferPointer(start: p + from, count: to - from))
        }
    }

    // MARK: - Han and kana

    /// - Parameter followed: whether more text follows the run. A query run of n characters is
    ///   n - 1 bigrams but spans n document positions, so when a token follows it (`"模型 SFT"`),
    ///   its last character is emitted too, to keep the phrase's later tokens at their positions.
    mutating func cjkRun(
        _ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ mode: TokenizationMode, _ bigrams: Bool,
        followed: Bool = false, _ sink: Analyzer.TokenSink
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
                if bigrams && k + 1 < units.count {
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
                if followed, units.count > 1, let last = units.last {
                    try emit(last.from..<last.to, last.start, last.end, colocated: false, sink)
                }
            }
        }
    }

    // MARK: - Words

    mutating func wordChain(
        _ p: UnsafePointer<UInt8>, _ chain: ClosedRange<Int>, _ mode: TokenizationMode, isLast: Bool,
        _ sink: Analyzer.TokenSink
    ) rethrows {
        resetFolded()
        units.removeAll(keepingCapacity: true)
        for s in chain {
            let segment = segments[s]
            let from = folded.count
            var i = Int(segment.start)
            let end = Int(segment.end)
            while i < end && folded.count - from < Analyzer.maxTokenBytes { i = foldCluster(p, i, end) }
            if folded.count > from {
                units.append(Unit(from: from, to: folded.count, start: segment.start, end: segment.end))
            }
        }
        for k in units.indices {
            let u = units[k]
            try emit(u.from..<u.to, u.start, u.end, colocated: false, sink)
            switch mode {
            case .document:
                if k == 0 && units.count > 1 && units.count <= Analyzer.maxJoinedWords {
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
    mutating func splitParts(_ range: Range<Int>) {
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
    mutating func emitStem(
        of range: Range<Int>, _ start: Int32, _ end: Int32, query: Bool, _ sink: Analyzer.TokenSink
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
            stem.append(Analyzer.stemMarker)
            stem.append(contentsOf: stemBytes)
            try emitStemBuffer(start, end, sink)
        }
    }

    mutating func emitStemBuffer(_ start: Int32, _ end: Int32, _ sink: Analyzer.TokenSink) rethrows {
        try stem.withUnsafeBufferPointer { try emitBytes($0, start, end, colocated: true, sink) }
    }

    // MARK: - Emitting

    mutating func emit(_ range: Range<Int>, _ start: Int32, _ end: Int32, colocated: Bool, _ sink: Analyzer.TokenSink) rethrows {
        try folded.withUnsafeBufferPointer { buffer in
            try emitBytes(UnsafeBufferPointer(rebasing: buffer[range]), start, end, colocated: colocated, sink)
        }
    }

    /// Hands a token to the sink, skipping a colocated token equal to one already at its position.
    mutating func emitBytes(
        _ token: UnsafeBufferPointer<UInt8>, _ start: Int32, _ end: Int32, colocated: Bool, _ sink: Analyzer.TokenSink
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

    func close() {
        cvs_segmenter_close(segmenter)
        cvs_stemmer_close(stemmer)
        foldScratch.deallocate()
        stemScratch.deallocate()
    }
}
