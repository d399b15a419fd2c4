import Dispatch
import EmbedCore
import EmbedTokenizer
import Foundation

/// What an exported model file's JSON metadata holds: everything but the tensors.
public struct LocalModelMetadata: Codable, Sendable, Hashable {
    /// The model's short name, e.g. `all-MiniLM-L6-v2`.
    public var name: String
    /// Where the model came from: the folder it was exported from, or a Hub repository id.
    public var source: String
    /// The architecture, pooling, Dense heads, Normalize, prompts and similarity.
    public var model: ModelDescription
    /// The complete tokenizer definition, vocabulary included.
    public var tokenizer: TokenizerDefinition
    /// The program that wrote the file.
    public var exportedBy: String

    /// Creates metadata.
    public init(name: String, source: String, model: ModelDescription, tokenizer: TokenizerDefinition, exportedBy: String = LocalModel.exporterName) {
        self.name = name
        self.source = source
        self.model = model
        self.tokenizer = tokenizer
        self.exportedBy = exportedBy
    }
}

/// A sentence-transformers model ready to run on this machine: tokenizer, encoder (of any
/// registered architecture), pooling, Dense heads and normalization, with its weights
/// memory-mapped.
///
/// Load an exported flat file (``init(contentsOf:verifyChecksum:)`` with a `.embed` file) for
/// fast, validated start-up, or a Hugging Face sentence-transformers folder directly.
public final class LocalModel: Sendable {
    /// The name written into exported files' metadata as the exporter.
    public static let exporterName = "swift-embed 0.1"

    /// Everything known about the model except its tensors.
    public let metadata: LocalModelMetadata
    /// The tokenizer, configured from the model.
    public let tokenizer: any TextTokenizer
    /// The forward pass.
    public let encoder: SentenceEncoder
    /// The exported file the weights are mapped from; `nil` for a model loaded from a folder.
    public let file: ModelFile?

    /// Runs forward passes one at a time, off Swift's cooperative thread pool: a pass blocks for
    /// milliseconds inside BLAS and already uses every core.
    let queue = DispatchQueue(label: "embed.local-model", qos: .userInitiated)

    /// Runs tokenizing that happens apart from a forward pass (token counts, `tokenize`), off the
    /// cooperative pool too, but concurrently: counting a server request's tokens must not wait
    /// behind the forward passes already queued on ``queue``.
    let tokenizerQueue = DispatchQueue(label: "embed.local-model.tokenizer", qos: .userInitiated, attributes: .concurrent)

