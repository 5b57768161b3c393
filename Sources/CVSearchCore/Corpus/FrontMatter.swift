import Foundation
import Yams

/// Front matter (YAML, read with Yams) to an ``Entry``.
///
/// The checks of the fields are shared with JSON Lines records (``JSONLinesCorpus``) and with
/// pages split at their headings (``MarkdownSections``): both go through ``check(_:requireTitle:defaultID:file:line:fallbackLine:json:)``.
enum FrontMatter {
    /// A field's value as read from YAML or JSON, with the file line it starts on.
    struct Value {
        enum Kind {
            /// A YAML scalar or a JSON string.
            case text(String)
            /// A JSON number, as written.
            case number(String)
            /// `null`, `~` or nothing.
            case null
            case list([Value])
            /// Anything else (a mapping, a JSON object or boolean), described for messages.
            case other(String)
        }
        var kind: Kind
        var line: Int
    }

    /// The checked fields of a front matter or a JSON Lines record.
    struct Fields {
        var title: String?
        var type = EntryType.page.rawValue
        /// The `id`, else the default id.
        var id: String
        /// `tags`, then the `categories` not already among them.
        var tags: [String] = []
        /// `date`, else `period`.
        var date: String?
        var years: ClosedRange<Int>?
        /// `url`, else `permalink` (not yet resolved against a base URL).
        var url: String?
        var lang: String?
    }

    /// Builds an entry from front-matter YAML and a Markdown body.
    /// - Parameter yamlFirstLine: the file line on which the YAML starts, to report file lines.
    static func entry(
        yaml: String, yamlFirstLine: Int, body: String, file: String, defaultID: String
    ) -> (Entry?, [CorpusProblem]) {
        let (read, problems) = values(yaml: yaml, yamlFirstLine: yamlFirstLine, file: file)
        guard let read else { return (nil, problems) }
        guard !read.empty else {
            return (nil, problems + [CorpusProblem(file: file, line: yamlFirstLine, "front matter must be 'key: value' lines, with at least a title")])
        }
        return entry(read.values, mappingLine: read.line, fallbackLine: yamlFirstLine - 1, body: body, file: file,
                     defaultID: defaultID, problems: problems)
    }

    /// Builds the entry of one file (or JSON Lines record) from its values and Markdown body.
    static func entry(
        _ values: [String: Value], mappingLine: Int, fallbackLine: Int, body: String, file: String, defaultID: String,
        json: Bool = false, problems: [CorpusProblem] = []
    ) -> (Entry?, [CorpusProblem]) {
        let (fields, checked) = check(values, requireTitle: true, defaultID: defaultID, file: file,
                                      line: mappingLine, fallbackLine: fallbackLine, json: json)
        let problems = problems + checked
        guard let title = fields.title, problems.allSatisfy({ $0.severity == .warning }) else { return (nil, problems) }
        let plainBody = MarkdownText.plain(body)
        let entry = Entry(
            id: fields.id, type: fields.type, title: title, tags: fields.tags, url: fields.url,
            lang: fields.lang ?? detectLanguage(title + "\n" + plainBody), date: fields.date,
            firstYear: fields.years?.lowerBound, lastYear: fields.years?.upperBound, body: plainBody, source: file)
        return (entry, problems)
    }

    /// The values of front-matter YAML, with bad YAML, duplicate keys and unknown keys reported.
    /// `nil` when the YAML cannot be read; `empty` when it holds nothing at all (`---` then `---`).
    static func values(yaml: String, yamlFirstLine: Int, file: String)
        -> ((values: [String: Value], line: Int, empty: Bool)?, [CorpusProblem])
    {
        var problems: [CorpusProblem] = []
        func line(_ mark: Mark?) -> Int { mark.map { $0.line + yamlFirstLine - 1 } ?? yamlFirstLine - 1 }

        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            let (line, message) = describe(error)
            return (nil, [CorpusProblem(file: file, line: line.map { $0 + yamlFirstLine - 1 }, "bad YAML front matter: \(message)")])
        } catch {
            return (nil, [CorpusProblem(file: file, line: yamlFirstLine, "bad YAML front matter: \(error)")])
        }
        guard let root else { return (([:], yamlFirstLine, true), []) }
        guard let mapping = root.mapping else {
            return (nil, [CorpusProblem(file: file, line: yamlFirstLine, "front matter must be 'key: value' lines, with at least a title")])
        }

