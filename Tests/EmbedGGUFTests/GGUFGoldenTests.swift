import EmbedCompare
import EmbedCore
@testable import EmbedGGUF
import EmbedLocal
import EmbedTestSupport
import EmbedTokenizer
import Foundation
import Testing

/// Converts a GGUF file, as `embed convert` does, into a temporary model file and opens it.
func convertGGUF(_ path: String, options: GGUFModel.Options, storage: ModelFileStorage? = nil) throws -> (LocalModel, URL) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let output = directory.appendingPathComponent("model.embed")
    try GGUFModel(file: GGUFFile(path: path), options: options).export(to: output, name: "converted", storage: storage)
    return (try LocalModel(contentsOf: output), directory)
}

/// GGUF files made by llama.cpp's own converter, converted here, against the vectors and ids of
/// the real Python pipeline (sentence-transformers) for the models they came from.
@Suite("GGUF models against sentence-transformers", .offThePool)
struct GGUFGoldenTests {
    struct TinyCase: Sendable, CustomTestStringConvertible {
        let gguf: String
        let folder: String
        let golden: String
        let minimumCosine: Double
        let maximumDifference: Float
        var testDescription: String { gguf }
    }

    // GGUF does not record sentence-transformers' max_seq_length or Normalize module; each case
    // gives them as the reference pipeline used them (read from the model's folder).
    static let tinyCases = [
        TinyCase(gguf: "tiny-cls-normalize.f32.gguf", folder: "tiny/tiny-cls-normalize", golden: "tiny/tiny-cls-normalize.jsonl.gz",
                 minimumCosine: 0.99999, maximumDifference: 2e-5),
        TinyCase(gguf: "tiny-nomic-bert.f32.gguf", folder: "nomic/tiny-nomic-bert", golden: "nomic/tiny-nomic-bert.jsonl.gz",
                 minimumCosine: 0.99999, maximumDifference: 2e-5),
        // XLM-R and RoBERTa, which the converter stores as `bert` (positions shifted past the
        // padding rows) with a SentencePiece Unigram (`t5`) or byte-level BPE (`gpt2`) tokenizer.
        TinyCase(gguf: "tiny-xlmr-mean.f32.gguf", folder: "arch/tiny-xlmr-mean", golden: "arch/tiny-xlmr-mean.jsonl.gz",
                 minimumCosine: 0.99999, maximumDifference: 2e-5),
        TinyCase(gguf: "tiny-roberta-bpe.f32.gguf", folder: "arch/tiny-roberta-bpe", golden: "arch/tiny-roberta-bpe.jsonl.gz",
                 minimumCosine: 0.99999, maximumDifference: 2e-5),
        TinyCase(gguf: "tiny-cls-normalize.f16.gguf", folder: "tiny/tiny-cls-normalize", golden: "tiny/tiny-cls-normalize.jsonl.gz",
                 minimumCosine: 0.9999, maximumDifference: 1),
        // Q8_0 keeps 8 bits per weight in blocks of 32: a bound on its rounding, not parity.
        TinyCase(gguf: "tiny-cls-normalize.q8_0.gguf", folder: "tiny/tiny-cls-normalize", golden: "tiny/tiny-cls-normalize.jsonl.gz",
                 minimumCosine: 0.995, maximumDifference: 1),
    ]

    @Test("Tiny models through GGUF: ids identical, vectors at the bars", arguments: tinyCases)
    func tinyModel(_ test: TinyCase) async throws {
        let reference = try LocalModel(contentsOf: Fixtures.url(test.folder))
        let options = GGUFModel.Options(
            maxLength: reference.tokenizer.maxLength, normalizes: reference.metadata.model.outputModules.contains(.normalize))
        let (model, directory) = try convertGGUF(Fixtures.url("gguf/\(test.gguf)").path, options: options)
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = try Fixtures.readJSONLines(Fixtures.url(test.golden), as: GoldenRecord.self)
        try #require(records.count >= 100)
        let embeddings = try await LocalEmbedder(model: model).embed(records.map(\.text))
        var agreement = ParityReport()
        var idMismatches: [String] = []
        for (embedding, record) in zip(embeddings, records) {
            agreement.add(embedding.vector, record)
            if model.tokenizer.encode(record.text).ids != record.ids { idMismatches.append(record.text) }
        }
        print("\(test.gguf): \(records.count) texts, \(agreement)")
        #expect(idMismatches.isEmpty, "\(idMismatches.count) texts get other ids: \(idMismatches.prefix(3))")
        #expect(agreement.worstCosine >= test.minimumCosine, "\(agreement)")
        #expect(agreement.worstDifference <= test.maximumDifference, "\(agreement)")
    }

