import ArgumentParser
import CVSearchCore
import Foundation

/// `cvsearch [search] QUERY`: ranked, highlighted hits.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the index (the default command).",
        discussion: """
            Query syntax: terms are AND-ed; "exact phrase"; -term and -"phrase" exclude; a OR b;
            filters type:project lang:zh tag:RAG year:2022. The last term also matches as a prefix.
            Exit status: 0 with hits, 1 with none, 2 on errors.
            """
    )

    @OptionGroup var locations: Locations

    @Argument(help: "The query (several words are joined with spaces).")
    var query: [String] = []

    @Option(help: "Hits per page (1-\(SearchRequest.maxLimit)).")
    var limit = SearchRequest.defaultLimit

    @Option(help: "Hits to skip.")
    var offset = 0

    @Option(help: "Only entries of this type (repeatable).")
    var type: [String] = []

    @Flag(help: "Print the JSON the HTTP endpoint returns.")
    var json = false

    @Flag(name: .customLong("no-prefix"), help: "Do not match the last term as a prefix.")
    var noPrefix = false

    @Flag(help: "Explain each hit's score.")
    var explain = false

    func validate() throws {
        guard !query.joined().trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("give a query, e.g. cvsearch \"RAG Qwen\"")
        }
        guard (1...SearchRequest.maxLimit).contains(limit) else {
            throw ValidationError("--limit must be 1 to \(SearchRequest.maxLimit)")
        }
        guard offset >= 0 else { throw ValidationError("--offset must be 0 or more") }
    }

    func run() throws {
        let outcome = try IndexMaintenance.openForSearch(
            index: locations.indexPath, corpus: locations.corpus, explicitCorpus: locations.corpusGiven)
        for problem in outcome.problems { printError("cvsearch: \(problem)") }
        if !outcome.problems.filter({ $0.severity == .error }).isEmpty {
            printError("cvsearch: the corpus has errors; searching the previous index")
        }
        if let summary = outcome.summary { printError("cvsearch: \(summary)") }

        let service = SearchService(store: outcome.store)
        let request = SearchRequest(
            query: query.joined(separator: " "), limit: limit, offset: offset, types: type, prefix: !noPrefix,
            explain: explain)
        let response = try service.search(request)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(response), as: UTF8.self))
        } else {
            print(TerminalOutput(colors: TerminalOutput.wantsColor()).render(response), terminator: "")
        }
        if response.hits.isEmpty { throw ExitCode(1) }
    }
}
