import Foundation
import Testing

/// The HTTP API against docs/openapi.json: `Tests/Contract/contract_test.py` checks real answers
/// against the document's schemas and runs Schemathesis against `cvsearch serve` on loopback
/// (pip: schemathesis — installed by `.ci/run`).
@Suite("Contract")
struct ContractTests {
    @Test func responsesMatchTheOpenAPIDocumentAndSchemathesisFindsNothing() throws {
        let (status, output) = try CLI.python("Tests/Contract/contract_test.py", ["--max-time", "45"])
        // On failure, the FAIL lines and Schemathesis' FAILURES section say why.
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        let failures = lines.drop(while: { !$0.contains("FAILURES") }).prefix(60).joined(separator: "\n")
        let summary = lines.filter { $0.hasPrefix("FAIL") }.joined(separator: "\n")
        #expect(status == 0, "\(summary)\n\(failures)")
        #expect(output.contains("PASS  schemathesis run (all checks)"))
        #expect(output.hasSuffix("0 failed\n"))
    }
}
