import Foundation

/// Splits one Markdown page that is not a single entry (a Jekyll homepage `index.md` whose
/// front matter has no `title`, or a file without front matter) into entries at its headings.
///
/// ```markdown
/// # About Me                ← text up to the next heading: entry "About Me" (#about-me)
/// I am …
/// # 📝 Publications         ← no text of its own: its title becomes the tag of what follows
/// ## 📚 Conference Papers
/// ### LEGO-ABSA: …          ← entry, tags ["📝 Publications", "📚 Conference Papers"]
/// Tianhao Gao, …
/// ```
///
/// - A section starts at a heading of a split level (``CorpusOptions/headingLevels``, `##` and
///   `###` by default) and runs up to the next heading of a split level or of a higher level
///   (`#` ends a `###` section); deeper headings (`####`) stay in its text.
/// - Text under a heading that is not a split level (`# About Me`), and text before the first
///   heading, become entries too, titled by that heading (by the file name before any heading):
///   no text of the page is lost. A heading without text of its own whose title is the tag of
///   later sections (`# 📝 Publications`) is not an entry.
/// - Tags: the front matter's `tags` and `categories`, then the titles of the enclosing
///   higher-level headings, as written (emoji included).
/// - Title: the heading's text with Markdown markers and HTML tags removed.
/// - Anchor: the site generator's (``SlugStyle``), computed over every heading of the page in
///   order so duplicates are numbered as on the site; a kramdown `{#id}` after the heading text
///   is used as is. Id: `<file id>#<anchor>`; url: the page URL + `#<anchor>`.
/// - Headings are ATX headings (`## Title`, up to three spaces of indentation, optional closing
///   `#`s); lines in fenced code blocks are never headings. Setext headings (underlined with
///   `===`/`---`) are not recognized and stay text.
/// - HTML tags (`<span class='anchor' id='about-me'></span>`, `<div …>`) are removed from the text
///   of the sections; the text between them is kept.
enum MarkdownSections {
    /// One ATX heading of a page.
    struct Heading: Equatable {
        /// Index of its line in the page's lines.
        var index: Int
        var level: Int
        /// The heading's text as written, without the `#`s, a closing sequence or a `{#id}`.
        var raw: String
        /// A kramdown header id (`## Title {#id}`).
        var explicitID: String?
    }

    /// What a page's front matter says about all its sections.
    struct Page {
        /// The file, as given to the loader (for `source` and problems).
        var file: String
        /// The title of text before the first heading: the file name.
        var name: String
        var fields: FrontMatter.Fields
        /// The page's URL (`permalink` or `url` resolved against the base URL), if known.
        var url: String?
    }

    /// Whether a page has a heading at one of `levels` (outside fenced code): the test for
    /// splitting a file without a front-matter title rather than reporting the missing title.
    static func hasSplitHeading(_ lines: [Substring], levels: Set<Int>) -> Bool {
        headings(in: lines).contains { levels.contains($0.level) }
    }

    /// The entries of a page.
    /// - Parameter firstLine: the file line of `lines[0]` (after the front matter).
    static func entries(lines: [Substring], firstLine: Int, page: Page, options: CorpusOptions) -> [Entry] {
        let headings = headings(in: lines)
        let titles = headings.map { plainHeading($0.raw) }
        var slugger = Slugger(style: options.slugStyle)
        let anchors = headings.indices.map { i in
            headings[i].explicitID ?? slugger.slug(options.slugStyle == .github ? titles[i] : headings[i].raw)
        }

        // Regions of text, each opened by a heading (or the start of the page).
        struct Region {
            var heading: Int?
            var start: Int
            var end: Int
            /// Indexes of the enclosing higher-level headings.
            var ancestors: [Int]
        }
        var regions = [Region(heading: nil, start: 0, end: lines.count, ancestors: [])]
        var enclosing: [Int] = []
        for (i, heading) in headings.enumerated() {
            while let last = enclosing.last, headings[last].level >= heading.level { enclosing.removeLast() }
            let ancestors = enclosing
            enclosing.append(i)
            let openLevel = regions[regions.count - 1].heading.map { headings[$0].level } ?? 7
            guard options.headingLevels.contains(heading.level) || heading.level <= openLevel else { continue }
            regions[regions.count - 1].end = heading.index
            regions.append(Region(heading: i, start: heading.index + 1, end: lines.count, ancestors: ancestors))
        }
        let tagged = Set(regions.flatMap(\.ancestors))

        var entries: [Entry] = []
        for region in regions {
            let body = MarkdownText.plain(stripTags(lines[region.start..<region.end].joined(separator: "\n")))
            if body.isEmpty && (region.heading.map { tagged.contains($0) } ?? true) { continue }
            var tags = page.fields.tags
            for ancestor in region.ancestors where !titles[ancestor].isEmpty && !tags.contains(titles[ancestor]) {
                tags.append(titles[ancestor])
            }
            let title: String
            let id: String
            let url: String?
            let line: Int
            if let h = region.heading {
                // An empty heading (`##`) takes the title of the nearest enclosing heading that has one.
                title = titles[h].isEmpty
                    ? (region.ancestors.reversed().lazy.map { titles[$0] }.first { !$0.isEmpty } ?? page.name) : titles[h]
                id = page.fields.id + "#" + anchors[h]
                url = (page.url ?? "") + "#" + anchors[h]
                line = firstLine + headings[h].index
            } else {
                title = page.name
                id = page.fields.id
                url = page.url
                line = firstLine + (lines.firstIndex { !$0.allSatisfy(\.isWhitespace) } ?? 0)
            }
            entries.append(Entry(
                id: id, type: page.fields.type, title: title, tags: tags, url: url,
                lang: page.fields.lang ?? FrontMatter.detectLanguage(title + "\n" + body), date: page.fields.date,
                firstYear: page.fields.years?.lowerBound, lastYear: page.fields.years?.upperBound, body: body,
                source: "\(page.file):\(line)"))
        }
        return entries
    }

