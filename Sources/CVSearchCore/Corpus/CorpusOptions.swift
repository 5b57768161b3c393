/// How ``CorpusLoader`` imports pages that are not one entry each: Markdown pages without a
/// front-matter `title` (a homepage `index.md`), split into entries at their headings, and the
/// URLs of what it imports.
public struct CorpusOptions: Sendable, Equatable, Codable {
    /// The heading levels a page is split at (`[2, 3]`: `##` and `###`). Headings of other
    /// levels stay in the text; those above the split levels become the sections' tags.
    public var headingLevels: Set<Int>
    /// The site's address (`https://example.com/`). Relative URLs (a `permalink`, a `url`
    /// without a scheme, a section's `#anchor`) are resolved against it; without it they are
    /// kept relative.
    public var baseURL: String?
    /// How headings become anchors, as the site generator does it.
    public var slugStyle: SlugStyle

    public init(headingLevels: Set<Int> = [2, 3], baseURL: String? = nil, slugStyle: SlugStyle = .github) {
        self.headingLevels = headingLevels
        self.baseURL = baseURL
        self.slugStyle = slugStyle
    }

    /// Problems with the options themselves, reported against the corpus path.
    func problems(corpus path: String) -> [CorpusProblem] {
        var problems: [CorpusProblem] = []
        if headingLevels.isEmpty || !headingLevels.allSatisfy({ (1...6).contains($0) }) {
            problems.append(CorpusProblem(file: path, "heading levels must be between 1 and 6 (got \(headingLevels.sorted()))"))
        }
        return problems
    }

    /// `url` resolved against ``baseURL``: kept as is when it has a scheme (`https:`, `mailto:`)
    /// or when there is no base URL; else the base URL's folder joined with it
    /// (`https://example.com/` + `/about/` → `https://example.com/about/`, + `#x` →
    /// `https://example.com/#x`).
    func resolve(_ url: String?) -> String? {
        guard let url, !url.isEmpty else { return url }
        guard let base = normalizedBase, !Self.hasScheme(url) else { return url }
        if url.hasPrefix("#") { return base + url }
        return base + url.drop(while: { $0 == "/" })
    }

    /// The base URL ending with `/` (`https://example.com` → `https://example.com/`).
    private var normalizedBase: String? {
        guard let baseURL, !baseURL.isEmpty else { return nil }
        return baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
    }

    /// Whether `url` starts with a scheme (`https:`, `mailto:`).
    static func hasScheme(_ url: String) -> Bool {
        guard let colon = url.firstIndex(of: ":"), let first = url.first, first.isASCII, first.isLetter else { return false }
        return url[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }
}
