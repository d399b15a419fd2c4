import EmbedTokenizer
import Foundation
import Testing

/// Behaviour of the tokenizer on hand-picked inputs (expected ids from Hugging Face).
@Suite("WordPiece tokenizer behaviour", .offThePool)
struct WordPieceTokenizerTests {
    let tokenizer: WordPieceTokenizer

    init() throws {
        tokenizer = try TokenizerFixtures.defaultTokenizer.get()
    }

    func tokens(_ text: String, maxLength: Int? = nil) -> [String] {
        tokenizer.encode(text, maxLength: maxLength).ids.map { tokenizer.token(of: Int($0)) ?? "<\($0)>" }
    }

    @Test("Words split into the longest vocabulary pieces, continuations prefixed with ##")
    func wordPieces() async {
        #expect(tokens("unaffable") == ["[CLS]", "una", "##ffa", "##ble", "[SEP]"])
        #expect(tokenizer.encode("Unaffable running").ids == [101, 14477, 20961, 3468, 2770, 102])
        #expect(tokens("€100 ©2026") == ["[CLS]", "€", "##100", "©", "##20", "##26", "[SEP]"])
    }

    @Test("Punctuation is isolated and white space separates words")
    func punctuationAndSpaces() async {
        #expect(tokens("Hello, World!") == ["[CLS]", "hello", ",", "world", "!", "[SEP]"])
        #expect(tokens("don't 3.14") == ["[CLS]", "don", "'", "t", "3", ".", "14", "[SEP]"])
        #expect(tokens("¿Qué?") == ["[CLS]", "¿", "que", "?", "[SEP]"])
        #expect(tokenizer.encode("a\u{3000}b\u{A0}c\td\ne").ids == tokenizer.encode("a b c d e").ids)
    }

    @Test("Truncation keeps [CLS] and [SEP] and reports the full count")
    func truncation() async {
        let text = "the quick brown fox jumps over the lazy dog"  // 9 words, 11 tokens
        let full = tokenizer.encode(text)
        #expect(full.ids == [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102])
        #expect(full.untruncatedCount == 11)
        #expect(!full.isTruncated)

        let cut = tokenizer.encode(text, maxLength: 6)
        #expect(cut.ids == [101, 1996, 4248, 2829, 4419, 102])
        #expect(cut.untruncatedCount == 11)
        #expect(cut.isTruncated)
        #expect(cut.count == 6)

        let exact = tokenizer.encode(text, maxLength: 11)
        #expect(exact.ids == full.ids)
        #expect(!exact.isTruncated)

        // Below the special tokens, only they remain.
        let tiny = tokenizer.encode(text, maxLength: 1)
        #expect(tiny.ids == [101, 102])
        #expect(tiny.isTruncated)

        // The model's own limit (256) applies by default.
        let long = tokenizer.encode(Array(repeating: "word", count: 400).joined(separator: " "))
        #expect(long.count == 256)
        #expect(long.untruncatedCount == 402)
        #expect(long.ids.first == 101 && long.ids.last == 102)
    }

    @Test("A word of more than 100 characters becomes [UNK]; 100 characters do not")
    func longWords() async {
        #expect(tokenizer.encode(String(repeating: "x", count: 101)).ids == [101, 100, 102])
        let hundred = tokenizer.encode(String(repeating: "x", count: 100))
        #expect(hundred.count == 52)
        #expect(!hundred.ids.contains(100))
        // Characters are counted as Unicode scalars after normalization: 60 "é" are 60 "e".
        #expect(!tokenizer.encode(String(repeating: "é", count: 60)).ids.contains(100))
    }

    @Test("A word the vocabulary cannot cover becomes a single [UNK]")
    func uncoverableWord() async {
        #expect(tokens("方从") == ["[CLS]", "方", "[UNK]", "[SEP]"])  // CJK: one word per ideograph
        #expect(tokens("a\u{1F972}b") == ["[CLS]", "[UNK]", "[SEP]"])
    }

    @Test("Special tokens in the text are recognised before normalization")
    func specialTokensInText() async {
        #expect(tokenizer.encode("[SEP] [PAD] [UNK] [MASK]").ids == [101, 102, 0, 100, 103, 102])
        #expect(tokenizer.encode("[CLS]").ids == [101, 101, 102])
        #expect(tokenizer.encode("x[MASK]y").ids == [101, 1060, 103, 1061, 102])
        // They are matched as written: the lower-cased form is ordinary text.
        #expect(tokens("[sep]") == ["[CLS]", "[", "sep", "]", "[SEP]"])
    }

