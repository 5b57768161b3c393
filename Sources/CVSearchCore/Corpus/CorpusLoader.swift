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
public enum CorpusLoader {
    /// Front-matter keys the format defines.
    static let knownKeys: Set<String> = ["title", "type", "date", "period", "tags", "url", "id", "lang"]

    /// Loads every entry under `path` (a folder, searched recursively, or one Markdown file).
    /// `README.md` files and hidden files are not entries.
    public static func load(at path: String) -> Corpus {
        let root = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return Corpus(problems: [CorpusProblem(file: path, "no such file or folder")])
        }
        var corpus = Corpus()
        if !isDirectory.boolValue {
            read(file: path, id: root.deletingPathExtension().lastPathComponent, into: &corpus)
        } else {
            let (glossary, problems) = Glossary.load(at: (path as NSString).appendingPathComponent(Glossary.fileName))
            corpus.glossary = glossary
            corpus.problems += problems
            for relative in markdownFiles(under: root) {
                let file = (path as NSString).appendingPathComponent(relative)
                read(file: file, id: String(relative.dropLast((relative as NSString).pathExtension.count + 1)),
                     into: &corpus)
            }
        }
        checkDuplicateIDs(&corpus)
        return corpus
    }

    /// Markdown files under `root`, relative to it, sorted (so ids and order are stable).
    static func markdownFiles(under root: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        let rootPath = root.standardizedFileURL.resolvingSymlinksInPath().path
        var files: [String] = []
        for case let url as URL in enumerator {
            let ext = url.pathExtension.lowercased()
            guard ext == "md" || ext == "markdown" else { continue }
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let full = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard full.hasPrefix(rootPath + "/") else { continue }
            let relative = String(full.dropFirst(rootPath.count + 1))
            if relative.lowercased() == "readme.md" { continue }
            files.append(relative)
        }
        return files.sorted()
    }

    private static func read(file: String, id: String, into corpus: inout Corpus) {
        guard let data = FileManager.default.contents(atPath: file) else {
            corpus.problems.append(CorpusProblem(file: file, "cannot read the file"))
            return
        }
        let (entry, problems) = parse(data, file: file, defaultID: id)
        corpus.problems += problems
        if let entry, !problems.contains(where: { $0.severity == .error }) { corpus.entries.append(entry) }
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
                corpus.problems.append(CorpusProblem(file: entry.source, "duplicate id '\(entry.id)' (also used by \(first))"))
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
