import EmbedCore
import Foundation

extension ModelDescription {
    /// Reads the description of the sentence-transformers model in `folder`.
    ///
    /// Follows sentence-transformers' own loading: `modules.json` lists the modules in order and
    /// each type is matched on its class name (`Transformer`, `Pooling`, `Dense`, `Normalize`), so
    /// both the classic (`sentence_transformers.models.Pooling`) and the v5+ spelling
    /// (`sentence_transformers.sentence_transformer.modules.pooling.Pooling`) work. Without a
    /// `modules.json`, the model is a Transformer followed by mean pooling, as sentence-transformers
    /// builds it. The Normalize module needs no folder (the classic layout often omits it).
    ///
    /// - Parameter folder: The model folder (the one holding `config.json` and `modules.json`).
    /// - Returns: A validated description.
    /// - Throws: ``ModelDescriptionError`` naming the file and what is wrong or unsupported.
    public static func load(fromFolder folder: URL) throws(ModelDescriptionError) -> ModelDescription {
        let modules = try readModules(in: folder)

        var transformerPath: String?
        var pooling: PoolingConfiguration?
        var outputModules: [OutputModule] = []
        let modulesFile = folder.appendingPathComponent("modules.json").path
        for module in modules {
            let className = module.type.split(separator: ".").last.map(String.init) ?? module.type
            switch className {
            case "Transformer":
                guard transformerPath == nil else {
                    throw .unsupported(modulesFile, "it lists more than one Transformer module; only a single transformer is supported.")
                }
                transformerPath = module.path
            case "Pooling":
                guard transformerPath != nil else {
                    throw .unsupported(modulesFile, "Pooling (\(module.path)) comes before the Transformer module.")
                }
                guard pooling == nil else {
                    throw .unsupported(modulesFile, "it lists more than one Pooling module.")
                }
                pooling = try readPooling(in: folder.appendingPathComponent(module.path))
            case "Dense":
                guard pooling != nil else {
                    throw .unsupported(modulesFile, "Dense (\(module.path)) comes before the Pooling module; only Dense layers on the pooled vector are supported.")
                }
                outputModules.append(.dense(try readDense(in: folder, relativePath: module.path)))
            case "Normalize":
                guard pooling != nil else {
                    throw .unsupported(modulesFile, "Normalize (\(module.path)) comes before the Pooling module.")
                }
                outputModules.append(.normalize)
            default:
                throw .unsupported(modulesFile, "unsupported module \(module.type) (\(module.path.isEmpty ? "root" : module.path)); supported modules are Transformer, Pooling, Dense and Normalize.")
            }
        }
        guard let transformerPath else { throw .unsupported(modulesFile, "it lists no Transformer module.") }
        let transformerFolder = folder.appendingPathComponent(transformerPath)
        let encoder = try readEncoderConfiguration(in: transformerFolder)
        guard var pooling else {
            throw .unsupported(modulesFile, "it lists no Pooling module, so the model produces token vectors, not sentence vectors.")
        }
        if pooling.embeddingDimension == 0 { pooling.embeddingDimension = encoder.hiddenSize }

        let sentenceConfig = try decode(SentenceBertFile.self, at: transformerFolder.appendingPathComponent("sentence_bert_config.json"))
        let tokenizerConfig = try decode(TokenizerConfigFile.self, at: transformerFolder.appendingPathComponent("tokenizer_config.json"))
        let stConfigURL = folder.appendingPathComponent("config_sentence_transformers.json")
        let stConfig = try decode(SentenceTransformersFile.self, at: stConfigURL)
        var similarity = SimilarityFunction.cosine
        if let name = stConfig?.similarityFunctionName {
            guard let function = SimilarityFunction(rawValue: name) else {
                throw .unsupported(stConfigURL.path, "similarity_fn_name \"\(name)\" is not one of \(SimilarityFunction.allCases.map(\.rawValue)).")
            }
            similarity = function
        }

        let description = ModelDescription(
            encoder: encoder,
            transformerPath: transformerPath,
            pooling: pooling,
            outputModules: outputModules,
            maxSequenceLength: sentenceConfig?.maxSequenceLength,
            tokenizerMaxLength: tokenizerConfig?.modelMaxLength.flatMap { $0 >= 1 && $0 < 1e9 ? Int($0) : nil },
            lowercasesInput: sentenceConfig?.lowercasesInput ?? false,
            prompts: stConfig?.prompts ?? [:],
            defaultPromptName: stConfig?.defaultPromptName,
            similarityFunction: similarity
        )
        do {
            try description.validate()
        } catch {
            throw ModelDescriptionError(path: folder.path, reason: error.reason)
        }
        return description
    }

