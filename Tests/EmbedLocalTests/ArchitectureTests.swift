import EmbedCore
@testable import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

/// The architectures beyond BERT end to end: converted to a model file as `embed convert` does,
/// tokenized and embedded as sentence-transformers does; old files; bad configurations.
@Suite("Architectures", .offThePool)
struct ArchitectureTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder() }

    @Test("Converted to a model file, each architecture's tiny model gives sentence-transformers' ids and vectors",
          arguments: Fixtures.architectureModels)
    func convertedModelMatchesGolden(name: String) async throws {
        let file = folder.url.appendingPathComponent("\(name).embed")
        try LocalModel.export(folder: Fixtures.url("arch/\(name)"), to: file)
        let model = try LocalModel(contentsOf: file)
        #expect(model.file?.formatVersion == 2)  // f32 files stay in version 2, which older builds read
        let records = try Fixtures.readJSONLines(Fixtures.url("arch/\(name).jsonl.gz"), as: GoldenRecord.self)
        try #require(records.count == 200)

        let tokenized = model.tokenizer.encode(batch: records.map(\.text))
        let mismatches = zip(tokenized, records).filter { $0.0.ids != $0.1.ids }
        #expect(mismatches.isEmpty, "\(mismatches.count) of 200 texts differ; first: \(mismatches.first.map { "\($0.1.text.debugDescription): \($0.0.ids) vs \($0.1.ids)" } ?? "")")

        let embeddings = try await LocalEmbedder(model: model).embed(records.map(\.text))
        var report = ParityReport()
        for (embedding, record) in zip(embeddings, records) { report.add(embedding.vector, record) }
        print("\(name) (converted): \(report)")
        #expect(report.worstCosine >= 0.99999, "\(report)")
        #expect(report.worstDifference <= 2e-5, "\(report)")
    }

    @Test("Each architecture is recorded by name and reads back equal")
    func descriptionsRoundTrip() async throws {
        for name in Fixtures.architectureModels {
            let description = try ModelDescription.load(fromFolder: Fixtures.url("arch/\(name)"))
            let decoded = try JSONDecoder().decode(ModelDescription.self, from: JSONEncoder().encode(description))
            #expect(decoded == description, "\(name)")
        }
        let expected = [
            "tiny-mpnet-mean": "mpnet", "tiny-distilbert-cls-dense": "distilbert", "tiny-xlmr-mean": "bert",
            "tiny-bert-unigram": "bert", "tiny-roberta-bpe": "bert", "tiny-modernbert": "modernbert",
        ]
        for (name, architecture) in expected {
            #expect(try ModelDescription.load(fromFolder: Fixtures.url("arch/\(name)")).encoder.name == architecture)
        }
    }

    @Test("The RoBERTa family reads positions from padding_idx + 1: 66 rows hold 64 tokens")
    func robertaPositions() async throws {
        let description = try ModelDescription.load(fromFolder: Fixtures.url("arch/tiny-xlmr-mean"))
        let roberta = try #require(description.encoder.configuration(as: Bert.Configuration.self))
        #expect(roberta.modelType == "xlm-roberta")
        #expect(roberta.maximumPositionCount == 66)
        #expect(roberta.positionOffset == 2)
        #expect(description.encoder.maximumSequenceLength == 64)
        #expect(description.effectiveMaxSequenceLength <= 64)
    }

    @Test("MPNet's relative position buckets are transformers' (bidirectional, 32 buckets, distance 128)")
    func mpnetBuckets() async {
        // relative_position_bucket(-n) for the key n places before (n > 0 → the first 16 buckets).
        let expected: [(distance: Int, bucket: Int)] = [
            (0, 0), (-1, 1), (-7, 7), (-8, 8), (-11, 8), (-12, 9), (-16, 10), (-23, 11), (-32, 12), (-64, 14),
            (-127, 15), (-500, 15), (1, 17), (7, 23), (8, 24), (16, 26), (32, 28), (64, 30), (128, 31), (1000, 31),
        ]
        for (distance, bucket) in expected {
            #expect(MPNet.bucket(distance: distance, bucketCount: 32) == bucket, "distance \(distance)")
        }
    }

    // MARK: Old files

    /// Rewrites a model file as format version 1 wrote it: `bert` instead of `encoder`, the
    /// tokenizer as a bare WordPiece configuration, version 1 in the header.
    private func formatOneCopy(of url: URL) throws -> URL {
        let file = try ModelFile(path: url.path)
        var metadata = try #require(try JSONSerialization.jsonObject(with: file.metadata) as? [String: Any])
        var model = try #require(metadata["model"] as? [String: Any])
        let encoder = try #require(model["encoder"] as? [String: Any])
        #expect(encoder["architecture"] as? String == "bert")
        var bert = try #require(encoder["configuration"] as? [String: Any])
        bert.removeValue(forKey: "positionOffset")
        bert.removeValue(forKey: "modelType")
        model.removeValue(forKey: "encoder")
        model["bert"] = bert
        metadata["model"] = model
        let tokenizer = try #require(metadata["tokenizer"] as? [String: Any])
        metadata["tokenizer"] = try #require(tokenizer["wordPiece"])
        let json = try JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys])
        let old = folder.url.appendingPathComponent("old.embed")
        try ModelFileWriter.write(metadata: json, tensors: file, names: file.tensorNames, storage: file.storage, to: old)
        var bytes = [UInt8](try Data(contentsOf: old))
        bytes.setField(UInt32(1), at: ModelFileLayout.Field.version)
        let dataOffset = Int(bytes.fieldUInt64(at: ModelFileLayout.Field.dataOffset))
        let checksum = bytes.withUnsafeBytes { ModelFileLayout.headerChecksum($0, prefixLength: dataOffset) }
        bytes.setField(checksum, at: ModelFileLayout.Field.headerChecksum)
        try Data(bytes).write(to: old)
        return old
    }

    @Test("A format-1 file (a BERT model with a bare WordPiece tokenizer) still loads and embeds the same")
    func formatOneFileLoads() async throws {
        let current = folder.url.appendingPathComponent("current.embed")
        try LocalModel.export(folder: Fixtures.url("tiny/tiny-cls-normalize"), to: current)
        let old = try formatOneCopy(of: current)
        let oldModel = try LocalModel(contentsOf: old)
        let newModel = try LocalModel(contentsOf: current)
        #expect(oldModel.file?.formatVersion == 1)
        #expect(oldModel.metadata.model == newModel.metadata.model)
        #expect(oldModel.metadata.tokenizer == newModel.metadata.tokenizer)
        let texts = ["a format-1 file", "still embeds", "the same way"]
        let oldVectors = try await LocalEmbedder(model: oldModel).embed(texts).map(\.vector)
        let newVectors = try await LocalEmbedder(model: newModel).embed(texts).map(\.vector)
        #expect(oldVectors == newVectors)
    }

    @Test("A file naming an architecture this build does not know is refused, naming it and the known ones")
    func unknownArchitecture() async throws {
        let current = folder.url.appendingPathComponent("current.embed")
        try LocalModel.export(folder: Fixtures.url("arch/tiny-distilbert-cls-dense"), to: current)
        let file = try ModelFile(path: current.path)
        let text = try #require(String(data: file.metadata, encoding: .utf8))
        #expect(text.contains(#""architecture":"distilbert""#))
        let edited = Data(text.replacingOccurrences(of: #""architecture":"distilbert""#, with: #""architecture":"xlnet""#).utf8)
        let unknown = folder.url.appendingPathComponent("unknown.embed")
        try ModelFileWriter.write(metadata: edited, tensors: file, names: file.tensorNames, storage: file.storage, to: unknown)
        let error = #expect(throws: ModelFileError.self) { try LocalModel(contentsOf: unknown) }
        let message = error?.description ?? ""
        #expect(message.contains("unknown architecture \"xlnet\""), "\(message)")
        #expect(message.contains("mpnet") && message.contains("modernbert"), "\(message)")
        #expect(message.contains("embed convert"), "\(message)")
    }

    // MARK: Bad configurations

    /// Loads a copy of `model` whose `config.json` `edit` changed, and returns the error.
    private func configurationError(_ model: String, _ edit: (inout [String: Any]) -> Void) throws -> ModelDescriptionError? {
        let copy = try folder.copyFixture("arch/\(model)", as: UUID().uuidString)
        try editJSON(copy.appendingPathComponent("config.json"), edit)
        return #expect(throws: ModelDescriptionError.self) { try ModelDescription.load(fromFolder: copy) }
    }

    @Test("A missing size names the key and the file", arguments: [
        ("tiny-mpnet-mean", "hidden_size"), ("tiny-distilbert-cls-dense", "dim"), ("tiny-xlmr-mean", "num_hidden_layers"),
        ("tiny-modernbert", "intermediate_size"), ("tiny-distilbert-cls-dense", "n_heads"),
    ])
    func missingSize(model: String, key: String) async throws {
        let error = try configurationError(model) { $0.removeValue(forKey: key) }
        #expect(error?.path.hasSuffix("config.json") == true)
        #expect(error?.description.contains("\"\(key)\"") == true, "\(String(describing: error))")
    }

    @Test("Inconsistent sizes are refused with the values", arguments: [
        ("tiny-mpnet-mean", "num_attention_heads", 5, "not a multiple"),
        ("tiny-distilbert-cls-dense", "n_heads", 3, "not a multiple of n_heads"),
        ("tiny-modernbert", "num_hidden_layers", 4, "layer_types lists 3 layers"),
        ("tiny-mpnet-mean", "relative_attention_num_buckets", 31, "even number"),
        ("tiny-xlmr-mean", "max_position_embeddings", 2, "leaves no position"),
        ("tiny-roberta-bpe", "vocab_size", 0, "vocab_size must be positive"),
    ])
    func inconsistentSizes(model: String, key: String, value: Int, message: String) async throws {
        let error = try configurationError(model) { $0[key] = value }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test("Features the runtime does not implement are refused clearly")
    func unsupportedFeatures() async throws {
        let sinusoidal = try configurationError("tiny-distilbert-cls-dense") { $0["sinusoidal_pos_embds"] = true }
        #expect(sinusoidal?.description.contains("sinusoidal_pos_embds") == true)
        let rope = try configurationError("tiny-modernbert") { config in
            config["rope_parameters"] = ["full_attention": ["rope_type": "yarn", "rope_theta": 160000.0],
                                         "sliding_attention": ["rope_type": "default", "rope_theta": 10000.0]]
        }
        #expect(rope?.description.contains("\"yarn\"") == true, "\(String(describing: rope))")
        let positions = try configurationError("tiny-xlmr-mean") { $0["position_embedding_type"] = "relative_key" }
        #expect(positions?.description.contains("relative_key") == true)
    }

    @Test("Scripts/export_model.py refuses the model types embed convert refuses: its list is the registry's")
    func exportScriptKnowsEveryArchitecture() async throws {
        let script = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Scripts/export_model.py"), encoding: .utf8)
        let line = try #require(script.split(separator: "\n").first { $0.hasPrefix("SUPPORTED_MODEL_TYPES = [") })
        let listed = line.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        #expect(listed == EncoderArchitectures.supportedModelTypes)
    }

    @Test("A checkpoint saved with its model prefix (roberta., mpnet., distilbert., model.) loads the same")
    func prefixedCheckpoints() async throws {
        for (name, prefix) in [("tiny-xlmr-mean", "roberta."), ("tiny-mpnet-mean", "mpnet."),
                               ("tiny-distilbert-cls-dense", "distilbert."), ("tiny-modernbert", "model.")] {
            let description = try ModelDescription.load(fromFolder: Fixtures.url("arch/\(name)"))
            for (canonical, _) in description.expectedTensorShapes() where !canonical.hasPrefix("dense.") {
                #expect(description.encoder.canonicalName(prefix + canonical) == canonical, "\(name): \(prefix + canonical)")
            }
        }
    }

    // MARK: NomicBERT

    /// A prompted golden line: the prompt and the ids of prompt + text.
    struct PromptedRecord: Decodable {
        let text: String
        let prompt: String
        let ids: [Int32]
        let embedding: [Float]
    }

    /// Converts `folder` as `embed convert` does, embeds `records` with `options`, and checks ids
    /// and vectors against the golden ones.
    private func checkConverted(_ folder: URL, texts: [String], ids: [[Int32]], embeddings: [[Float]],
                                options: EmbeddingOptions = EmbeddingOptions(), label: String) async throws {
        let file = self.folder.url.appendingPathComponent("\(label).embed")
        try LocalModel.export(folder: folder, to: file)
        let model = try LocalModel(contentsOf: file)
        let embedder = LocalEmbedder(model: model)
        let prompt = embedder.prompt(for: options)
        let tokenized = model.tokenizer.encode(batch: texts.map { prompt + $0 })
        let differing = zip(tokenized, ids).filter { $0.0.ids != $0.1 }.count
        #expect(differing == 0, "\(label): \(differing) of \(texts.count) texts get other ids")
        let vectors = try await embedder.embed(texts, options: options).map(\.vector)
        var report = ParityReport()
        for (index, vector) in vectors.enumerated() {
            report.add(vector, GoldenRecord(text: texts[index], ids: ids[index], embedding: embeddings[index]))
        }
        print("\(label) (converted): \(report)")
        #expect(report.worstCosine >= 0.99999, "\(label): \(report)")
        #expect(report.worstDifference <= 2e-5, "\(label): \(report)")
    }

    @Test("NomicBERT converted end to end: plain, at 512 tokens, and with its search_query prompt by name or text")
    func nomicConverted() async throws {
        let plain = try Fixtures.readJSONLines(Fixtures.url("nomic/tiny-nomic-bert.jsonl.gz"), as: GoldenRecord.self)
        try await checkConverted(Fixtures.url("nomic/tiny-nomic-bert"), texts: plain.map(\.text), ids: plain.map(\.ids),
                                 embeddings: plain.map(\.embedding), label: "nomic")

        // The long reference: the same weights read up to 512 tokens (28 texts over 128, 10 over 512).
        let long = try folder.copyFixture("nomic/tiny-nomic-bert", as: "nomic-long")
        try editJSON(long.appendingPathComponent("tokenizer_config.json")) { $0["model_max_length"] = 512 }
        let longRecords = try Fixtures.readJSONLines(Fixtures.url("nomic/tiny-nomic-bert-long.jsonl.gz"), as: GoldenRecord.self)
        #expect(longRecords.contains { $0.ids.count > 128 })
        try await checkConverted(long, texts: longRecords.map(\.text), ids: longRecords.map(\.ids),
                                 embeddings: longRecords.map(\.embedding), label: "nomic-long")

        let prompted = try Fixtures.readJSONLines(Fixtures.url("nomic/tiny-nomic-bert-prompted.jsonl.gz"), as: PromptedRecord.self)
        #expect(Set(prompted.map(\.prompt)) == ["search_query: "])
        for (options, label) in [(EmbeddingOptions(promptName: "search_query"), "nomic-prompt-name"),
                                 (EmbeddingOptions(prompt: "search_query: "), "nomic-prompt-text")] {
            try await checkConverted(Fixtures.url("nomic/tiny-nomic-bert"), texts: prompted.map(\.text),
                                     ids: prompted.map(\.ids), embeddings: prompted.map(\.embedding),
                                     options: options, label: label)
        }
    }

    @Test("NomicBERT reads past max_position_embeddings when max_seq_length asks (rotary positions reach n_positions)")
    func nomicLongContext() async throws {
        let copy = try folder.copyFixture("nomic/tiny-nomic-bert", as: "nomic-4096")
        try editJSON(copy.appendingPathComponent("sentence_bert_config.json")) { $0["max_seq_length"] = 4096 }
        let model = try LocalModel(contentsOf: copy)
        #expect(model.tokenizer.maxLength == 4096)  // config.json's max_position_embeddings is 2048
        let text = Array(repeating: "token", count: 2_100).joined(separator: " ")
        let embedding = try await LocalEmbedder(model: model).embed([text])[0]
        #expect(embedding.tokenCount == 2_102 && embedding.isTruncated == false)
        #expect(embedding.vector.allSatisfy { $0.isFinite })

        // Past n_positions (8192) the limit is the architecture's.
        try editJSON(copy.appendingPathComponent("sentence_bert_config.json")) { $0["max_seq_length"] = 100_000 }
        let capped = try LocalModel(contentsOf: copy)
        #expect(capped.tokenizer.maxLength == 8192)
    }

    @Test("--task query and document reach nomic-embed-text's search_query and search_document prompts")
    func nomicTaskPrompts() async throws {
        let copy = try folder.copyFixture("nomic/tiny-nomic-bert", as: "nomic-tasks")
        // As nomic-embed-text's own prefixes, without the generic query/document entries.
        try editJSON(copy.appendingPathComponent("config_sentence_transformers.json")) { config in
            config["prompts"] = ["search_query": "search_query: ", "search_document": "search_document: ",
                                 "clustering": "clustering: ", "classification": "classification: "]
        }
        let embedder = LocalEmbedder(model: try LocalModel(contentsOf: copy))
        #expect(embedder.prompt(for: EmbeddingOptions(task: .query)) == "search_query: ")
        #expect(embedder.prompt(for: EmbeddingOptions(task: .document)) == "search_document: ")
        #expect(embedder.prompt(for: EmbeddingOptions(task: .clustering)) == "clustering: ")
        #expect(embedder.prompt(for: EmbeddingOptions(task: .similarity)) == "")
    }

    @Test("An unknown prompt name is refused, listing the model's prompts")
    func unknownPromptName() async throws {
        let model = try LocalModel(contentsOf: Fixtures.url("nomic/tiny-nomic-bert"))
        let error = await #expect(throws: EmbeddingError.self) {
            try await LocalEmbedder(model: model).embed(["x"], options: EmbeddingOptions(promptName: "search_querry"))
        }
        #expect(error?.description.contains("no prompt named \"search_querry\"") == true, "\(String(describing: error))")
        #expect(error?.description.contains("search_document, search_query") == true, "\(String(describing: error))")
    }

    @Test("NomicBERT reads both config spellings; unsupported features and inconsistent sizes are clear errors")
    func nomicConfiguration() async throws {
        let folderURL = Fixtures.url("nomic/tiny-nomic-bert")
        let description = try ModelDescription.load(fromFolder: folderURL)
        let nomic = try #require(description.encoder.configuration(as: NomicBert.Configuration.self))
        #expect(nomic.hiddenSize == 32 && nomic.layerCount == 2 && nomic.attentionHeadCount == 4)
        #expect(nomic.intermediateSize == 256 && nomic.vocabularySize == 3008 && nomic.ropeTheta == 1000)  // 3,000 padded to 64s
        #expect(nomic.maximumPositionCount == 8192)

        // transformers-5 spelling only.
        let modern = try folder.copyFixture("nomic/tiny-nomic-bert", as: "modern")
        try editJSON(modern.appendingPathComponent("config.json")) { config in
            for key in ["n_embd", "n_head", "n_layer", "n_inner", "n_positions", "rotary_emb_base"] { config.removeValue(forKey: key) }
        }
        let read = try ModelDescription.load(fromFolder: modern).encoder.configuration(as: NomicBert.Configuration.self)
        #expect(read?.hiddenSize == 32 && read?.intermediateSize == 256 && read?.ropeTheta == 1000)
        #expect(read?.maximumPositionCount == 2048)  // max_position_embeddings

        func failure(_ edit: (inout [String: Any]) -> Void) throws -> String {
            let copy = try folder.copyFixture("nomic/tiny-nomic-bert", as: UUID().uuidString)
            try editJSON(copy.appendingPathComponent("config.json"), edit)
            let error = #expect(throws: (any Error).self, "loaded") {
                let description = try ModelDescription.load(fromFolder: copy)
                _ = try SentenceEncoder(description: description,
                                        weights: try ModelDescription.loadTensors(fromFolder: copy, description: description))
            }
            return error.map { "\($0)" } ?? ""
        }
        #expect(try failure { $0["rotary_scaling_factor"] = 2.0 }.contains("rotary_scaling_factor"))
        #expect(try failure { $0["prenorm"] = true }.contains("prenorm"))
        #expect(try failure { $0["rotary_emb_fraction"] = 0.5 }.contains("rotary_emb_fraction"))
        #expect(try failure { config in config.removeValue(forKey: "n_embd"); config.removeValue(forKey: "hidden_size") }
            .contains("\"n_embd\" or \"hidden_size\""))
        // A SwiGLU width the weights do not have (300 rounds up to 512, the tensors hold 256).
        let width = try failure { $0["n_inner"] = 300 }
        #expect(width.contains("encoder.layers.0.mlp.fc11.weight") && width.contains("512") && width.contains("256"), "\(width)")
    }
}
