import EmbedLocal
import EmbedTokenizer
import Foundation

/// A GGUF embedding model as this runtime would convert it: the encoder, pooling,
/// normalization, tokenizer and tensors read from the file, and the settings the file does not
/// record with the defaults used instead (``defaults``), so that `embed info` can show what
/// `embed convert` will write before it writes anything.
public struct GGUFModel: Sendable {
    /// What the caller may set that GGUF files do not record.
    public struct Options: Sendable, Hashable {
        /// The most tokens per text, special tokens included; `nil` for the file's context
        /// length (sentence-transformers' own `max_seq_length` — 256 for all-MiniLM-L6-v2 — is
        /// not in the file).
        public var maxLength: Int?
        /// Whether vectors are L2-normalized; `nil` for yes, as llama.cpp and Ollama do.
        public var normalizes: Bool?
        /// The pooling to use instead of `<arch>.pooling_type`.
        public var pooling: PoolingConfiguration.Mode?

        /// Creates options.
        public init(maxLength: Int? = nil, normalizes: Bool? = nil, pooling: PoolingConfiguration.Mode? = nil) {
            self.maxLength = maxLength
            self.normalizes = normalizes
            self.pooling = pooling
        }
    }

    /// The file.
    public let file: GGUFFile
    /// What the model file will describe.
    public let description: ModelDescription
    /// The tokenizer.
    public let tokenizer: TokenizerDefinition
    /// The tensors, by our names.
    public let tensors: GGUFTensorSource
    /// Settings the file does not record, each with the value used and why.
    public let defaults: [(setting: String, value: String)]
    /// The element type the model file stores by default: the GGUF's own precision (F16 → f16,
    /// Q8_0 → int8, F32 and BF16 → f32).
    public let naturalStorage: ModelFileStorage

    /// llama.cpp's `pooling_type` values.
    static let poolingTypes: [Int: PoolingConfiguration.Mode] = [1: .mean, 2: .cls, 3: .lastToken]