    // MARK: Files

    private static func readModules(in folder: URL) throws(ModelDescriptionError) -> [ModuleEntry] {
        let url = folder.appendingPathComponent("modules.json")
        guard let modules = try decode([ModuleEntry].self, at: url) else {
            // sentence-transformers' fallback for a plain transformers folder.
            return [
                ModuleEntry(path: "", type: "Transformer"),
                ModuleEntry(path: "", type: "Pooling"),
            ]
        }
        return modules
    }

    private static func readEncoderConfiguration(in folder: URL) throws(ModelDescriptionError) -> EncoderConfiguration {
        let url = folder.appendingPathComponent("config.json")
        guard let json = try decode(JSONValue.self, at: url) else {
            throw ModelDescriptionError(path: url.path, reason: .missingFile)
        }
        guard json.objectValue != nil else {
            throw ModelDescriptionError(path: url.path, reason: .invalidJSON(detail: "the top level is not a JSON object."))
        }
        return try EncoderConfiguration(configFile: TransformerConfigFile(json: json, path: url.path))
    }

    private static func readPooling(in folder: URL) throws(ModelDescriptionError) -> PoolingConfiguration {
        let url = folder.appendingPathComponent("config.json")
        guard let raw = try decode(PoolingFile.self, at: url) else {
            throw ModelDescriptionError(path: url.path, reason: .missingFile)
        }
        let modes: [PoolingConfiguration.Mode]
        if let names = raw.poolingMode {
            guard !names.isEmpty else { throw .invalidValue(url.path, "pooling_mode is empty.") }
            modes = try names.map { name throws(ModelDescriptionError) in
                guard let mode = PoolingConfiguration.Mode(rawValue: name) else {
                    throw .unsupported(url.path, "pooling_mode \"\(name)\" is not one of \(PoolingConfiguration.Mode.allCases.map(\.rawValue)).")
                }
                return mode
            }
        } else {
            // Legacy boolean flags, concatenated in sentence-transformers' fixed order; none set
            // means mean pooling, as sentence-transformers converts them.
            let enabled = PoolingConfiguration.Mode.legacyFlags.filter { raw.flags[$0.key] == true }.map(\.mode)
            modes = enabled.isEmpty ? [.mean] : enabled
        }
        let dimension = raw.embeddingDimension ?? 0
        guard dimension >= 0 else { throw .invalidValue(url.path, "embedding_dimension \(dimension) is negative.") }
        return PoolingConfiguration(modes: modes, embeddingDimension: dimension, includesPrompt: raw.includePrompt ?? true)
    }

    private static func readDense(in folder: URL, relativePath: String) throws(ModelDescriptionError) -> DenseConfiguration {
        let url = folder.appendingPathComponent(relativePath).appendingPathComponent("config.json")
        guard let raw = try decode(DenseFile.self, at: url) else {
            throw ModelDescriptionError(path: url.path, reason: .missingFile)
        }
        guard raw.inFeatures > 0, raw.outFeatures > 0 else {
            throw .invalidValue(url.path, "in_features \(raw.inFeatures) and out_features \(raw.outFeatures) must be positive.")
        }
        let activationName = raw.activationFunction ?? "torch.nn.modules.activation.Tanh"
        guard let activation = DenseConfiguration.Activation(torchClassName: activationName) else {
            throw .unsupported(url.path, "activation_function \"\(activationName)\" is not supported; supported: Identity, Tanh, ReLU, GELU, Sigmoid.")
        }
        return DenseConfiguration(
            inputDimension: raw.inFeatures, outputDimension: raw.outFeatures, hasBias: raw.bias ?? true,
            activation: activation, usesResidual: raw.useResidual ?? false, path: relativePath)
    }

