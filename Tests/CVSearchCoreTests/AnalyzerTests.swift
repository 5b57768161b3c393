import Foundation
import Testing
@testable import CVSearchCore

/// The token stream, exactly: text, byte range, position, colocation.
@Suite("Analyzer tokens")
struct AnalyzerTests {
    let analyzer = try! Analyzer()

    static let documentCases: [(String, [Token])] = [
        ("Qwen2.5-7b", [
            Token("qwen2.5", 0, 7, position: 0), Token("qwen2.57b", 0, 10, position: 0, colocated: true),
            Token("qwen", 0, 4, position: 0, colocated: true), Token("2.5", 4, 7, position: 0, colocated: true),
            Token("7b", 8, 10, position: 1),
        ]),
        ("京东 GPT-4", [
            Token("京", 0, 3, position: 0), Token("京东", 0, 6, position: 0, colocated: true),
            Token("东", 3, 6, position: 1),
            Token("gpt", 7, 10, position: 2), Token("gpt4", 7, 12, position: 2, colocated: true),
            Token("4", 11, 12, position: 3),
        ]),
        ("Prompts", [Token("prompts", 0, 7, position: 0), Token("~prompt", 0, 7, position: 0, colocated: true)]),
        ("ＲＡＧ", [Token("rag", 0, 9, position: 0)]),
        ("知識", [Token("知", 0, 3, position: 0), Token("知识", 0, 6, position: 0, colocated: true),
                 Token("识", 3, 6, position: 1)]),
        ("bge-small", [
            Token("bge", 0, 3, position: 0), Token("bgesmall", 0, 9, position: 0, colocated: true),
            Token("small", 4, 9, position: 1),
        ]),
        ("Café", [Token("cafe", 0, 5, position: 0)]),
        ("e\u{301}t\u{e9}", [Token("ete", 0, 6, position: 0), Token("~et", 0, 6, position: 0, colocated: true)]),
        ("RAG 模块", [
            Token("rag", 0, 3, position: 0), Token("模", 4, 7, position: 1),
            Token("模块", 4, 10, position: 1, colocated: true), Token("块", 7, 10, position: 2),
        ]),
        ("gaotianhao@pku.edu.cn", [
            Token("gaotianhao@pku.edu.cn", 0, 21, position: 0),
            Token("gaotianhao", 0, 10, position: 0, colocated: true), Token("pku", 11, 14, position: 0, colocated: true),
            Token("edu", 15, 18, position: 0, colocated: true), Token("cn", 19, 21, position: 0, colocated: true),
        ]),
        ("👍 !!! —", []),
    ]

    @Test("document tokens", arguments: documentCases)
    func documentTokens(text: String, expected: [Token]) {
        #expect(analyzer.tokens(text, mode: .document) == expected)
    }

    static let queryCases: [(String, TokenizationMode, [String])] = [
        ("知识图谱", .query, ["知识", "识图", "图谱"]),
        ("检", .query, ["检"]),
        ("知識圖譜", .query, ["知识", "识图", "图谱"]),
        ("Prompts", .query, ["prompts", "+prompt", "+~prompt"]),
        ("model", .query, ["model", "+~model"]),
        ("Qwen2.5-7b", .query, ["qwen2.5", "7b"]),
        ("retrieva", .prefixQuery, ["retrieva"]),
        ("large language", .prefixQuery, ["large", "+larg", "+~larg", "language"]),
    ]

    @Test("query tokens", arguments: queryCases)
    func queryTokens(text: String, mode: TokenizationMode, expected: [String]) {
        let tokens = analyzer.tokens(text, mode: mode).map { ($0.colocated ? "+" : "") + $0.text }
        #expect(tokens == expected)
    }

    @Test func queryTokensHaveNoPartsOrJoins() {
        let texts = analyzer.tokens("GPT-4 Qwen2.5", mode: .query).map(\.text)
        #expect(texts == ["gpt", "~gpt", "4", "qwen2.5"])
    }

    @Test func foldsTraditionalFullWidthAndCase() {
        #expect(analyzer.fold("檢索 知識圖譜 ＲＡＧ ＱＷＥＮ Straße") == "检索 知识图谱 rag qwen strasse")
    }

    @Test func relaxedWordsComeFromICU() {
        #expect(analyzer.words("向量检索模型") == ["向量", "检索", "模型"])
        #expect(analyzer.words("模型训练") == ["模型", "训练"])
    }

