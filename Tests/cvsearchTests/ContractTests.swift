import Foundation
import Testing

/// The HTTP API against docs/openapi.json: `Tests/Contract/contract_test.py` checks real answers
/// against the document's schemas and runs Schemathesis against `cvsearch serve` on loopback
/// (pip: schemathesis — installed by `.ci/run`).
@Suite("Contract")
struct ContractTests {
    @Test func responsesMatchTheOpenAPIDocumentAndSchemathesisFindsNothing() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", CLI.root.appendingPathComponent("Tests/Contract/contract_test.py").path,
            "--binary", CLI.binary.path, "--corpus", CLI.root.appendingPathComponent("corpus").path, "--max-time", "45",
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // On failure, the FAIL lines and Schemathesis' FAILURES section say why.
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        let failures = lines.drop(while: { !$0.contains("FAILURES") }).prefix(60).joined(separator: "\n")
        let summary = lines.filter { $0.hasPrefix("FAIL") }.joined(separator: "\n")
        #expect(process.terminationStatus == 0, "\(summary)\n\(failures)")
        #expect(output.contains("PASS  schemathesis run (all checks)"))
        #expect(output.hasSuffix("0 failed\n"))
    }
}