    /// Decodes a JSON file, returning `nil` when it does not exist.
    static func decode<T: Decodable>(_ type: T.Type, at url: URL) throws(ModelDescriptionError) -> T? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelDescriptionError(path: url.path, reason: .invalidJSON(detail: "cannot read the file: \(error.localizedDescription)"))
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw ModelDescriptionError(path: url.path, reason: .invalidJSON(detail: DecodingProblem.describe(error, document: "the file")))
        }
    }
}

// MARK: - File formats

/// One entry of `modules.json`.
private struct ModuleEntry: Decodable {
    var path: String
    var type: String

    init(path: String, type: String) {
        self.path = path
        self.type = type
    }
}

/// `1_Pooling/config.json`, in both the legacy flag form and the `pooling_mode` form.
private struct PoolingFile: Decodable {
    var embeddingDimension: Int?
    /// `pooling_mode` as a list (a single string becomes a one-element list).
    var poolingMode: [String]?
    var flags: [String: Bool] = [:]
    var includePrompt: Bool?

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        embeddingDimension = try container.decodeIfPresent(Int.self, forKey: Key(stringValue: "embedding_dimension"))
            ?? container.decodeIfPresent(Int.self, forKey: Key(stringValue: "word_embedding_dimension"))
        let modeKey = Key(stringValue: "pooling_mode")
        if container.contains(modeKey), try !container.decodeNil(forKey: modeKey) {
            if let single = try? container.decode(String.self, forKey: modeKey) {
                poolingMode = [single]
            } else {
                poolingMode = try container.decode([String].self, forKey: modeKey)
            }
        }
        for (key, _) in PoolingConfiguration.Mode.legacyFlags {
            flags[key] = try container.decodeIfPresent(Bool.self, forKey: Key(stringValue: key))
        }
        includePrompt = try container.decodeIfPresent(Bool.self, forKey: Key(stringValue: "include_prompt"))
    }
}

/// `N_Dense/config.json`.
private struct DenseFile: Decodable {
    var inFeatures: Int
    var outFeatures: Int
    var bias: Bool?
    var activationFunction: String?
    var useResidual: Bool?

    enum CodingKeys: String, CodingKey {
        case inFeatures = "in_features"
        case outFeatures = "out_features"
        case bias
        case activationFunction = "activation_function"
        case useResidual = "use_residual"
    }
}

/// `sentence_bert_config.json` (classic schema; the v5+ schema has neither key).
private struct SentenceBertFile: Decodable {
    var maxSequenceLength: Int?
    var lowercasesInput: Bool?

    enum CodingKeys: String, CodingKey {
        case maxSequenceLength = "max_seq_length"
        case lowercasesInput = "do_lower_case"
    }
}

/// The one key of `tokenizer_config.json` the length limit depends on.
private struct TokenizerConfigFile: Decodable {
    /// A Double because transformers writes `int(1e30)` when there is no limit.
    var modelMaxLength: Double?

    enum CodingKeys: String, CodingKey {
        case modelMaxLength = "model_max_length"
    }
}

/// `config_sentence_transformers.json`.
private struct SentenceTransformersFile: Decodable {
    var prompts: [String: String]?
    var defaultPromptName: String?
    var similarityFunctionName: String?

    enum CodingKeys: String, CodingKey {
        case prompts
        case defaultPromptName = "default_prompt_name"
        case similarityFunctionName = "similarity_fn_name"
    }
}
