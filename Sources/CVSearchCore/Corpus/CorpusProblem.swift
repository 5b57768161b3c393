/// A problem found while reading the corpus, located by file and (when known) line.
public struct CorpusProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        /// The file cannot be indexed; nothing is written to the index while any error remains.
        case error
        /// Worth fixing, but the entry is indexed (an unknown front-matter key, say).
        case warning
    }

    /// The file, as a path the owner can open (relative to the working directory when given so).
    public var file: String
    /// 1-based line in the file, when the problem has one.
    public var line: Int?
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int? = nil, _ message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.message = message
        self.severity = severity
    }

    /// `file:line: error: message`, the format editors and CI logs link to.
    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(severity.rawValue): \(message)"
    }
}

/// The result of reading a corpus: entries and every problem found (not just the first).
public struct Corpus: Sendable {
    public var entries: [Entry]
    /// The bilingual glossary (`glossary.yaml` at the corpus root), empty when there is none.
    public var glossary: Glossary
    public var problems: [CorpusProblem]

    public init(entries: [Entry] = [], glossary: Glossary = Glossary(), problems: [CorpusProblem] = []) {
        self.entries = entries
        self.glossary = glossary
        self.problems = problems
    }

    /// The problems that block indexing.
    public var errors: [CorpusProblem] { problems.filter { $0.severity == .error } }
    public var warnings: [CorpusProblem] { problems.filter { $0.severity == .warning } }
}
