import EmbedCore
@testable import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

@Suite("Model description", .offThePool)
struct ModelDescriptionTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder() }

    /// Loads `url`, expecting a failure, and returns the error.
    private func loadFailure(_ url: URL, sourceLocation: SourceLocation = #_sourceLocation) throws -> ModelDescriptionError {
        try #require(throws: ModelDescriptionError.self, sourceLocation: sourceLocation) {
            try ModelDescription.load(fromFolder: url)
        }
    }

    private func unsupportedDetail(_ error: ModelDescriptionError) -> String? {
        if case .unsupported(let detail) = error.reason { detail } else { nil }
    }

    // MARK: Layouts

    @Test(.requires(Fixtures.defaultModelFolder))
    func readsTheClassicLayoutOfTheDefaultModel() async throws {
        let url = Fixtures.defaultModelFolder.url
        let description = try ModelDescription.load(fromFolder: url)
        #expect(description.encoder.configuration(as: Bert.Configuration.self) == Bert.Configuration(
            vocabularySize: 30522, hiddenSize: 384, layerCount: 6, attentionHeadCount: 12, intermediateSize: 1536,
            maximumPositionCount: 512, tokenTypeCount: 2, layerNormEpsilon: 1e-12, hiddenActivation: .gelu))
        #expect(description.pooling == PoolingConfiguration(modes: [.mean], embeddingDimension: 384))
        #expect(description.outputModules == [.normalize])  // although 2_Normalize/ may be absent
        #expect(description.isNormalized)
        #expect(description.maxSequenceLength == 256)
        #expect(description.tokenizerMaxLength == 512)
        #expect(description.effectiveMaxSequenceLength == 256)
        #expect(description.lowercasesInput == false)
        #expect(description.similarityFunction == .cosine)
        #expect(description.outputDimension == 384)
        #expect(description.transformerPath == "")
    }

    @Test("Reads the v6 layout of each tiny model", arguments: [
        ("tiny-cls-normalize", [PoolingConfiguration.Mode.cls], 64, 32, true),
        ("tiny-maxmean-cased", [.max, .mean], 48, 64, false),
        ("tiny-sqrtlen-dense", [.meanSquareRootLength], 32, 24, true),
        ("tiny-lasttoken-weighted", [.weightedMean, .lastToken], 40, 64, false),
    ])
    func readsV6Layout(name: String, modes: [PoolingConfiguration.Mode], maxLength: Int, dimension: Int, normalized: Bool) async throws {
        let description = try ModelDescription.load(fromFolder: Fixtures.url("tiny/\(name)"))
        #expect(description.encoder.hiddenSize == 32)
        #expect(description.encoder.layerCount == 2)
        #expect(description.encoder.attentionHeadCount == 4)
        #expect(description.encoder.maximumSequenceLength == 128)
        #expect(description.pooling.modes == modes)
        #expect(description.pooling.embeddingDimension == 32)
        #expect(description.pooling.includesPrompt)
        #expect(description.maxSequenceLength == nil)  // the v6 sentence_bert_config has no such key
        #expect(description.tokenizerMaxLength == maxLength)
        #expect(description.effectiveMaxSequenceLength == maxLength)
        #expect(description.outputDimension == dimension)
        #expect(description.isNormalized == normalized)
        #expect(description.prompts == ["document": "", "query": ""])
        #expect(description.defaultPromptName == nil)
    }

    @Test func readsTheDenseModule() async throws {
        let description = try ModelDescription.load(fromFolder: Fixtures.url("tiny/tiny-sqrtlen-dense"))
        #expect(description.outputModules == [
            .dense(DenseConfiguration(inputDimension: 32, outputDimension: 24, hasBias: true, activation: .tanh, path: "2_Dense")),
            .normalize,
        ])
    }

    @Test func withoutModulesJSONTheModelIsTransformerPlusMeanPooling() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try FileManager.default.removeItem(at: model.appendingPathComponent("modules.json"))
        let description = try ModelDescription.load(fromFolder: model)
        #expect(description.pooling.modes == [.mean])
        #expect(description.outputModules.isEmpty)
        #expect(description.outputDimension == 32)
    }

    @Test func roundTripsThroughCodable() async throws {
        let description = try ModelDescription.load(fromFolder: Fixtures.url("tiny/tiny-sqrtlen-dense"))
        let data = try JSONEncoder().encode(description)
        #expect(try JSONDecoder().decode(ModelDescription.self, from: data) == description)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"type\":\"dense\""))
        #expect(text.contains("\"type\":\"normalize\""))

        let unknown = Data(#"{"type": "layerNorm"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ModelDescription.OutputModule.self, from: unknown) }
    }

    // MARK: Pooling forms

    @Test func poolingStringAndLegacyFlagsGiveTheSameConfiguration() async throws {
        let string = try folder.copyFixture("tiny/tiny-cls-normalize", as: "string")
        try editJSON(string.appendingPathComponent("1_Pooling/config.json")) { $0 = ["embedding_dimension": 32, "pooling_mode": "mean"] }
        let flags = try folder.copyFixture("tiny/tiny-cls-normalize", as: "flags")
        try editJSON(flags.appendingPathComponent("1_Pooling/config.json")) {
            $0 = ["word_embedding_dimension": 32, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true,
                  "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false]
        }
        let fromString = try ModelDescription.load(fromFolder: string)
        #expect(fromString.pooling.modes == [.mean])
        #expect(try ModelDescription.load(fromFolder: flags).pooling == fromString.pooling)
    }

    @Test func legacyFlagsConcatenateInSentenceTransformersOrder() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try editJSON(model.appendingPathComponent("1_Pooling/config.json")) {
            $0 = ["word_embedding_dimension": 32, "pooling_mode_lasttoken": true, "pooling_mode_max_tokens": true,
                  "pooling_mode_cls_token": true, "include_prompt": false]
        }
        let pooling = try ModelDescription.load(fromFolder: model).pooling
        #expect(pooling.modes == [.cls, .max, .lastToken])
        #expect(pooling.includesPrompt == false)
        #expect(pooling.outputDimension == 96)
    }

    @Test func legacyFlagsAllFalseMeanMeanPooling() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try editJSON(model.appendingPathComponent("1_Pooling/config.json")) {
            $0 = ["word_embedding_dimension": 32, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": false]
        }
        #expect(try ModelDescription.load(fromFolder: model).pooling.modes == [.mean])
    }

    @Test func unknownPoolingModeIsUnsupported() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try editJSON(model.appendingPathComponent("1_Pooling/config.json")) { $0["pooling_mode"] = "median" }
        let error = try loadFailure(model)
        #expect(error.path.hasSuffix("1_Pooling/config.json"))
        #expect(unsupportedDetail(error)?.contains("median") == true)
    }

    @Test func poolingDimensionMustMatchTheHiddenSize() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try editJSON(model.appendingPathComponent("1_Pooling/config.json")) { $0["embedding_dimension"] = 48 }
        let error = try loadFailure(model)
        #expect(error.description.contains("48"))
    }

    // MARK: Unsupported models

    @Test func unknownModuleTypeIsUnsupported() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try folder.write("model/modules.json", """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_LayerNorm", "type": "sentence_transformers.models.LayerNorm"}]
            """)
        let error = try loadFailure(model)
        #expect(error.path.hasSuffix("modules.json"))
        #expect(unsupportedDetail(error)?.contains("unsupported module sentence_transformers.models.LayerNorm") == true)
    }

    @Test func moduleTypesMatchOnTheClassNameSuffix() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try folder.write("model/modules.json", """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
            """)
        let classic = try ModelDescription.load(fromFolder: model)
        #expect(classic == (try ModelDescription.load(fromFolder: Fixtures.url("tiny/tiny-cls-normalize"))))
    }

    @Test func unsupportedDenseActivationIsAnError() async throws {
        let model = try folder.copyFixture("tiny/tiny-sqrtlen-dense")
        try editJSON(model.appendingPathComponent("2_Dense/config.json")) {
            $0["activation_function"] = "torch.nn.modules.activation.LeakyReLU"
        }
        let error = try loadFailure(model)
        #expect(error.path.hasSuffix("2_Dense/config.json"))
        #expect(unsupportedDetail(error)?.contains("LeakyReLU") == true)
    }

    @Test("Dense activations map from torch class names", arguments: [
        ("torch.nn.modules.linear.Identity", DenseConfiguration.Activation.identity),
        ("torch.nn.modules.activation.Tanh", .tanh),
        ("torch.nn.modules.activation.ReLU", .relu),
        ("torch.nn.modules.activation.GELU", .gelu),
        ("torch.nn.modules.activation.Sigmoid", .sigmoid),
    ])
    func denseActivationNames(name: String, activation: DenseConfiguration.Activation) async {
        #expect(DenseConfiguration.Activation(torchClassName: name) == activation)
    }

    @Test func unsupportedHiddenActivationIsAnErrorAndTanhGELUIsAccepted() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try editJSON(model.appendingPathComponent("config.json")) { $0["hidden_act"] = "mish" }
        let error = try loadFailure(model)
        #expect(error.path.hasSuffix("config.json"))
        #expect(unsupportedDetail(error)?.contains("hidden_act \"mish\"") == true)

        try editJSON(model.appendingPathComponent("config.json")) { $0["hidden_act"] = "gelu_new" }
        #expect(try ModelDescription.load(fromFolder: model).encoder.configuration(as: Bert.Configuration.self)?.hiddenActivation == .geluTanh)
    }

    @Test func otherArchitecturesAreUnsupported() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try editJSON(model.appendingPathComponent("config.json")) { $0["model_type"] = "t5" }
        let detail = unsupportedDetail(try loadFailure(model))
        #expect(detail?.contains("\"t5\"") == true)
        // The message lists what is supported.
        for supported in ["bert", "distilbert", "modernbert", "mpnet", "roberta", "xlm-roberta"] {
            #expect(detail?.contains(supported) == true, "\(String(describing: detail)) lacks \(supported)")
        }
    }

    @Test func missingConfigIsNamed() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try FileManager.default.removeItem(at: model.appendingPathComponent("config.json"))
        let error = try loadFailure(model)
        #expect(error.reason == .missingFile)
        #expect(error.path == model.appendingPathComponent("config.json").path)
    }

    @Test func invalidJSONIsNamed() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try editJSON(model.appendingPathComponent("config.json")) { $0["hidden_size"] = "wide" }
        let error = try loadFailure(model)
        guard case .invalidJSON(let detail) = error.reason else {
            Issue.record("expected invalidJSON, got \(error)")
            return
        }
        #expect(detail.contains("hidden_size"))
    }

    @Test func unknownSimilarityFunctionIsUnsupported() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try editJSON(model.appendingPathComponent("config_sentence_transformers.json")) { $0["similarity_fn_name"] = "jaccard" }
        #expect(unsupportedDetail(try loadFailure(model))?.contains("jaccard") == true)
    }

    @Test func promptsAndSimilarityAreRead() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try editJSON(model.appendingPathComponent("config_sentence_transformers.json")) {
            $0["prompts"] = ["query": "query: ", "passage": "passage: "]
            $0["default_prompt_name"] = "query"
            $0["similarity_fn_name"] = "dot"
        }
        try editJSON(model.appendingPathComponent("tokenizer_config.json")) { $0["model_max_length"] = 1e30 }
        let description = try ModelDescription.load(fromFolder: model)
        #expect(description.prompts == ["query": "query: ", "passage": "passage: "])
        #expect(description.defaultPromptName == "query")
        #expect(description.similarityFunction == .dot)
        #expect(description.tokenizerMaxLength == nil)  // transformers' "no limit"
        #expect(description.effectiveMaxSequenceLength == 128)
    }

    // MARK: Tensors

    @Test func expectedTensorsUseCanonicalNames() async throws {
        let description = try ModelDescription.load(fromFolder: Fixtures.url("tiny/tiny-sqrtlen-dense"))
        let expected = description.expectedTensorShapes()
        let embeddingTensors = 5, tensorsPerLayer = 16, denseTensors = 2
        #expect(expected.count == embeddingTensors + 2 * tensorsPerLayer + denseTensors)
        let shapes = Dictionary(uniqueKeysWithValues: expected.map { ($0.name, $0.shape) })
        #expect(shapes["embeddings.word_embeddings.weight"] == [3000, 32])
        #expect(shapes["encoder.layer.1.intermediate.dense.weight"] == [64, 32])
        #expect(shapes["encoder.layer.1.output.dense.weight"] == [32, 64])
        #expect(shapes["dense.0.weight"] == [24, 32])
        #expect(shapes["dense.0.bias"] == [24])
        #expect(!expected.contains { $0.name.hasPrefix("pooler") || $0.name.contains("position_ids") })
    }

    @Test func loadTensorsExposesExactlyTheCanonicalNames() async throws {
        let url = Fixtures.url("tiny/tiny-sqrtlen-dense")
        let description = try ModelDescription.load(fromFolder: url)
        let tensors = try ModelDescription.loadTensors(fromFolder: url, description: description)
        #expect(tensors.tensorNames == description.expectedTensorShapes().map(\.name).sorted())
        for (name, shape) in description.expectedTensorShapes() {
            #expect(tensors.shape(of: name) == shape, "\(name)")
        }
        let dense = try SafetensorsFile(url: url.appendingPathComponent("2_Dense/model.safetensors"))
        #expect(try tensors.floats("dense.0.bias").elements == dense.floats("linear.bias").elements)
    }

    @Test func oldCheckpointNamesAreMapped() async throws {
        // Rewrite the tiny model with a `bert.` prefix and gamma/beta LayerNorm names.
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        let original = try SafetensorsFile(url: model.appendingPathComponent("model.safetensors"))
        var builder = SafetensorsBuilder()
        for name in original.tensorNames {
            var renamed = "bert." + name
            if renamed.hasSuffix("LayerNorm.weight") { renamed = String(renamed.dropLast("weight".count)) + "gamma" }
            if renamed.hasSuffix("LayerNorm.bias") { renamed = String(renamed.dropLast("bias".count)) + "beta" }
            let buffer = try original.floats(name)
            builder.add(renamed, floats: buffer.elements, shape: buffer.shape)
        }
        try folder.write("model/model.safetensors", builder.build())
        let description = try ModelDescription.load(fromFolder: model)
        let tensors = try ModelDescription.loadTensors(fromFolder: model, description: description)
        #expect(tensors.tensorNames == description.expectedTensorShapes().map(\.name).sorted())

        let ids: [[Int32]] = [[101, 2178, 546, 102], [101, 102]]  // "hello world", ""
        let renamed = try SentenceEncoder(description: description, weights: tensors).encode(ids)
        let reference = try tinyEncoder("tiny-cls-normalize").encode(ids)
        #expect(renamed == reference)
    }

    @Test func pickleOnlyDenseWeightsAreUnsupported() async throws {
        let model = try folder.copyFixture("tiny/tiny-sqrtlen-dense")
        try FileManager.default.removeItem(at: model.appendingPathComponent("2_Dense/model.safetensors"))
        try folder.write("model/2_Dense/pytorch_model.bin", Data([0x80, 0x02]))
        let description = try ModelDescription.load(fromFolder: model)
        let error = #expect(throws: ModelDescriptionError.self) {
            try ModelDescription.loadTensors(fromFolder: model, description: description)
        }
        #expect(error?.path.hasSuffix("2_Dense/pytorch_model.bin") == true)
        #expect(error.map(unsupportedDetail)??.contains("pickle") == true)
    }

    @Test func missingWeightsFileIsNamed() async throws {
        let model = try folder.copyFixture("tiny/tiny-cls-normalize")
        try FileManager.default.removeItem(at: model.appendingPathComponent("model.safetensors"))
        let description = try ModelDescription.load(fromFolder: model)
        let error = #expect(throws: ModelDescriptionError.self) {
            try ModelDescription.loadTensors(fromFolder: model, description: description)
        }
        #expect(error?.reason == .missingFile)
        #expect(error?.path.hasSuffix("model.safetensors") == true)
    }
}
