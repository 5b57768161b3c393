import ArgumentParser
import CVSearchCore
import Foundation

/// `cvsearch eval FILE`: search quality on a table of queries with expected entries.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure search quality (nDCG@10, MRR, success@1 per category) on a query table.",
        discussion: """
            FILE is TSV: category <TAB> query <TAB> relevant entry ids separated by |.
            The repository's table is Tests/CVSearchCoreTests/Fixtures/quality-queries.tsv.
            """
    )

    @OptionGroup var locations: Locations

    @Argument(help: "The query table.")
    var file: String

    @Flag(help: "Also list every query whose first hit is not relevant.")
    var misses = false

    func run() throws {
        let outcome = try IndexMaintenance.openForSearch(
            index: locations.indexPath, corpus: locations.corpus, explicitCorpus: locations.corpusGiven)
        let results = try QualityEval.evaluate(QualityEval.load(file), with: SearchService(store: outcome.store))
        print(QualityEval.table(QualityEval.summarize(results)), terminator: "")
        if misses {
            for result in results where !result.success {
                print("miss [\(result.case.category)] \(result.case.query): got \(result.hits.prefix(3)), want \(result.case.relevant.sorted())")
            }
        }
    }
}