    // MARK: - Headings

    /// The ATX headings of a page, skipping fenced code blocks (```` ``` ```` or `~~~`).
    static func headings(in lines: [Substring]) -> [Heading] {
        var headings: [Heading] = []
        var fence: (marker: Character, length: Int)?
        for (index, line) in lines.enumerated() {
            let indent = line.prefix(while: { $0 == " " }).count
            let rest = line.dropFirst(indent)
            if indent <= 3, let marker = rest.first, marker == "`" || marker == "~" {
                let length = rest.prefix(while: { $0 == marker }).count
                if let open = fence {
                    if marker == open.marker && length >= open.length
                        && rest.dropFirst(length).allSatisfy({ $0 == " " || $0 == "\t" }) {
                        fence = nil
                    }
                    continue
                } else if length >= 3 && !(marker == "`" && rest.dropFirst(length).contains("`")) {
                    fence = (marker, length)
                    continue
                }
            }
            if fence == nil, let heading = heading(line, index: index) { headings.append(heading) }
        }
        return headings
    }

    /// The heading on `line`, if it is one: `#`…`######` after at most three spaces, then a space
    /// or the end of the line.
    static func heading(_ line: Substring, index: Int) -> Heading? {
        let indent = line.prefix(while: { $0 == " " }).count
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        let level = rest.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(level) else { return nil }
        let after = rest.dropFirst(level)
        guard after.isEmpty || after.first == " " || after.first == "\t" else { return nil }
        var text = after.trimmingCharacters(in: .whitespaces)
        // A closing sequence: `#`s alone, or after a space.
        let closing = text.reversed().prefix(while: { $0 == "#" }).count
        if closing > 0 {
            let before = text.dropLast(closing)
            if before.isEmpty {
                text = ""
            } else if before.last == " " || before.last == "\t" {
                text = before.trimmingCharacters(in: .whitespaces)
            }
        }
        // A kramdown header id: `Title {#id}`.
        var explicitID: String?
        if text.hasSuffix("}"), let open = text.range(of: " {#", options: .backwards) ?? text.range(of: "\t{#", options: .backwards) {
            let id = text[open.upperBound..<text.index(before: text.endIndex)]
            if let first = id.first, first.isASCII, first.isLetter,
                id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_:-".contains($0)) }) {
                explicitID = String(id)
                text = text[..<open.lowerBound].trimmingCharacters(in: .whitespaces)
            }
        }
        return Heading(index: index, level: level, raw: text, explicitID: explicitID)
    }

    /// A heading's text as shown: HTML tags and Markdown markers (links, code, emphasis) removed.
    static func plainHeading(_ raw: String) -> String {
        let text = MarkdownText.plain(stripTags(raw))
        return removeEmphasis(text).trimmingCharacters(in: .whitespacesAndNewlines)  // `# \u{B}` is no title
    }

    /// Removes `*`/`_` runs that open or close emphasis (`*Dogs*`, `_Dogs_`); keeps those inside
    /// words (`snake_case`) or alone between spaces (`a * b`).
    static func removeEmphasis(_ text: String) -> String {
        guard text.contains("*") || text.contains("_") else { return text }
        let characters = Array(text)
        var out = ""
        var i = 0
        while i < characters.count {
            let c = characters[i]
            guard c == "*" || c == "_" else {
                out.append(c)
                i += 1
                continue
            }
            var j = i
            while j < characters.count && characters[j] == c { j += 1 }
            let before: Character? = i > 0 ? characters[i - 1] : nil
            let after: Character? = j < characters.count ? characters[j] : nil
            func boundary(_ x: Character?) -> Bool {
                guard let x else { return true }
                return x.isWhitespace || x.isPunctuation
            }
            let opens = boundary(before) && after.map { !$0.isWhitespace } == true
            let closes = before.map { !$0.isWhitespace } == true && boundary(after)
            if !(opens || closes) { out.append(contentsOf: characters[i..<j]) }
            i = j
        }
        return out
    }

    /// Removes HTML tags (`<span class='anchor'>`, `</div>`, `<br/>`) and comments, keeping the
    /// text between them. A tag must close on its line; autolinks (`<https://…>`) and a lone `<`
    /// are text.
    static func stripTags(_ text: String) -> String {
        guard text.contains("<") else { return text }
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            if text[i] == "<" {
                if text[i...].hasPrefix("<!--"), let end = text[i...].range(of: "-->") {
                    i = end.upperBound
                    continue
                }
                if let end = tagEnd(text, from: i) {
                    i = end
                    continue
                }
            }
            out.append(text[i])
            i = text.index(after: i)
        }
        return out
    }

    /// The index after the `>` of the tag starting at `start`, if one does.
    private static func tagEnd(_ text: String, from start: String.Index) -> String.Index? {
        var j = text.index(after: start)
        if j < text.endIndex && text[j] == "/" { j = text.index(after: j) }
        guard j < text.endIndex, text[j].isASCII, text[j].isLetter else { return nil }
        while j < text.endIndex, text[j].isASCII, text[j].isLetter || text[j].isNumber || text[j] == "-" {
            j = text.index(after: j)
        }
        guard j < text.endIndex, text[j] == ">" || text[j] == " " || text[j] == "/" || text[j] == "\t" else { return nil }
        let lineEnd = text[j...].firstIndex(of: "\n") ?? text.endIndex
        guard let close = text[j..<lineEnd].firstIndex(of: ">") else { return nil }
        return text.index(after: close)
    }
}