    /// Loads a model from an exported `.embed` file or a sentence-transformers folder.
    ///
    /// - Parameters:
    ///   - url: The file or folder.
    ///   - verifyChecksum: Whether to check an exported file's checksums (recommended; costs a
    ///     read of the weights).
    ///   - encoderOptions: Threads and chunk size of the forward pass; `nil` reads them from the
    ///     process's environment (``SentenceEncoder/Options/init(threadCount:environment:)``: `EMBED_THREADS`,
    ///     else every core the process may use).
    /// - Throws: ``ModelFileError`` for a corrupt, truncated or foreign file; the description,
    ///   tokenizer or safetensors errors for a folder; ``SentenceEncoderError`` for an invalid
    ///   `EMBED_THREADS`.
    public init(contentsOf url: URL, verifyChecksum: Bool = true, encoderOptions: SentenceEncoder.Options? = nil) throws {
        let encoderOptions = try encoderOptions ?? SentenceEncoder.Options(environment: ProcessInfo.processInfo.environment)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ModelFileError.unreadable(path: url.path, reason: "no such file or folder")
        }
        if isDirectory.boolValue {
            let description = try ModelDescription.load(fromFolder: url)
            let tokenizerDefinition = try Self.loadTokenizer(fromFolder: url, description: description)
            let weights = try ModelDescription.loadTensors(fromFolder: url, description: description)
            metadata = LocalModelMetadata(
                name: url.standardizedFileURL.lastPathComponent, source: url.standardizedFileURL.path,
                model: description, tokenizer: tokenizerDefinition)
            encoder = try SentenceEncoder(description: description, weights: weights, options: encoderOptions)
            file = nil
        } else {
            let file = try ModelFile(path: url.path, verifyChecksum: verifyChecksum)
            let decoded: LocalModelMetadata
            do {
                decoded = try JSONDecoder().decode(LocalModelMetadata.self, from: file.metadata)
            } catch {
                throw ModelFileError.invalidMetadata(path: url.path, reason: DecodingProblem.describe(error, document: "the metadata"))
            }
            try file.validate(expected: decoded.model.expectedTensorShapes())
            metadata = decoded
            encoder = try SentenceEncoder(description: decoded.model, weights: file, options: encoderOptions)
            self.file = file
        }
        tokenizer = try metadata.tokenizer.makeTokenizer()
    }

    /// Reads a folder's tokenizer with the length limit sentence-transformers uses for the model:
    /// an explicit `max_seq_length` as it is, else the tokenizer's limit, either way capped at the
    /// positions the encoder really has (a RoBERTa configuration's 514 rows hold 512 tokens;
    /// NomicBERT's rotary positions reach `n_positions`, beyond `max_position_embeddings`).
    public static func loadTokenizer(fromFolder folder: URL, description: ModelDescription) throws -> TokenizerDefinition {
        var definition = try TokenizerDefinition.load(fromModelDirectory: folder)
        let limit = description.maxSequenceLength ?? definition.maxLength
        definition.maxLength = min(limit, description.encoder.maximumSequenceLength)
        return definition
    }

    /// The model's short name.
    public var name: String { metadata.name }

    /// Exports a sentence-transformers folder to one flat, memory-mappable file.
    ///
    /// Everything is validated before anything is written: the folder's modules, the tokenizer,
    /// and every tensor the forward pass needs (present, right shape). The file is written to a
    /// temporary sibling and renamed into place.
    ///
    /// - Parameters:
    ///   - folder: A sentence-transformers folder (classic or v6 layout).
    ///   - output: The file to write.
    ///   - name: The model's name in the metadata; defaults to the folder's name.
    ///   - source: Where the model came from, for the metadata; defaults to the folder's path.
    ///   - storage: fp32 (default) or fp16 tensors.
    /// - Returns: The metadata written.
    @discardableResult
    public static func export(
        folder: URL, to output: URL, name: String? = nil, source: String? = nil, storage: ModelFileStorage = .float32
    ) throws -> LocalModelMetadata {
        let description = try ModelDescription.load(fromFolder: folder)
        let tokenizerDefinition = try loadTokenizer(fromFolder: folder, description: description)
        let tokenizer = try tokenizerDefinition.makeTokenizer()
        guard tokenizer.vocabularySize <= description.encoder.vocabularySize else {
            throw ModelDescriptionError.invalidValue(
                folder.path, "the tokenizer produces ids up to \(tokenizer.vocabularySize - 1) but the encoder's vocabulary has \(description.encoder.vocabularySize) rows.")
        }
        let weights = try ModelDescription.loadTensors(fromFolder: folder, description: description)
        return try export(
            description: description, tokenizer: tokenizerDefinition, weights: weights,
            name: name ?? folder.standardizedFileURL.lastPathComponent, source: source ?? folder.standardizedFileURL.path,
            storage: storage, to: output)
    }

    /// Writes a model described and weighted by any importer (a sentence-transformers folder, a
    /// GGUF file) to one flat, memory-mappable file, after checking every tensor the forward pass
    /// needs against the description.
    ///
    /// - Parameters:
    ///   - weights: Every tensor of ``ModelDescription/expectedTensorShapes()``, by those names.
    ///   - storage: fp32, fp16 or int8 tensors.
    /// - Returns: The metadata written.
    @discardableResult
    public static func export(
        description: ModelDescription, tokenizer tokenizerDefinition: TokenizerDefinition, weights: some TensorSource,
        name: String, source: String, storage: ModelFileStorage, to output: URL
    ) throws -> LocalModelMetadata {
        // Checks every tensor, and finds the matrices int8 storage quantizes.
        let matrices = try SentenceEncoder.matrixNames(description: description, weights: weights)
        let metadata = LocalModelMetadata(name: name, source: source, model: description, tokenizer: tokenizerDefinition)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(metadata)
        try ModelFileWriter.write(
            metadata: json, tensors: weights, names: description.expectedTensorShapes().map(\.name),
            storage: storage, quantizing: matrices, to: output)
        return metadata
    }

    /// Runs `work` on the model's queue and returns its result to the caller's task.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Self.run(work, on: queue)
    }

    /// Runs tokenizer-only `work` on ``tokenizerQueue`` and returns its result to the caller's task.
    func runTokenizer<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await Self.run(work, on: tokenizerQueue)
    }

    private static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T, on queue: DispatchQueue) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
