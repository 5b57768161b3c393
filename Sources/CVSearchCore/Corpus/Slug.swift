/// How the site generator turns headings into anchors (`#-publications`), so that imported
/// sections link to the right place of the page.
public enum SlugStyle: String, Sendable, CaseIterable, Codable {
    /// GitHub's heading anchors, as the `github-slugger` package reproduces them: lowercase; every
    /// character removed except letters (Unicode `Alphabetic`, so Han characters stay), marks,
    /// decimal and letter numbers, connector punctuation (`_`), `-` and space; each space becomes
    /// `-`. Emoji go, the space after them stays: `📝 Publications` → `-publications`. Duplicates
    /// get `-1`, `-2`, … (skipping anchors already taken). Jekyll's default Markdown input
    /// (kramdown with `input: GFM`, used by AcadHomepage) generates the same anchors.
    case github
    /// kramdown's own auto ids (Jekyll with `kramdown: input: kramdown`): the raw heading text
    /// without its leading non-letters, then only ASCII letters, digits, spaces and `-` kept,
    /// spaces → `-`, lowercased; `section` when nothing is left; duplicates get `-1`, `-2`, ….
    /// Han characters are dropped: `Project 3.2: Apple 自营店客服 RAG` → `project-32-apple--rag`.
    case kramdown
}

/// Generates the anchors of one page's headings in page order, numbering duplicates as the
/// generator does. Use one slugger per page.
struct Slugger {
    let style: SlugStyle
    /// github: every anchor handed out → how many times its base was repeated.
    /// kramdown: every base → how many times it was repeated.
    private var occurrences: [String: Int] = [:]

    init(style: SlugStyle) {
        self.style = style
    }

    /// The anchor of the next heading. `text` is the heading's rendered text (markers removed)
    /// for GitHub, its raw text for kramdown (see ``SlugStyle``).
    mutating func slug(_ text: String) -> String {
        switch style {
        case .github:
            // github-slugger: while the candidate is taken, count up the base's repetitions.
            let base = Self.githubBase(text)
            var slug = base
            while occurrences[slug] != nil {
                let count = (occurrences[base] ?? 0) + 1
                occurrences[base] = count
                slug = "\(base)-\(count)"
            }
            occurrences[slug] = 0
            return slug
        case .kramdown:
            // kramdown's generate_id: a counter per base; taken anchors are not checked again.
            var base = Self.kramdownBase(text)
            if base.isEmpty { base = "section" }
            guard let count = occurrences[base] else {
                occurrences[base] = 0
                return base
            }
            occurrences[base] = count + 1
            return "\(base)-\(count + 1)"
        }
    }

    /// github-slugger's `slug(value)`: lowercase, drop what is not a letter, mark, decimal or
    /// letter number, connector punctuation, `-` or space, then spaces → `-` (no trimming).
    static func githubBase(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if scalar == " " {
                result.append("-")
            } else if scalar == "-" || keptByGitHub(scalar) {
                result.append(scalar)
            }
        }
        return String(result)
    }

    private static func keptByGitHub(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isAlphabetic { return true }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .connectorPunctuation:
            return true
        default:
            return false
        }
    }

    /// kramdown's `basic_generate_id`: `gsub(/^[^a-zA-Z]+/, '')`, `tr('^a-zA-Z0-9 -', '')`,
    /// `tr(' ', '-')`, `downcase`.
    static func kramdownBase(_ text: String) -> String {
        func isLetter(_ s: Unicode.Scalar) -> Bool { ("a"..."z").contains(s) || ("A"..."Z").contains(s) }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars.drop(while: { !isLetter($0) }) {
            if isLetter(scalar) || ("0"..."9").contains(scalar) || scalar == "-" {
                result.append(scalar)
            } else if scalar == " " {
                result.append("-")
            }
        }
        return String(result).lowercased()
    }
}