    @Test("The vocabulary the converter rewrote (▁ words, bare continuations) maps back to the original, token for token")
    func vocabularyRoundTrip() throws {
        for (gguf, folder) in [("tiny-cls-normalize.f32.gguf", "tiny/tiny-cls-normalize"), ("tiny-nomic-bert.f32.gguf", "nomic/tiny-nomic-bert")] {
            let converted = try GGUFModel(file: GGUFFile(path: Fixtures.url("gguf/\(gguf)").path))
            guard case .wordPiece(let fromGGUF) = converted.tokenizer.kind,
                case .wordPiece(let original) = try TokenizerDefinition.load(fromModelDirectory: Fixtures.url(folder)).kind
            else {
                Issue.record("\(gguf): expected WordPiece tokenizers")
                continue
            }
            // NomicBERT pads its embedding table past the vocabulary; those rows have no source.
            let count = original.wordPiece.vocabulary.count
            let differences = zip(fromGGUF.wordPiece.vocabulary.prefix(count), original.wordPiece.vocabulary).enumerated()
                .filter { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element.0.debugDescription) ≠ \($0.element.1.debugDescription)" }
            #expect(fromGGUF.wordPiece.vocabulary.count >= count, "\(gguf)")
            #expect(differences.isEmpty, "\(gguf): \(differences.count) tokens differ: \(differences.prefix(5))")
            #expect(fromGGUF.specialTokens == original.specialTokens, "\(gguf)")
            #expect(fromGGUF.template == original.template, "\(gguf)")
            #expect(fromGGUF.normalizer?.lowercase == original.normalizer?.lowercase, "\(gguf)")
            #expect(fromGGUF.normalizer?.stripsAccents == original.normalizer?.stripsAccents, "\(gguf)")
        }
    }