        func value(_ node: Node) -> Value {
            switch node {
            case .scalar(let scalar):
                return Value(kind: node.tag == Tag(.null) ? .null : .text(scalar.string), line: line(node.mark))
            case .sequence(let sequence):
                return Value(kind: .list(sequence.map(value)), line: line(node.mark))
            default:
                return Value(kind: .other("a mapping"), line: line(node.mark))
            }
        }
        var values: [String: Value] = [:]
        for (key, node) in mapping {
            guard let name = key.string else { continue }
            if values[name] != nil {
                problems.append(CorpusProblem(file: file, line: line(key.mark), "duplicate key '\(name)'"))
            }
            values[name] = value(node)
            if !CorpusLoader.knownKeys.contains(name) && !ImportedFields.keys.contains(name) {
                problems.append(CorpusProblem(
                    file: file, line: line(key.mark),
                    "unknown key '\(name)' (known: \(CorpusLoader.knownKeys.sorted().joined(separator: ", "))); it is ignored",
                    severity: .warning))
            }
        }
        return ((values, line(mapping.mark), false), problems)
    }

    /// Whether `values` give a title (a non-empty single value): a page without one is split at
    /// its headings (see ``MarkdownSections``).
    static func hasTitle(_ values: [String: Value]) -> Bool {
        switch values["title"]?.kind {
        case .text(let text): return !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        case .null, nil: return false
        default: return true  // a list or a number: reported by `check`
        }
    }

    /// Checks the fields every entry format shares and reads them.
    /// - Parameters:
    ///   - requireTitle: whether a missing or empty `title` is an error (it is not for a page
    ///     split at its headings).
    ///   - line: the line of the first key (or of the JSON record), for a missing field.
    ///   - fallbackLine: the line for a problem with a value that has no line of its own.
    ///   - json: values come from JSON: text fields must be strings, numbers are only dates.
    static func check(
        _ values: [String: Value], requireTitle: Bool, defaultID: String, file: String, line: Int,
        fallbackLine: Int? = nil, json: Bool = false
    ) -> (Fields, [CorpusProblem]) {
        var problems: [CorpusProblem] = []
        func problem(_ message: String, at value: Value?, _ severity: CorpusProblem.Severity = .error) {
            problems.append(CorpusProblem(file: file, line: value?.line ?? fallbackLine ?? line, message, severity: severity))
        }
        func describe(_ kind: Value.Kind) -> String {
            switch kind {
            case .text: return "a string"
            case .number: return "a number"
            case .null: return "null"
            case .list: return "a list"
            case .other(let what): return what
            }
        }
        func string(_ name: String, numberAllowed: Bool = false) -> String? {
            guard let value = values[name] else { return nil }
            let text: String
            switch value.kind {
            case .text(let string):
                text = string
            case .number(let number) where numberAllowed:
                text = number
            case .null:
                return nil
            default:
                problem(json ? "'\(name)' must be a string, not \(describe(value.kind))" : "'\(name)' must be a single value", at: value)
                return nil
            }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        }
        func list(_ name: String) -> [String] {
            guard let value = values[name] else { return [] }
            switch value.kind {
            case .list(let items):
                var result: [String] = []
                for item in items {
                    switch item.kind {
                    case .text(let text), .number(let text):
                        let trimmed = text.trimmingCharacters(in: .whitespaces)
                        if !trimmed.isEmpty { result.append(trimmed) }
                    case .null:
                        break
                    default:
                        problem(json ? "each of '\(name)' must be a string, not \(describe(item.kind))" : "each tag must be a single value", at: item)
                    }
                }
                return result
            default:
                guard let text = string(name, numberAllowed: true) else { return [] }
                return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
        }

        var fields = Fields(id: defaultID)
        fields.title = string("title", numberAllowed: !json)
        if fields.title == nil && requireTitle {
            switch values["title"]?.kind {
            case nil: problems.append(CorpusProblem(file: file, line: line, "missing 'title' (every entry needs one)"))
            case .text, .null: problem("'title' is empty", at: values["title"])
            default: break  // reported by `string`
            }
        }
        if let value = string("type") {
            if EntryType(rawValue: value.lowercased()) != nil {
                fields.type = value.lowercased()
            } else {
                problem("unknown type '\(value)' (use one of: \(EntryType.allCases.map(\.rawValue).joined(separator: ", ")))",
                        at: values["type"])
            }
        }
        fields.id = string("id") ?? defaultID
        if fields.id.contains(where: { $0.isWhitespace || $0.isNewline }) || fields.id.isEmpty {
            problem("id '\(fields.id)' must be non-empty and without spaces", at: values["id"])
        }
        fields.tags = list("tags")
        for category in list("categories") where !fields.tags.contains(category) {
            fields.tags.append(category)
        }
        fields.date = string("date", numberAllowed: true) ?? string("period", numberAllowed: true)
        fields.years = fields.date.flatMap(Self.years(in:))
        if let date = fields.date, fields.years == nil {
            problem("cannot read a year in date '\(date)' (write 2022, 2022-05-01, 2019-2022 or 2022-now)",
                    at: values["date"] ?? values["period"])
        }
        fields.url = string("url") ?? string("permalink")
        if let value = string("lang")?.lowercased() {
            fields.lang = String(value.prefix(while: { $0 != "-" && $0 != "_" }))
        }
        return (fields, problems)
    }

    /// The years a date or period covers: `2022`, `2022-05-01`, `2019-2022`, `2022-now`.
    static func years(in date: String) -> ClosedRange<Int>? {
        var years: [Int] = []
        var digits = ""
        for character in date + " " {
            if character.isASCII && character.isNumber {
                digits.append(character)
            } else {
                if digits.count == 4, let year = Int(digits), (1900...2200).contains(year) { years.append(year) }
                digits = ""
            }
        }
        guard let first = years.first else { return nil }
        let lower = date.lowercased()
        let openEnded = ["now", "present", "today", "至今", "现在"].contains { lower.contains($0) }
        let current = Calendar(identifier: .gregorian).component(.year, from: Date())
        let last = openEnded ? max(current, years.max()!) : years.max()!
        return min(first, years.min()!)...last
    }

    /// `zh` when Han characters make up at least a quarter of the letters, else `en`.
    static func detectLanguage(_ text: String) -> String {
        var han = 0, letters = 0
        for scalar in text.unicodeScalars {
            if scalar.properties.isIdeographic {
                han += 1
            } else if scalar.properties.isAlphabetic {
                letters += 1
            }
        }
        return han > 0 && han * 4 >= han + letters ? "zh" : "en"
    }

    static func describe(_ error: YamlError) -> (Int?, String) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return (mark.line, [context?.text, problem].compactMap { $0 }.joined(separator: ": "))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return (context.mark.line, "duplicate keys \(duplicates.joined(separator: ", "))")
        case .reader(let problem, _, _, _):
            return (nil, problem)
        default:
            return (nil, "\(error)")
        }
    }
}

/// Front-matter keys of site generators (Jekyll, Hugo) that are accepted without a warning.
enum ImportedFields {
    static let keys: Set<String> = [
        "layout", "draft", "description", "summary", "author", "slug", "weight",
        "excerpt", "published", "aliases", "keywords", "author_profile", "redirect_from", "lastmod",
    ]
}
