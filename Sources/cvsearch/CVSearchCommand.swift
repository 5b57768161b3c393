import ArgumentParser
import CVSearchCore
import Foundation

/// `cvsearch`: search (the default), index, serve.
@main
struct CVSearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvsearch",
        abstract: "Full-text search over a bilingual (Chinese + English) portfolio.",
        discussion: """
            Examples:
              cvsearch "RAG Qwen"            search (builds the index from corpus/ if needed)
              cvsearch --json "知识图谱"      the JSON the HTTP endpoint returns
              cvsearch index                 re-index corpus/ (incremental)
              cvsearch serve --port 8080     the HTTP endpoint and demo page
            A query that starts with '-' goes after '--': cvsearch -- "-Apple RAG".
            """,
        version: "cvsearch 1.0 (tokenizer \(IndexStore.tokenizerVersion))",
        subcommands: [SearchCommand.self, IndexCommand.self, ServeCommand.self, EvalCommand.self],
        defaultSubcommand: SearchCommand.self
    )

    /// Runs the command, mapping every failure to exit status 2 with a one-line message
    /// (ArgumentParser's own usage errors included), and "no hits" to 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data(("cvsearch: " + message(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }

    static func message(for error: any Error) -> String {
        switch error {
        case let error as QueryError: return error.description
        case let error as IndexError: return error.description
        case let error as CorpusProblem: return error.description
        default: return fullMessage(for: error)
        }
    }
}

/// Where the index and the corpus are.
struct Locations: ParsableArguments {
    @Option(help: ArgumentHelp("The index database.", discussion: "Default: $CVSEARCH_INDEX, else index/cvsearch.db."))
    var index: String?

    @Option(
        name: .customLong("corpus"),
        help: ArgumentHelp("The corpus: a folder of Markdown entries.", discussion: "Default: corpus."))
    var corpusOption: String?

    /// The corpus folder (or file) to read.
    var corpus: String { corpusOption ?? "corpus" }

    /// Whether the user named the corpus: searching then re-indexes from it even when the
    /// index was built from another one.
    var corpusGiven: Bool { corpusOption != nil }

    var indexPath: String {
        if let index { return index }
        if let fromEnvironment = ProcessInfo.processInfo.environment["CVSEARCH_INDEX"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "index/cvsearch.db"
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
