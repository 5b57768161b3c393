import Foundation
import Yams

/// The bilingual glossary: groups of equivalent terms across languages and spellings
/// (`[customer service, 客服]`, `[JD, JD.com, 京东]`), kept by the owner in
/// `corpus/glossary.yaml` as a YAML list of lists.
///
/// A query term (or run of terms) equal to a member also matches every other member of its
/// groups, ranked below a literal match.
public struct Glossary: Sendable, Equatable {
    /// The groups, each with two or more terms as written.
    public private(set) var groups: [[String]]
    /// Folded member → indexes of the groups it belongs to.
    private var byKey: [String: [Int]] = [:]
    /// The most words in a member, to bound phrase matching over query terms.
    public private(set) var longestMember = 1
    /// The most characters in a member written in Han characters only.
    public private(set) var longestHanMember = 0

    /// The file name of the glossary inside a corpus folder.
    public static let fileName = "glossary.yaml"

    public init(groups: [[String]] = []) {
        self.groups = groups
        for (index, group) in groups.enumerated() {
            for term in group {
                let key = Self.key(term)
                guard !key.isEmpty else { continue }
                if byKey[key]?.contains(index) != true { byKey[key, default: []].append(index) }
                longestMember = max(longestMember, key.split(separator: " ").count)
                if key.unicodeScalars.allSatisfy(\.properties.isIdeographic) {
                    longestHanMember = max(longestHanMember, key.count)
                }
            }
        }
    }

    /// The normalized form terms are compared by: folded like the index (case, width,
    /// Traditional → Simplified), hyphens and runs of spaces as one space.
    public static func key(_ text: String) -> String {
        let folded = GlossaryFolding.fold(text)
        return folded.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "\u{3000}" || $0 == "\t" })
            .joined(separator: " ")
    }

    /// The other members of every group `text` belongs to, in glossary order.
    public func equivalents(of text: String) -> [String] {
        let key = Self.key(text)
        guard let indexes = byKey[key] else { return [] }
        var seen: Set<String> = [key]
        var result: [String] = []
        for index in indexes {
            for term in groups[index] where seen.insert(Self.key(term)).inserted {
                result.append(term)
            }
        }
        return result
    }

    /// Reads `glossary.yaml`. A missing file is an empty glossary; every problem is reported
    /// with the file and line.
    public static func load(at path: String) -> (Glossary, [CorpusProblem]) {
        guard let data = FileManager.default.contents(atPath: path) else { return (Glossary(), []) }
        guard let text = CorpusLoader.decodeUTF8(data) else {
            let (line, offset) = CorpusLoader.firstInvalidUTF8(data)
            return (Glossary(), [CorpusProblem(file: path, line: line, "invalid UTF-8 (byte \(offset)); save the file as UTF-8")])
        }
        return parse(text, file: path)
    }

    static func parse(_ text: String, file: String) -> (Glossary, [CorpusProblem]) {
        var problems: [CorpusProblem] = []
        // libyaml puts a mark at the end of a text without a final line break on the line after
        // it: keep every reported line on the file's last line.
        let lastLine = max(text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count, 1)
        func line(_ mark: Int?) -> Int? { mark.map { min($0, lastLine) } }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (at, message) = FrontMatter.describe(error)
            return (Glossary(), [CorpusProblem(file: file, line: line(at), "bad YAML: \(message)")])
        } catch {
            return (Glossary(), [CorpusProblem(file: file, "bad YAML: \(error)")])
        }
        guard let root else { return (Glossary(), []) }  // an empty file
        guard let list = root.sequence else {
            return (Glossary(), [CorpusProblem(file: file, line: line(root.mark?.line),
                                               "the glossary must be a list of groups, e.g. - [customer service, 客服]")])
        }
        var groups: [[String]] = []
        for item in list {
            guard let members = item.sequence else {
                problems.append(CorpusProblem(file: file, line: line(item.mark?.line),
                                              "a group must be a list of equivalent terms, e.g. [customer service, 客服]"))
                continue
            }
            var group: [String] = []
            for member in members {
                guard let value = member.scalar?.string.trimmingCharacters(in: .whitespaces) else {
                    problems.append(CorpusProblem(file: file, line: line(member.mark?.line), "a term must be a single value"))
                    continue
                }
                if value.isEmpty || key(value).isEmpty {
                    problems.append(CorpusProblem(file: file, line: line(member.mark?.line), "empty term"))
                } else {
                    group.append(value)
                }
            }
            if group.count < 2 && members.allSatisfy({ $0.scalar != nil }) {
                problems.append(CorpusProblem(
                    file: file, line: line(item.mark?.line),
                    group.isEmpty ? "empty group" : "a group needs at least two equivalent terms (has only '\(group[0])')"))
                continue
            }
            groups.append(group)
        }
        return (Glossary(groups: groups), problems)
    }
}

/// Folding for glossary keys: the analyzer's folding, through a shared analyzer.
enum GlossaryFolding {
    private static let pool = AnalyzerPool()

    static func fold(_ text: String) -> String {
        (try? pool.with { $0.fold(text) }) ?? text.lowercased()
    }
}
