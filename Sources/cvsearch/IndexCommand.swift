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

            Importing an existing site: --corpus may also be one Markdown page or a folder of pages \
            without a front-matter title (a Jekyll homepage index.md), split into one entry per \
            section at the --heading-levels, or a JSON Lines file (*.jsonl), one entry per line:
              cvsearch index --corpus site/index.md --base-url https://example.com/
            A search re-indexes a changed corpus with the default options: after editing an \
            imported corpus, run `cvsearch index` with the same options again.
            """
    )

    @OptionGroup var locations: Locations

    @Flag(help: "Rewrite every entry.")
    var rebuild = false

    @Flag(help: "Print the summary even when nothing changed.")
    var verbose = false

    @Flag(help: "Check the corpus and the glossary, report every problem, and leave the index alone.")
    var check = false

    @Option(help: ArgumentHelp(
        "The site's address, for the URLs of imported pages and sections.",
        discussion: "Relative urls and permalinks are resolved against it (https://example.com/ + /#about-me).",
        valueName: "url"))
    var baseURL: String?

    @Option(help: ArgumentHelp(
        "The heading levels a page without a title is split at.", discussion: "Comma-separated, 1 to 6.",
        valueName: "levels"))
    var headingLevels: String = "2,3"

    @Option(help: ArgumentHelp(
        "How headings become anchors: github (GitHub, and Jekyll's default kramdown GFM input) or kramdown (kramdown's own input).",
        valueName: "style"))
    var slug: SlugStyle = .github

    func validate() throws {
        _ = try levels()
    }

    /// `--heading-levels` as a set.
    private func levels() throws -> Set<Int> {
        var levels: Set<Int> = []
        for part in headingLevels.split(separator: ",", omittingEmptySubsequences: false) {
            guard let level = Int(part.trimmingCharacters(in: .whitespaces)), (1...6).contains(level) else {
                throw ValidationError("--heading-levels takes levels 1 to 6 separated by commas, like 2,3 (got '\(headingLevels)')")
            }
            levels.insert(level)
        }
        return levels
    }

    func run() throws {
        let options = CorpusOptions(headingLevels: try levels(), baseURL: baseURL, slugStyle: slug)
        // Fingerprint first: a file edited while this run reads the corpus is picked up next time.
        let fingerprint = CorpusFingerprint.compute(at: locations.corpus)
        let corpus = CorpusLoader.load(at: locations.corpus, options: options)
        for problem in corpus.problems { printError("cvsearch: \(problem)") }
        if check {
            let errors = corpus.errors.count, warnings = corpus.warnings.count
            if errors > 0 || verbose {
                printError("cvsearch: \(corpus.entries.count) entries and \(corpus.glossary.groups.count) glossary groups read; "
                           + "\(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
            }
            if errors > 0 { throw ExitCode(2) }
            return
        }
        guard corpus.errors.isEmpty else { throw IndexError.corpus(corpus.problems) }
        let summary = try IndexMaintenance.reindex(
            corpus, index: locations.indexPath, fingerprint: fingerprint,
            source: IndexMaintenance.sourcePath(locations.corpus), options: options, rebuild: rebuild)
        if summary.changed || verbose { print(summary) }
    }
}

extension SlugStyle: ExpressibleByArgument {}
