import ArgumentParser
import CVSearchCore
import Foundation

/// `cvsearch index`: brings the index up to date with the corpus.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Index the corpus (incremental and atomic; safe to run from cron).",
        discussion: """
            Only changed entries are rewritten, in one transaction: searches see the old index until
            it commits, and a failure leaves the old index as it was. Prints one summary line when
            something changed (or with --verbose); problems go to standard error.
            Exit status: 0 on success, 2 on errors (nothing is written when the corpus has errors).
            """
    )

    @OptionGroup var locations: Locations

    @Flag(help: "Rewrite every entry.")
    var rebuild = false

    @Flag(help: "Print the summary even when nothing changed.")
    var verbose = false

    func run() throws {
        let corpus = CorpusLoader.load(at: locations.corpus)
        for problem in corpus.problems { printError("cvsearch: \(problem)") }
        guard corpus.errors.isEmpty else { throw IndexError.corpus(corpus.problems) }
        let store = try IndexStore(path: locations.indexPath)
        let summary = try Indexer.index(
            corpus, into: store, fingerprint: CorpusFingerprint.compute(at: locations.corpus), rebuild: rebuild)
        if summary.changed || verbose { print(summary) }
    }
}
