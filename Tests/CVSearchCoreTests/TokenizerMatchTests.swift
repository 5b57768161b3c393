import Foundation
import GRDB
import Testing
@testable import CVSearchCore

/// What FTS5 with the cvsearch tokenizer matches: a real SQLite table per case.
@Suite("FTS5 matching")
struct TokenizerMatchTests {
    static let sentence = "基于 GPT-4 完成商详问答 SFT 数据集构建。RAG 模块采用 GLM3 模型。品类知识图谱:0.4亿。京东前台类目识别。"
        + "Apple 自营店客服 RAG。多模态商品内容标签打标系统。模型的训练方法及装置、语义识别方法及装置、电子设备。向量检索模型"

    static let foundCases: [(String, String)] = [
        // Chinese words inside sentences, and substrings ICU would not split out
        (sentence, "检索"), (sentence, "客服"), (sentence, "知识图谱"), (sentence, "京东"),
        (sentence, "商详"), (sentence, "打标"), (sentence, "电子"), (sentence, "知识"), (sentence, "多模态"),
        (sentence, "谱"), (sentence, "电子设备"),
        // mixed tokens
        ("内衣类目完成 Qwen2.5-7b 模型", "qwen"), ("内衣类目完成 Qwen2.5-7b 模型", "Qwen2.5"),
        ("内衣类目完成 Qwen2.5-7b 模型", "qwen2.5-7b"), ("内衣类目完成 Qwen2.5-7b 模型", "7b"),
        ("将 bge-small 模型", "bge"), ("将 bge-small 模型", "small"), ("将 bge-small 模型", "bge-small"),
        ("基于 GPT-4 完成", "gpt-4"), ("基于 GPT-4 完成", "gpt4"), ("a multi-modal tagging model", "multimodal"),
        ("RAG 模块采用 GLM3 模型", "GLM"), ("gaotianhao@pku.edu.cn", "pku"),
        // folding
        ("Apple 自营店客服 RAG", "ＲＡＧ"), ("Apple 自营店客服 RAG", "rag"), (sentence, "檢索"), (sentence, "知識圖譜"),
        ("京东前台类目识别", "京東"),
        // stemming
        ("Soft Prompts, Strong Alignment", "prompt"), ("A Prompt-based Task", "prompt"), ("Aligning LLMs", "aligning"),
        ("Aligning LLMs", "align"), ("Aligning LLMs", "LLM"), ("Soft Prompts", "prompting"),
        // mixed query text
        ("Apple 自营店客服 RAG", "Apple自营店"), ("RAG 模块采用", "RAG模块"),
    ]

    @Test("found", arguments: foundCases)
    func found(content: String, term: String) throws {
        #expect(try TestSupport.matches(content, term))
    }

    static let notFoundCases: [(String, String)] = [
        (sentence, "知道"), (sentence, "图知"), ("Qwen2.5-7b", "qwen2"), ("Qwen2.5-7b", "7c"), ("bge-small", "bgesmal"),
        ("模型的训练方法", "模型训练"), ("Apple 自营店客服 RAG", "客店"), ("Prompts", "prom"),
    ]

    @Test("not found", arguments: notFoundCases)
    func notFound(content: String, term: String) throws {
        #expect(try !TestSupport.matches(content, term))
    }

    static let prefixCases: [(String, String)] = [
        ("LangChain 构建问答全流程", "Lang"), ("Qwen2.5-7b", "Qw"), ("向量检索模型", "检"), ("retrieval augmented", "retrieva"),
        ("Soft Prompts", "promp"), ("Soft Prompts", "Prompts"),
    ]

    @Test("prefix", arguments: prefixCases)
    func prefix(content: String, term: String) throws {
        #expect(try TestSupport.matches(content, term, prefix: true))
    }

    /// The stems in the index are FTS5's own porter stems (`porter ascii`).
    @Test func stemsAreFTS5Porter() throws {
        let words = ["prompts", "aligning", "generative", "representation", "matching", "hierarchical", "embeddings",
                     "learning", "detection", "algorithms", "agreed", "ponies", "relational", "conditional"]
        let queue = try DatabaseQueue()
        let porter: [String] = try queue.read { db in
            let tokenizer = try db.makeTokenizer(.porter(wrapping: .ascii()))
            return try words.map { try tokenizer.tokenize(document: $0)[0].token }
        }
        let analyzer = try Analyzer()
        for (word, stem) in zip(words, porter) {
            let tokens = analyzer.tokens(word)
            if stem == word {
                #expect(tokens.map(\.text) == [word])
            } else {
                #expect(tokens.map(\.text) == [word, "~" + stem])
            }
        }
    }

    /// `highlight()` over our offsets never cuts a character.
    @Test func highlightNeverCutsCharacters() throws {
        let queue = try TestSupport.ftsQueue()
        try queue.write { db in
            try db.execute(sql: "INSERT INTO doc(content) VALUES (?)", arguments: [Self.sentence])
            for term in ["知识图谱", "gpt4", "檢索", "模型", "RAG"] {
                let marked = try String.fetchOne(
                    db, sql: "SELECT highlight(doc, 0, '[', ']') FROM doc WHERE doc MATCH ?",
                    arguments: ["\"\(term)\""])
                #expect(marked != nil && marked!.contains("["), "\(term)")
                #expect(marked!.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "") == Self.sentence)
            }
        }
    }
}