    @Test("A vocabulary as converters before 2025 stored it (brackets kept, no token types) maps back too")
    func olderVocabulary() throws {
        // The tiny model's file with its token types removed and `▁[unused…]` written `[unused…]`,
        // as the 2024 converter wrote them, rebuilt with the test's GGUF writer.
        let file = try GGUFFile(path: Fixtures.url("gguf/tiny-cls-normalize.f32.gguf").path)
        let tokens = try #require(file["tokenizer.ggml.tokens"]?.array?.compactMap { $0.string })
        let old = tokens.map { $0.hasPrefix("\u{2581}[") && $0.hasSuffix("]") ? String($0.dropFirst()) : $0 }
        var builder = GGUFBuilder()
        builder.metadata = [
            ("general.architecture", .string("bert")), ("tokenizer.ggml.model", .string("bert")),
            ("tokenizer.ggml.tokens", .strings(old)), ("tokenizer.ggml.unknown_token_id", .u32(100)),
            ("tokenizer.ggml.bos_token_id", .u32(101)), ("tokenizer.ggml.seperator_token_id", .u32(102)),
            ("tokenizer.ggml.padding_token_id", .u32(0)),
        ]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("old-\(UUID().uuidString).gguf").path
        try Data(builder.bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let wordPiece = try GGUFWordPiece(GGUFFile(path: path), maxLength: 128)
        guard case .wordPiece(let original) = try TokenizerDefinition.load(fromModelDirectory: Fixtures.url("tiny/tiny-cls-normalize")).kind else {
            Issue.record("expected WordPiece")
            return
        }
        let differences = zip(wordPiece.configuration.wordPiece.vocabulary, original.wordPiece.vocabulary).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(differences.isEmpty, "\(differences.prefix(5))")
        #expect(wordPiece.configuration.normalizer?.lowercase == true)
        #expect(wordPiece.defaults.contains { $0.setting == "tokenizer.ggml.normalizer.lowercase" })
    }

    @Test("all-MiniLM-L6-v2 as f32 GGUF: 603 reference texts and 5,000 stress texts at parity, ids identical",
          .requires(Fixtures.miniLMGGUF("f32")), .requires(Fixtures.defaultModelFolder))
    func miniLMFloat32() async throws {
        let (model, directory) = try convertGGUF(
            Fixtures.miniLMGGUF("f32").url.path, options: GGUFModel.Options(maxLength: 256))
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(model.encoder.options.threadCount >= 1)

        // The whole vocabulary round-trips against the folder's.
        guard case .wordPiece(let fromGGUF) = model.metadata.tokenizer.kind,
            case .wordPiece(let original) = try TokenizerDefinition.load(fromModelDirectory: Fixtures.defaultModelFolder.url).kind
        else { throw GGUFError(path: "test", .unsupported("expected WordPiece")) }
        let vocabularyDifferences = zip(fromGGUF.wordPiece.vocabulary, original.wordPiece.vocabulary).enumerated()
            .filter { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element.0.debugDescription) ≠ \($0.element.1.debugDescription)" }
        #expect(fromGGUF.wordPiece.vocabulary.count == original.wordPiece.vocabulary.count)
        #expect(vocabularyDifferences.isEmpty, "\(vocabularyDifferences.count) tokens differ: \(vocabularyDifferences.prefix(5))")
        #expect(fromGGUF.addedTokens.map(\.id) == original.addedTokens.map(\.id).sorted())

        for file in ["reference/tokens-dev.jsonl.gz", "reference/minilm-dev-ids.jsonl.gz"] {
            struct Row: Decodable { let text: String; let ids: [Int] }
            let rows = try Fixtures.readJSONLines(Fixtures.url(file), as: Row.self)
            let mismatches = rows.filter { model.tokenizer.encode($0.text).ids.map(Int.init) != $0.ids }
            #expect(mismatches.isEmpty, "\(file): \(mismatches.count) of \(rows.count) texts get other ids, e.g. \(mismatches.first?.text.debugDescription.prefix(60) ?? "")")
        }

        let records = try Fixtures.readJSONLines(Fixtures.url("reference/minilm-dev-embeddings.jsonl.gz"), as: GoldenRecord.self)
        let embeddings = try await LocalEmbedder(model: model).embed(records.map(\.text))
        var agreement = ParityReport()
        for (embedding, record) in zip(embeddings, records) { agreement.add(embedding.vector, record) }
        print("all-MiniLM-L6-v2.f32.gguf: \(records.count) texts, \(agreement)")
        #expect(agreement.worstCosine >= 0.99999, "\(agreement)")
        #expect(agreement.worstDifference <= 2e-5, "\(agreement)")
    }

    @Test("all-MiniLM-L6-v2 as Q8_0 GGUF, converted to int8 (the default): STS-B dev Spearman ×100 within 0.5 of the f32 model's 86.7163",
          .requires(Fixtures.miniLMGGUF("q8_0")))
    func miniLMQ8STSBenchmark() async throws {
        let (model, directory) = try convertGGUF(Fixtures.miniLMGGUF("q8_0").url.path, options: GGUFModel.Options(maxLength: 256))
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(model.file?.storage == .int8)
        let gold = try GoldPairs.load(contentsOf: Fixtures.url("reference/stsb-dev.tsv"))
        let embeddings = try await LocalEmbedder(model: model).embed(gold.texts)
        let rho = try #require(try gold.spearman(vectors: Dictionary(uniqueKeysWithValues: zip(gold.texts, embeddings.map(\.vector)))))
        print("all-MiniLM-L6-v2.q8_0.gguf as int8: STS-B dev Spearman \(rho) on \(gold.pairs.count) pairs")
        // 86.7163 is sentence-transformers' f32 figure, which the f32 GGUF reproduces at parity
        // (miniLMFloat32) and Int8AccuracyTests measures too.
        #expect(abs(rho - 86.7163) <= 0.5)
    }

    @Test("all-MiniLM-L6-v2 as F16 and BF16 GGUF: every reference text at cosine ≥ 0.9999", .requires(Fixtures.miniLMGGUF("f16")),
          .requires(Fixtures.miniLMGGUF("bf16")), arguments: ["f16", "bf16"])
    func miniLMHalf(variant: String) async throws {
        let gguf = Fixtures.miniLMGGUF(variant)
        let (model, directory) = try convertGGUF(gguf.url.path, options: GGUFModel.Options(maxLength: 256))
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = try Fixtures.readJSONLines(Fixtures.url("reference/minilm-dev-embeddings.jsonl.gz"), as: GoldenRecord.self)
        let embeddings = try await LocalEmbedder(model: model).embed(records.map(\.text))
        var agreement = ParityReport()
        for (embedding, record) in zip(embeddings, records) { agreement.add(embedding.vector, record) }
        print("all-MiniLM-L6-v2.\(variant).gguf: \(records.count) texts, \(agreement)")
        #expect(agreement.worstCosine >= 0.9999, "\(agreement)")
    }
}

@Suite("GGUF tokenizers rebuilt as tokenizer.json")
struct GGUFTokenizerJSONTests {
    @Test("XLM-R (t5) and RoBERTa (gpt2) metadata rebuild the models' own tokenizer.json, field for field",
          arguments: [("tiny-xlmr-mean.f32.gguf", "arch/tiny-xlmr-mean"), ("tiny-roberta-bpe.f32.gguf", "arch/tiny-roberta-bpe")])
    func rebuildsOriginal(gguf: String, folder: String) throws {
        let rebuilt = try GGUFTokenizerJSON(GGUFFile(path: Fixtures.url("gguf/\(gguf)").path))
        let original = try Data(contentsOf: Fixtures.url("\(folder)/tokenizer.json"))
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(rebuilt.text.utf8)) as? NSDictionary)
        let theirs = try #require(try JSONSerialization.jsonObject(with: original) as? NSDictionary)
        for key in (theirs.allKeys as? [String] ?? []).sorted() {
            #expect((ours[key] as? NSObject)?.isEqual(theirs[key]) == true, "\(gguf): \(key) differs")
        }
        #expect(Set(ours.allKeys as? [String] ?? []) == Set(theirs.allKeys as? [String] ?? []))
    }
}
