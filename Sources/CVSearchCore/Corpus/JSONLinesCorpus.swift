import Foundation

/// A JSON Lines corpus file (`*.jsonl`): one entry per line, a JSON object with the fields of the
/// Markdown front matter and the body.
///
/// ```json
/// {"title": "Project 3.2: Apple 自营店客服 RAG", "type": "project", "date": 2024, "tags": ["RAG", "LLM"], "url": "/#project-3-2", "body": "RAG 模块采用 GLM3 模型…"}
/// ```
///
/// - `title` is required; `type`, `date` (a year as a number or a string) or `period`, `tags`
///   and `categories` (lists of strings, or one comma-separated string), `url` or `permalink`,
///   `id`, `lang` and `body` (Markdown) are optional. Text fields must be JSON strings.
/// - The default id is `<file id>#<title as a GitHub anchor>` (numbered when titles repeat).
/// - Blank lines are skipped. Every problem (invalid UTF-8, bad JSON, a missing title, a field
///   of the wrong type, a duplicate id) is reported with the file and line, all of them; a line
///   with an error is left out.
enum JSONLinesCorpus {
    /// The keys a record may have.
    static let knownKeys = CorpusLoader.knownKeys.union(["body"])

    /// The entries of a JSON Lines file.
    /// - Parameters:
    ///   - file: the path, for problems and each entry's `source` (`file:line`).
    ///   - fileID: the file's path in the corpus without its extension, for default ids.
    static func read(_ data: Data, file: String, fileID: String, options: CorpusOptions) -> ([Entry], [CorpusProblem]) {
        var entries: [Entry] = []
        var problems: [CorpusProblem] = []
        var slugger = Slugger(style: .github)
        var lineOfID: [String: Int] = [:]
        for (offset, lineData) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let line = offset + 1
            var bytes = Data(lineData)
            if line == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                let (_, byte) = CorpusLoader.firstInvalidUTF8(bytes)
                problems.append(CorpusProblem(file: file, line: line, "invalid UTF-8 (byte \(byte + 1) of the line); save the file as UTF-8"))
                continue
            }
            guard !text.allSatisfy(\.isWhitespace) else { continue }
            let value: JSONValue
            do {
                value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            } catch {
                problems.append(CorpusProblem(file: file, line: line, "bad JSON: \(describe(error, text))"))
                continue
            }
            guard case .object(let object) = value else {
                problems.append(CorpusProblem(file: file, line: line, "each line must be a JSON object ({\"title\": …}), not \(value.kind)"))
                continue
            }

            var lineProblems: [CorpusProblem] = []
            var values: [String: FrontMatter.Value] = [:]
            for key in object.keys.sorted() {
                guard let field = object[key] else { continue }
                values[key] = field.value(line: line)
                if !knownKeys.contains(key) && !ImportedFields.keys.contains(key) {
                    lineProblems.append(CorpusProblem(
                        file: file, line: line,
                        "unknown key '\(key)' (known: \(knownKeys.sorted().joined(separator: ", "))); it is ignored",
                        severity: .warning))
                }
            }
            var body = ""
            switch object["body"] {
            case .string(let text)?: body = text
            case .null?, nil: break
            case let other?: lineProblems.append(CorpusProblem(file: file, line: line, "'body' must be a string, not \(other.kind)"))
            }
            var defaultID = fileID
            if values["id"] == nil, case .string(let title)? = object["title"] {
                let anchor = slugger.slug(MarkdownSections.plainHeading(title))
                defaultID = fileID + "#" + (anchor.isEmpty ? "line-\(line)" : anchor)
            }
            let (entry, found) = FrontMatter.entry(
                values, mappingLine: line, fallbackLine: line, body: body, file: file, defaultID: defaultID,
                json: true, problems: lineProblems)
            problems += found
            guard var entry else { continue }
            if let first = lineOfID[entry.id] {
                problems.append(CorpusProblem(file: file, line: line, "duplicate id '\(entry.id)' (also used on line \(first))"))
                continue
            }
            lineOfID[entry.id] = line
            entry.url = options.resolve(entry.url)
            entry.source = "\(file):\(line)"
            entries.append(entry)
        }
        return (entries, problems)
    }

    /// Why `text` is not JSON: JSONSerialization's reason ("Invalid value around character 14."),
    /// which JSONDecoder's error does not carry.
    private static func describe(_ error: any Error, _ text: String) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            if let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        }
        if case DecodingError.dataCorrupted(let context) = error { return context.debugDescription }
        return "\(error)"
    }
}

/// Any JSON value, keeping the types apart (a number is not a string, `true` is not `1`).
enum JSONValue: Decodable {
    case string(String)
    /// A number, as its shortest text (`2024`, `2.5`).
    case number(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(Double.self) {
            self = .number(String(value))
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// What the value is, for messages: `a number`, `a list`.
    var kind: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .bool(let value): return "\(value)"
        case .null: return "null"
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    /// The value as a front-matter value on `line`.
    func value(line: Int) -> FrontMatter.Value {
        switch self {
        case .string(let text): return FrontMatter.Value(kind: .text(text), line: line)
        case .number(let text): return FrontMatter.Value(kind: .number(text), line: line)
        case .null: return FrontMatter.Value(kind: .null, line: line)
        case .array(let items): return FrontMatter.Value(kind: .list(items.map { $0.value(line: line) }), line: line)
        case .bool, .object: return FrontMatter.Value(kind: .other(kind), line: line)
        }
    }
}