    /// Reads a GGUF embedding model.
    ///
    /// - Throws: ``GGUFError`` for an unsupported architecture, tokenizer or tensor type (naming
    ///   the supported ones), a missing key or tensor, or a tensor of another shape than the
    ///   metadata implies.
    public init(file: GGUFFile, options: Options = Options()) throws(GGUFError) {
        self.file = file
        guard let name = file.architecture else {
            throw GGUFError(path: file.path, .missingKey("general.architecture", expected: "a string"))
        }
        guard let architecture = GGUFArchitectures.named(name) else {
            throw GGUFError(path: file.path, .unsupported(
                "unsupported GGUF architecture \(name); supported: \(GGUFArchitectures.all.map { $0.name }.joined(separator: ", "))"))
        }
        let encoder = EncoderConfiguration(try architecture.encoder(file))
        var defaults: [(setting: String, value: String)] = []

        let pooling: PoolingConfiguration.Mode
        if let chosen = options.pooling {
            pooling = chosen
        } else if let type = try file.optionalInt("\(name).pooling_type") {
            guard let mode = Self.poolingTypes[type] else {
                throw GGUFError(path: file.path, .unsupported(
                    "\(name).pooling_type \(type) (\(type == 0 ? "none: one vector per token" : type == 4 ? "rank: a reranker" : "unknown")) gives no sentence vector; choose a pooling (--pooling mean|cls|lasttoken)"))
            }
            pooling = mode
        } else {
            pooling = .mean
            defaults.append(("\(name).pooling_type", "mean (absent from the file; the sentence-transformers default)"))
        }

        let normalizes = options.normalizes ?? true
        if options.normalizes == nil {
            defaults.append(("normalize", "yes (GGUF does not record it; llama.cpp and Ollama L2-normalize embeddings)"))
        }
        let context = try file.optionalInt("\(name).context_length") ?? encoder.maximumSequenceLength
        let limit = min(options.maxLength ?? context, encoder.maximumSequenceLength)
        guard limit >= 3 else { throw GGUFError(path: file.path, .malformed("a maximum length of \(limit) tokens leaves no room for text")) }
        if options.maxLength == nil {
            defaults.append(("max length", "\(limit) tokens (\(name).context_length; sentence-transformers' max_seq_length is not recorded: set --max-length)"))
        }

        switch file["tokenizer.ggml.model"]?.string {
        case "t5", "gpt2":
            // The RoBERTa family: SentencePiece Unigram (XLM-R) or byte-level BPE (RoBERTa).
            let rebuilt = try GGUFTokenizerJSON(file)
            defaults += rebuilt.defaults.map { ($0.setting, $0.value) }
            do {
                tokenizer = TokenizerDefinition(.pipeline(try HuggingFaceTokenizerConfiguration(
                    tokenizerJSON: rebuilt.text, source: file.path, lowercaseInput: false, maxLength: limit)))
            } catch {
                throw GGUFError(path: file.path, .unsupported("its tokenizer, rebuilt as tokenizer.json, cannot run here: \(error)"))
            }
        default:
            let wordPiece = try GGUFWordPiece(file, maxLength: limit)
            defaults += wordPiece.defaults.map { ($0.setting, $0.value) }
            tokenizer = TokenizerDefinition(.wordPiece(wordPiece.configuration))
        }
        guard tokenizer.vocabularyCount <= encoder.vocabularySize else {
            throw GGUFError(path: file.path, .malformed(
                "the tokenizer has \(tokenizer.vocabularyCount) tokens but token_embd.weight has \(encoder.vocabularySize) rows"))
        }

        description = ModelDescription(
            encoder: encoder, pooling: PoolingConfiguration(modes: [pooling], embeddingDimension: encoder.hiddenSize),
            outputModules: normalizes ? [.normalize] : [], maxSequenceLength: limit)

        // Every tensor the architecture needs, by our names, with its shape checked.
        var names: [String: String] = [:]
        for tensor in file.tensors {
            guard let canonical = architecture.canonicalName(tensor.name) else { continue }
            names[canonical] = tensor.name
        }
        let droppedRows = try architecture.droppedRows(file)
        for (canonical, expected) in description.expectedTensorShapes() {
            guard let ggufName = names[canonical], let tensor = file.tensorsByName[ggufName] else {
                throw GGUFError(path: file.path, .tensor(name: canonical, detail: "missing: no GGUF tensor maps to it"))
            }
            var shape = expected
            if let rows = droppedRows[canonical] { shape[0] -= rows }
            guard tensor.shape == shape else {
                throw GGUFError(path: file.path, .tensor(
                    name: tensor.name, detail: "has shape \(tensor.shape) (ggml dimensions \(tensor.dimensions)); the metadata implies \(shape)"))
            }
            guard tensor.type.isSupported else { throw GGUFError(path: file.path, .unsupported(GGUFTensorSource.unsupportedMessage(tensor))) }
        }
        tensors = GGUFTensorSource(file: file, names: names, droppedRows: droppedRows)
        if let rows = droppedRows["embeddings.position_embeddings.weight"] {
            defaults.append(("position rows 0…\(rows - 1)", "zeros (the converter drops the RoBERTa family's rows before its first position; transformers keeps the padding row at zero)"))
        }
        self.defaults = defaults

        // The type of the largest matrix decides: norms and biases stay F32 in every file.
        let largest = file.tensors.max { $0.elementCount < $1.elementCount }
        naturalStorage = largest?.type.naturalStorage ?? .float32
    }

    /// Writes the model file.
    ///
    /// - Parameters:
    ///   - storage: The element type; `nil` for ``naturalStorage``.
    @discardableResult
    public func export(to output: URL, name: String, source: String? = nil, storage: ModelFileStorage? = nil) throws -> LocalModelMetadata {
        try LocalModel.export(
            description: description, tokenizer: tokenizer, weights: tensors, name: name,
            source: source ?? file.path, storage: storage ?? naturalStorage, to: output)
    }

    /// Labelled lines for `embed info`: what the file holds and what the conversion will write.
    public var summary: [(label: String, value: String)] {
        let types = Dictionary(grouping: file.tensors, by: \.type).map { "\($0.value.count) \($0.key)" }.sorted()
        var lines: [(label: String, value: String)] = [
            ("format", "GGUF v\(file.version), \(file.byteCount) bytes, \(file.tensors.count) tensors (\(types.joined(separator: ", ")))"),
            ("gguf architecture", file.architecture ?? "?"),
        ]
        if let name = file["general.name"]?.string { lines.append(("gguf name", name)) }
        lines += description.encoder.summary
        lines += [
            ("pooling", description.pooling.modes.map(\.rawValue).joined(separator: "+")),
            ("normalize", description.outputModules.contains(.normalize) ? "yes" : "no"),
            ("dimensions", "\(description.pooling.outputDimension)"),
            ("max length", "\(tokenizer.maxLength) tokens"),
            ("tokenizer", "\(tokenizer.modelName), \(tokenizer.vocabularyCount) tokens"),
            ("converts to", "\(naturalStorage.rawValue) by default (--dtype to choose)"),
        ]
        for (setting, value) in defaults { lines.append(("default", "\(setting): \(value)")) }
        return lines
    }
}
