import Foundation
import Yams

/// Reads the corpus: a folder of Markdown files with YAML front matter, and the bilingual
/// glossary `glossary.yaml` beside them (see ``Glossary``).
///
/// ```markdown
/// ---
/// title: "Project 3.2: Apple 自营店客服 RAG"   # required
/// type: project                               # profile, experience, education, publication,
///                                             # preprint, patent, project (default: page)
/// date: 2024          # or period: 2019-2022 / 2022-now
/// tags: [RAG, LLM]
/// url: /#project-3-2
/// id: apple-rag       # default: the path without .md
/// lang: zh            # default: detected
/// ---
/// Body in Markdown.
/// ```
///
/// Every problem is collected, not just the first, each with its file and line; an entry with an
/// error is left out and the caller must not index a corpus that has errors.
///
/// To import an existing site, the corpus may also hold (see ``load(at:options:)``):
/// - Markdown pages whose front matter has no `title` (a Jekyll homepage `index.md` with
///   `permalink: /`), or that have no front matter, split into one entry per section at their
///   `##`/`###` headings (``MarkdownSections``);
/// - JSON Lines files (`*.jsonl`), one entry per line (``JSONLinesCorpus``).
public enum CorpusLoader {
    /// Front-matter keys the format defines.
    static let knownKeys: Set<String> = [
        "title", "type", "date", "period", "tags", "categories", "url", "permalink", "id", "lang",
    ]

    /// Loads every entry under `path` (a folder, searched recursively, or one Markdown or JSON
    /// Lines file) with the default ``CorpusOptions``. `README.md` files and hidden files are not
    /// entries.
    public static func load(at path: String) -> Corpus {
        load(at: path, options: CorpusOptions())
    }