    /// Offsets are in range, ordered, on UTF-8 character boundaries, for arbitrary text.
    @Test func offsetsAreExactForArbitraryText() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [String] = ["a", "Z", "7", ".", "-", " ", "\n", "京", "東", "é", "e\u{301}", "ＲＡＧ", "👍🏽", "ا", "\u{0}", "_", "@", "’", "ｶﾞ"]
        for _ in 0..<300 {
            let text = (0..<Int.random(in: 0...40, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined()
            let bytes = Array(text.utf8)
            var lastStart = 0
            for token in analyzer.tokens(text) {
                #expect(token.start >= 0 && token.start < token.end && token.end <= bytes.count, "\(text.debugDescription): \(token)")
                #expect(token.start >= lastStart || token.colocated, "\(text.debugDescription): \(token)")
                #expect(isBoundary(bytes, token.start) && isBoundary(bytes, token.end), "\(text.debugDescription): \(token)")
                #expect(!token.text.isEmpty)
                if !token.colocated { lastStart = token.start }
            }
        }
    }

    /// Invalid UTF-8 never traps and offsets stay in range.
    @Test func invalidUTF8() {
        let samples: [[UInt8]] = [[0xFF, 0x61, 0xE4, 0xBD], [0xC0, 0xAF, 0x41], Array("知识".utf8).dropLast(), [0xED, 0xA0, 0x80, 0x62]]
        for bytes in samples {
            var count = 0
            bytes.withUnsafeBufferPointer { buffer in
                analyzer.tokenize(buffer, mode: .document) { token, start, end, _ in
                    #expect(start >= 0 && end <= Int32(buffer.count) && start < end)
                    #expect(token.count > 0)
                    count += 1
                }
            }
            #expect(count >= 0)
        }
    }

    /// A 1 MB single "word" and a long Han run are handled; tokens stay bounded.
    @Test func hugeInputs() {
        let word = String(repeating: "a", count: 1_000_000)
        let tokens = analyzer.tokens(word)
        #expect(tokens.count == 1 && tokens[0].text.utf8.count <= Analyzer.maxTokenBytes + 4)
        let han = String(repeating: "知识", count: 50_000)
        #expect(analyzer.tokens(han).filter { !$0.colocated }.count == 100_000)
    }

    private func isBoundary(_ bytes: [UInt8], _ offset: Int) -> Bool {
        offset == bytes.count || bytes[offset] & 0xC0 != 0x80
    }
}

/// Checkpoints counted without tokens agree with the tokens' positions, and tokenizing from a
/// checkpoint gives the same positions as tokenizing from the start.
@Suite("Position checkpoints")
struct CheckpointTests {
    let analyzer = try! Analyzer()

    func starts(_ text: String) -> [Int] {
        analyzer.tokens(text, bigrams: false).filter { !$0.colocated }.map(\.start)
    }

    @Test func checkpointsMatchTokenPositions() throws {
        var texts = CorpusLoader.load(at: TestSupport.corpusPath).entries.map(\.body)
        var generator = SystemRandomNumberGenerator()
        let alphabet = ["a", "Z9", " ", "\n", "-", "知识", "東", "é", "e\u{301}", "ＲＡＧ", "👍", ".", "Qwen2.5-7b", "ｶﾞ", "_x"]
        for _ in 0..<200 {
            texts.append((0..<Int.random(in: 0...60, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }.joined())
        }
        for text in texts {
            let positions = starts(text)
            let every = 4
            let expected = stride(from: 0, to: positions.count, by: every).map { UInt32(positions[$0]) }
            let got = analyzer.positionCheckpoints(text, every: every)
            if got != expected {
                let everyOne = analyzer.positionCheckpoints(text, every: 1).map { Int($0) }
                let bytes = Array(text.utf8)
                let extra = Set(everyOne).subtracting(positions).sorted().prefix(3).map { String(decoding: bytes[$0..<min($0 + 12, bytes.count)], as: UTF8.self) }
                Issue.record("\(text.prefix(80).debugDescription): counted but no token at \(extra)")
            }
        }
    }

    @Test func tokenizingFromACheckpointKeepsPositions() throws {
        let text = try String(contentsOf: TestSupport.fixtures.appendingPathComponent("portfolio.txt"), encoding: .utf8)
        let all = analyzer.tokens(text, bigrams: false).filter { !$0.colocated }
        let checkpoints = analyzer.positionCheckpoints(text, every: 16)
        for (index, offset) in checkpoints.enumerated() {
            let rest = String(decoding: Array(text.utf8)[Int(offset)...], as: UTF8.self)
            let tokens = analyzer.tokens(rest, bigrams: false).filter { !$0.colocated }
            #expect(tokens.count == all.count - index * 16)
            #expect(zip(tokens, all[(index * 16)...]).allSatisfy { $0.text == $1.text && $0.start + Int(offset) == $1.start })
        }
    }
}