    @Test("Accents are stripped by the uncased tokenizer and kept by a cased one")
    func accents() async throws {
        #expect(tokenizer.encode("héllo wörld").ids == tokenizer.encode("hello world").ids)
        #expect(tokens("café") == ["[CLS]", "cafe", "[SEP]"])
        #expect(tokenizer.encode("e\u{301}").ids == tokenizer.encode("é").ids)

        let cased = try WordPieceTokenizer(modelDirectory: TokenizerFixtures.tinyModel("tiny-maxmean-cased"))
        #expect(cased.encode("café").ids == [101, 100, 102])  // "café" and "Café" are not in its vocabulary
        #expect(cased.encode("cafe").ids == [101, 2186, 102])
    }

    @Test("CJK ideographs become words of their own; kana does not split")
    func chineseCharacters() async {
        #expect(
            tokenizer.encode("東京は日本の首都です。").ids
                == [101, 1879, 1755, 1672, 1864, 1876, 1671, 100, 1961, 1665, 30184, 1636, 102])
    }

    @Test("Control and format characters are dropped, U+FFFD too")
    func controlCharacters() async {
        #expect(tokenizer.encode("a\u{0}b a\u{200B}b a\u{FFFD}b\tc\nd").ids == [101, 11113, 11113, 11113, 1039, 1040, 102])
        #expect(tokenizer.encode("a\u{7}b\u{AD}c\u{2066}d").ids == tokenizer.encode("abcd").ids)
    }

    @Test("Thousands of marks of alternating classes are reordered in n log n, not n²")
    func adversarialMarks() async {
        let text = "a" + String(repeating: "\u{301}\u{316}", count: 20_000) + " b"
        let start = ContinuousClock.now
        #expect(tokenizer.encode(text).ids == [101, 1037, 1038, 102])
        #expect(ContinuousClock.now - start < .seconds(10))  // quadratic insertion took minutes
    }

    @Test("Empty and blank texts give only the special tokens")
    func emptyText() async {
        for text in ["", " ", "\n\t\u{3000}", "\u{200B}"] {
            let encoded = tokenizer.encode(text)
            #expect(encoded.ids == [101, 102])
            #expect(encoded.untruncatedCount == 2)
            #expect(!encoded.isTruncated)
        }
    }

    @Test("Ids and tokens convert both ways; special ids are BERT's")
    func vocabularyLookups() async {
        #expect(tokenizer.classifierID == 101)
        #expect(tokenizer.separatorID == 102)
        #expect(tokenizer.padID == 0)
        #expect(tokenizer.unknownID == 100)
        #expect(tokenizer.vocabularySize == 30_522)
        #expect(tokenizer.id(of: "hello") == 7592)
        #expect(tokenizer.id(of: "##ing") == 2075)
        #expect(tokenizer.id(of: "[MASK]") == 103)
        #expect(tokenizer.id(of: "not-a-token") == nil)
        #expect(tokenizer.id(of: "") == nil)
        #expect(tokenizer.token(of: 7592) == "hello")
        #expect(tokenizer.token(of: 30_522) == nil)
        #expect(tokenizer.token(of: -1) == nil)
        for id in [0, 100, 999, 2075, 30_521] {
            #expect(tokenizer.token(of: id).flatMap { tokenizer.id(of: $0) } == id)
        }
    }

    @Test("sentence-transformers' do_lower_case lower-cases before the tokenizer")
    func lowercaseInput() async throws {
        var configuration = try TokenizerConfiguration.load(
            fromModelDirectory: TokenizerFixtures.tinyModel("tiny-maxmean-cased"))
        let cased = try WordPieceTokenizer(configuration: configuration)
        configuration.lowercaseInput = true
        let lowered = try WordPieceTokenizer(configuration: configuration)
        #expect(cased.encode("HELLO").ids == [101, 100, 102])
        #expect(lowered.encode("HELLO").ids == cased.encode("hello").ids)
        // Special tokens are matched after lower-casing, so "[CLS]" is then ordinary text.
        #expect(lowered.encode("[CLS]").ids == cased.encode("[cls]").ids)
    }

    @Test("A tokenizer is Sendable and gives the same ids from many tasks at once")
    func concurrentUse() async throws {
        let tokenizer = self.tokenizer
        let texts = ["héllo wörld", "東京は日本", "[SEP] x", String(repeating: "token ", count: 300)]
        let expected = texts.map { tokenizer.encode($0) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for round in 0..<32 {
                group.addTask { texts.indices.allSatisfy { tokenizer.encode(texts[($0 + round) % texts.count]) == expected[($0 + round) % texts.count] } }
            }
            for try await same in group { #expect(same) }
        }
    }
}
