import Foundation

/// Measures search quality on a table of queries with the entries a user expects.
///
/// The file is TSV: `category <TAB> query <TAB> relevant ids separated by |`, `#` comments.
/// Per query, over the top 10 hits (partial hits included, as a user sees them):
/// - **nDCG@10**: DCG = Σ 1/log2(rank + 1) over relevant hits, divided by the DCG of the ideal
///   order (all relevant entries first); relevance is binary.
/// - **MRR**: 1 / rank of the first relevant hit (0 when none is in the top 10).
/// - **success@1**: whether the first hit is relevant.
/// Each metric is averaged per category and over all queries.
public enum QualityEval {
    public struct Case: Sendable, Equatable {
        public var category: String
        public var query: String
        public var relevant: Set<String>
    }

    public struct Result: Sendable {
        public var `case`: Case
        public var hits: [String]
        public var ndcg: Double
        public var reciprocalRank: Double
        public var success: Bool
    }

    public struct Row: Sendable, Equatable {
        public var category: String
        public var queries: Int
        public var ndcg: Double
        public var mrr: Double
        public var successAt1: Double
    }

    /// Reads the query table. Throws a ``CorpusProblem`` naming the line of a malformed row.
    public static func load(_ path: String) throws -> [Case] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CorpusProblem(file: path, "cannot read the file (or it is not UTF-8)")
        }
        var cases: [Case] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("#") || line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 3, !columns[1].isEmpty, !columns[2].isEmpty else {
                throw CorpusProblem(file: path, line: number + 1, "expected: category <TAB> query <TAB> id|id…")
            }
            cases.append(Case(category: columns[0], query: columns[1], relevant: Set(columns[2].split(separator: "|").map(String.init))))
        }
        return cases
    }

    public static func evaluate(_ cases: [Case], with service: SearchService) throws -> [Result] {
        try cases.map { item in
            let hits = try service.search(SearchRequest(query: item.query, limit: 10)).hits.map(\.id)
            return score(item, hits)
        }
    }

    static func score(_ item: Case, _ hits: [String]) -> Result {
        var dcg = 0.0
        var firstRank: Int?
        for (index, id) in hits.prefix(10).enumerated() where item.relevant.contains(id) {
            dcg += 1 / log2(Double(index) + 2)
            if firstRank == nil { firstRank = index + 1 }
        }
        let ideal = (0..<min(item.relevant.count, 10)).reduce(0.0) { $0 + 1 / log2(Double($1) + 2) }
        return Result(case: item, hits: hits, ndcg: ideal > 0 ? dcg / ideal : 0,
                      reciprocalRank: firstRank.map { 1 / Double($0) } ?? 0,
                      success: hits.first.map(item.relevant.contains) ?? false)
    }

    /// Averages per category (in first-seen order), then over all queries.
    public static func summarize(_ results: [Result]) -> [Row] {
        var order: [String] = []
        var groups: [String: [Result]] = [:]
        for result in results {
            if groups[result.case.category] == nil { order.append(result.case.category) }
            groups[result.case.category, default: []].append(result)
        }
        func row(_ name: String, _ rs: [Result]) -> Row {
            let n = Double(max(rs.count, 1))
            return Row(category: name, queries: rs.count, ndcg: rs.map(\.ndcg).reduce(0, +) / n,
                       mrr: rs.map(\.reciprocalRank).reduce(0, +) / n,
                       successAt1: Double(rs.filter(\.success).count) / n)
        }
        return order.map { row($0, groups[$0]!) } + [row("all", results)]
    }

    /// The summary as a Markdown table.
    public static func table(_ rows: [Row]) -> String {
        var out = "| category | queries | nDCG@10 | MRR | success@1 |\n|---|---:|---:|---:|---:|\n"
        for row in rows {
            out += "| \(row.category) | \(row.queries) | \(String(format: "%.3f", row.ndcg)) | "
                + "\(String(format: "%.3f", row.mrr)) | \(String(format: "%.3f", row.successAt1)) |\n"
        }
        return out
    }
}
