/// One searchable entry of the corpus: a profile, a job, a degree, a paper, a patent, a project.
public struct Entry: Sendable, Equatable, Codable {
    /// Stable identifier, unique in the corpus (default: the file path without its extension).
    public var id: String
    /// What kind of entry this is (see ``EntryType``).
    public var type: String
    public var title: String
    public var tags: [String]
    /// Where the entry lives on the site (often an anchor such as `/#project-3-2`).
    public var url: String?
    /// Primary language: `zh` or `en` (detected from the text unless the front matter says).
    public var lang: String
    /// The date or period as written (`2022`, `2019-2022`, `2022-now`).
    public var date: String?
    /// Years the date or period covers, for the `year:` filter.
    public var firstYear: Int?
    public var lastYear: Int?
    /// Plain text of the body (Markdown markers removed).
    public var body: String
    /// Source file, relative to the corpus root (with a line for entries split from one file).
    public var source: String

    public init(
        id: String, type: String, title: String, tags: [String] = [], url: String? = nil, lang: String,
        date: String? = nil, firstYear: Int? = nil, lastYear: Int? = nil, body: String, source: String
    ) {
        self.id = id
        self.type = type
        self.title = title
        self.tags = tags
        self.url = url
        self.lang = lang
        self.date = date
        self.firstYear = firstYear
        self.lastYear = lastYear
        self.body = body
        self.source = source
    }

    /// A hash of everything that is indexed, to re-index only entries that changed.
    public var contentHash: String {
        var hash = FNV1a64()
        for field in [id, type, title, tags.joined(separator: "\u{1F}"), url ?? "", lang, date ?? "", body] {
            hash.combine(field)
            hash.combine("\u{1E}")
        }
        return hash.hex
    }
}

/// The entry types the corpus format knows.
public enum EntryType: String, CaseIterable, Sendable {
    case profile, experience, education, publication, preprint, patent, project
    /// An entry imported from a page that does not say what it is.
    case page
}

/// 64-bit FNV-1a: a stable (unseeded) hash for change detection, not for security.
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ string: String) {
        for byte in string.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
    }

    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