    /// Loads every entry under `path` (a folder, searched recursively, or one Markdown or JSON
    /// Lines file): Markdown files with a front-matter `title` are one entry each, Markdown
    /// pages without one are split at the heading levels of `options`, `*.jsonl` files hold one
    /// entry per line. `README.md` files and hidden files are not entries.
    public static func load(at path: String, options: CorpusOptions) -> Corpus {
        let root = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return Corpus(problems: [CorpusProblem(file: path, "no such file or folder")])
        }
        let optionProblems = options.problems(corpus: path)
        guard optionProblems.isEmpty else { return Corpus(problems: optionProblems) }
        var corpus = Corpus()
        if !isDirectory.boolValue {
            read(file: path, id: root.deletingPathExtension().lastPathComponent, options: options, into: &corpus)
        } else {
            let (glossary, problems) = Glossary.load(at: (path as NSString).appendingPathComponent(Glossary.fileName))
            corpus.glossary = glossary
            corpus.problems += problems
            for relative in markdownFiles(under: root) {
                let file = (path as NSString).appendingPathComponent(relative)
                read(file: file, id: String(relative.dropLast((relative as NSString).pathExtension.count + 1)),
                     options: options, into: &corpus)
            }
        }
        checkDuplicateIDs(&corpus)
        return corpus
    }

    /// Markdown and JSON Lines files under `root`, relative to it, sorted (so ids and order are
    /// stable).
    static func markdownFiles(under root: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        let rootPath = root.standardizedFileURL.resolvingSymlinksInPath().path
        var files: [String] = []
        for case let url as URL in enumerator {
            let ext = url.pathExtension.lowercased()
            guard ext == "md" || ext == "markdown" || ext == "jsonl" else { continue }
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let full = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard full.hasPrefix(rootPath + "/") else { continue }
            let relative = String(full.dropFirst(rootPath.count + 1))
            if relative.lowercased() == "readme.md" { continue }
            files.append(relative)
        }
        return files.sorted()
    }

    private static func read(file: String, id: String, options: CorpusOptions, into corpus: inout Corpus) {
        guard let data = FileManager.default.contents(atPath: file) else {
            corpus.problems.append(CorpusProblem(file: file, "cannot read the file"))
            return
        }
        if (file as NSString).pathExtension.lowercased() == "jsonl" {
            let (entries, problems) = JSONLinesCorpus.read(data, file: file, fileID: id, options: options)
            corpus.problems += problems
            corpus.entries += entries
            return
        }
        let (entries, problems) = parseFile(data, file: file, defaultID: id, options: options)
        corpus.problems += problems
        if !problems.contains(where: { $0.severity == .error }) { corpus.entries += entries }
    }

    /// Parses one Markdown file: one entry when its front matter has a title, else (when it has
    /// headings at the split levels) one entry per section.
    static func parseFile(
        _ data: Data, file: String, defaultID: String, options: CorpusOptions
    ) -> ([Entry], [CorpusProblem]) {
        guard let text = decodeUTF8(data) else {
            let (line, offset) = firstInvalidUTF8(data)
            return ([], [CorpusProblem(file: file, line: line, "invalid UTF-8 (byte \(offset)); save the file as UTF-8")])
        }
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        let first = lines.first.map { $0.trimmingCharacters(in: .whitespaces) }
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        func page(_ fields: FrontMatter.Fields, body: ArraySlice<Substring>, firstLine: Int) -> [Entry] {
            let url = fields.url != nil ? options.resolve(fields.url) : options.baseURL
            let page = MarkdownSections.Page(file: file, name: name, fields: fields, url: url)
            return MarkdownSections.entries(lines: Array(body), firstLine: firstLine, page: page, options: options)
        }
        if first == "+++" {
            return ([], [CorpusProblem(
                file: file, line: 1,
                "TOML front matter ('+++') is not supported: write it as YAML between '---' lines (title = \"x\" becomes title: \"x\")")])
        }
        guard first == "---" else {
            guard MarkdownSections.hasSplitHeading(Array(lines), levels: options.headingLevels) else {
                let levels = options.headingLevels.sorted().map(String.init).joined(separator: ", ")
                return ([], [CorpusProblem(
                    file: file, line: 1,
                    "no front matter: the file must start with a '---' line, then at least 'title:', then '---' "
                        + "(a page without a title is split into entries at its headings of levels \(levels), but this one has none)")])
            }
            let (fields, problems) = FrontMatter.check([:], requireTitle: false, defaultID: defaultID, file: file, line: 1)
            guard problems.isEmpty else { return ([], problems) }  // an id with spaces
            return (page(fields, body: lines[...], firstLine: 1), [])
        }
        guard let close = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" || $0 == "..." }) else {
            return ([], [CorpusProblem(file: file, line: 1, "front matter is not closed: add a '---' line after it")])
        }
        let yaml = lines[1..<close].joined(separator: "\n")
        let body = lines[(close + 1)...]
        let (read, problems) = FrontMatter.values(yaml: yaml, yamlFirstLine: 2, file: file)
        guard let read else { return ([], problems) }
        if !FrontMatter.hasTitle(read.values)
            && MarkdownSections.hasSplitHeading(Array(body), levels: options.headingLevels) {
            let (fields, checked) = FrontMatter.check(read.values, requireTitle: false, defaultID: defaultID, file: file,
                                                      line: read.line, fallbackLine: 1)
            let all = problems + checked
            guard all.allSatisfy({ $0.severity == .warning }) else { return ([], all) }
            return (page(fields, body: body, firstLine: close + 2), all)
        }
        guard !read.empty else {
            return ([], problems + [CorpusProblem(file: file, line: 2, "front matter must be 'key: value' lines, with at least a title")])
        }
        let (entry, all) = FrontMatter.entry(read.values, mappingLine: read.line, fallbackLine: 1, body: body.joined(separator: "\n"),
                                             file: file, defaultID: defaultID, problems: problems)
        guard var entry else { return ([], all) }
        entry.url = options.resolve(entry.url)
        return ([entry], all)
    }

    /// Parses one Markdown file with front matter.
    public static func parse(_ data: Data, file: String, defaultID: String) -> (Entry?, [CorpusProblem]) {
        guard let text = decodeUTF8(data) else {
            let (line, offset) = firstInvalidUTF8(data)
            return (nil, [CorpusProblem(file: file, line: line, "invalid UTF-8 (byte \(offset)); save the file as UTF-8")])
        }
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first.map({ $0.trimmingCharacters(in: .whitespaces) }) == "---" else {
            return (nil, [CorpusProblem(file: file, line: 1, "no front matter: the file must start with a '---' line, then at least 'title:', then '---'")])
        }
        guard let close = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" || $0 == "..." }) else {
            return (nil, [CorpusProblem(file: file, line: 1, "front matter is not closed: add a '---' line after it")])
        }
        let yaml = lines[1..<close].joined(separator: "\n")
        let body = lines[(close + 1)...].joined(separator: "\n")
        return FrontMatter.entry(yaml: yaml, yamlFirstLine: 2, body: body, file: file, defaultID: defaultID)
    }

    private static func checkDuplicateIDs(_ corpus: inout Corpus) {
        var seen: [String: String] = [:]
        var kept: [Entry] = []
        for entry in corpus.entries {
            if let first = seen[entry.id] {
                // An entry split from a file has the source `file:line`.
                var file = entry.source
                var line: Int?
                if let colon = file.lastIndex(of: ":"), let number = Int(file[file.index(after: colon)...]) {
                    line = number
                    file = String(file[..<colon])
                }
                corpus.problems.append(CorpusProblem(file: file, line: line, "duplicate id '\(entry.id)' (also used by \(first))"))
            } else {
                seen[entry.id] = entry.source
                kept.append(entry)
            }
        }
        corpus.entries = kept
    }

    // MARK: - UTF-8

    static func decodeUTF8(_ data: Data) -> String? {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }  // byte order mark
        return String(validating: bytes, as: UTF8.self)
    }

    /// The 1-based line and byte offset of the first invalid UTF-8 sequence.
    static func firstInvalidUTF8(_ data: Data) -> (line: Int, offset: Int) {
        let bytes = [UInt8](data)
        var line = 1
        var i = 0
        return bytes.withUnsafeBufferPointer { buffer in
            while i < buffer.count {
                let (value, length) = UTF8Scalars.decode(buffer.baseAddress!, i, buffer.count)
                if value == UTF8Scalars.replacement && !(length == 3 && buffer[i] == 0xEF) { return (line, i) }
                if buffer[i] == 0x0A { line += 1 }
                i += length
            }
            return (line, i)
        }
    }
}
