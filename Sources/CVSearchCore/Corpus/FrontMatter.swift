import Foundation
import Yams

/// Front matter (YAML, read with Yams) to an ``Entry``.
enum FrontMatter {
    /// Builds an entry from front-matter YAML and a Markdown body.
    /// - Parameter yamlFirstLine: the file line on which the YAML starts, to report file lines.
    static func entry(
        yaml: String, yamlFirstLine: Int, body: String, file: String, defaultID: String
    ) -> (Entry?, [CorpusProblem]) {
        var problems: [CorpusProblem] = []
        func problem(_ message: String, at mark: Mark?, _ severity: CorpusProblem.Severity = .error) {
            problems.append(CorpusProblem(file: file, line: mark.map { $0.line + yamlFirstLine - 1 } ?? yamlFirstLine - 1,
                                          message, severity: severity))
        }

        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            let (line, message) = describe(error)
            return (nil, [CorpusProblem(file: file, line: line.map { $0 + yamlFirstLine - 1 }, "bad YAML front matter: \(message)")])
        } catch {
            return (nil, [CorpusProblem(file: file, line: yamlFirstLine, "bad YAML front matter: \(error)")])
        }
        guard let mapping = root?.mapping else {
            return (nil, [CorpusProblem(file: file, line: yamlFirstLine, "front matter must be 'key: value' lines, with at least a title")])
        }

        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            if fields[name] != nil {
                problem("duplicate key '\(name)'", at: key.mark)
            }
            fields[name] = value
            if !CorpusLoader.knownKeys.contains(name) && !ImportedFields.keys.contains(name) {
                problem("unknown key '\(name)' (known: \(CorpusLoader.knownKeys.sorted().joined(separator: ", "))); it is ignored",
                        at: key.mark, .warning)
            }
        }

        func string(_ name: String) -> String? {
            guard let node = fields[name] else { return nil }
            guard let scalar = node.scalar else {
                problem("'\(name)' must be a single value", at: node.mark)
                return nil
            }
            let value = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
            return value.isEmpty || node.tag == Tag(.null) ? nil : value
        }

        let title = string("title")
        if title == nil && fields["title"]?.sequence == nil && fields["title"]?.mapping == nil {
            problem(fields["title"] == nil ? "missing 'title' (every entry needs one)" : "'title' is empty",
                    at: fields["title"]?.mark ?? mapping.mark)
        }
        var type = EntryType.page.rawValue
        if let value = string("type") {
            if EntryType(rawValue: value.lowercased()) != nil {
                type = value.lowercased()
            } else {
                problem("unknown type '\(value)' (use one of: \(EntryType.allCases.map(\.rawValue).joined(separator: ", ")))",
                        at: fields["type"]?.mark)
            }
        }
        let id = string("id") ?? defaultID
        if id.contains(where: { $0.isWhitespace || $0.isNewline }) || id.isEmpty {
            problem("id '\(id)' must be non-empty and without spaces", at: fields["id"]?.mark)
        }
        var tags: [String] = []
        if let node = fields["tags"] {
            if let sequence = node.sequence {
                for item in sequence {
                    if let value = item.scalar?.string.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                        tags.append(value)
                    } else if item.scalar == nil {
                        problem("each tag must be a single value", at: item.mark)
                    }
                }
            } else if let value = string("tags") {
                tags = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
        }
        let date = string("date") ?? string("period")
        let years = date.flatMap(Self.years(in:))
        if let date, years == nil {
            problem("cannot read a year in date '\(date)' (write 2022, 2022-05-01, 2019-2022 or 2022-now)",
                    at: (fields["date"] ?? fields["period"])?.mark)
        }
        let plainBody = MarkdownText.plain(body)
        var lang = string("lang")?.lowercased()
        if let value = lang {
            lang = String(value.prefix(while: { $0 != "-" && $0 != "_" }))
        }

        guard let title, problems.allSatisfy({ $0.severity == .warning }) else { return (nil, problems) }
        let entry = Entry(
            id: id, type: type, title: title, tags: tags, url: string("url"),
            lang: lang ?? detectLanguage(title + "\n" + plainBody), date: date,
            firstYear: years?.lowerBound, lastYear: years?.upperBound, body: plainBody, source: file)
        return (entry, problems)
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
        "categories", "permalink", "layout", "draft", "description", "summary", "author", "slug", "weight",
        "excerpt", "published", "aliases", "keywords",
    ]
}
