import EmbedCore
import Foundation
import Synchronization

/// Turns token ids into sentence embeddings with a sentence-transformers model on the CPU,
/// matching sentence-transformers within 1e-6 per component on the reference sets.
///
/// The pipeline is the model's own: the encoder of its architecture (`last_hidden_state`, no
/// pooler), pooling, the Dense
/// layers, Normalize — whatever ``ModelDescription`` lists. Weights are read where the
/// ``TensorSource`` keeps them (a memory-mapped file), never copied.
///
/// Performance: a call's sequences are sorted by length and packed without padding, so every
/// linear layer is one GEMM over all real tokens and attention runs per sequence. Chunks of
/// about equal cost run on ``Options/threadCount`` threads at once with OpenBLAS
/// single-threaded, which outperforms one multi-threaded GEMM on small CPUs; a lone long text
/// instead has each step split between the threads. `encode` blocks the calling thread; call it
/// off Swift's cooperative pool.
///
/// - Note: Creating an encoder sets OpenBLAS to one thread for the whole process (once).
public final class SentenceEncoder: Sendable {
    /// How an encoder uses the machine.
    public struct Options: Sendable, Hashable {
        /// Threads a call may use; defaults to ``AvailableCores/count``.
        public var threadCount: Int
        /// Soft cap on tokens per chunk (each thread's scratch memory grows with it: about
        /// 6·hidden + the feed-forward width floats per token); `nil` is the model's default,
        /// ``defaultTokensPerChunk`` or, for int8 weights, ``defaultInt8TokensPerChunk``.
        public var tokensPerChunk: Int?

        /// Chunks of fp32 models: 2,048 tokens used 26 MB more for no measurable speed.
        public static let defaultTokensPerChunk = 1024
        /// Chunks of int8 models: half the scratch memory, and as fast or faster, since the int8
        /// products need fewer rows to run at full speed (Benchmarks/README.md).
        public static let defaultInt8TokensPerChunk = 512

        /// The environment variable that sets the int8 models' second-pass threshold (see
        /// `embed_int8_residual.h`): a number in 0...1; checked by ``init(threadCount:environment:)``.
        public static let int8ResidualVariable = "EMBED_INT8_RESIDUAL"

        /// The threshold `value` sets, or `nil` when it is not a number in 0...1.
        static func int8ResidualThreshold(_ value: String) -> Float? {
            guard let number = Float(value.trimmingCharacters(in: .whitespaces)), (0...1).contains(number) else { return nil }
            return number
        }

        /// The environment variable that sets ``threadCount`` for ``init(threadCount:environment:)``.
        public static let threadCountVariable = "EMBED_THREADS"

        /// The thread counts a user may ask for (`EMBED_THREADS`, `--threads`).
        public static let allowedThreadCounts = 1...1024

        /// Creates options; `threadCount` defaults to the cores this process may use
        /// (``AvailableCores/count``: affinity and cgroup quotas included).
        public init(threadCount: Int? = nil, tokensPerChunk: Int? = nil) {
            self.threadCount = Swift.max(1, threadCount ?? AvailableCores.count)
            self.tokensPerChunk = tokensPerChunk.map { Swift.max(1, $0) }
        }

        /// Creates the options a process was configured with: `threadCount` when given (a
        /// `--threads` option), else `EMBED_THREADS` from `environment` when set, else
        /// ``AvailableCores/count`` threads.
        ///
        /// - Throws: ``SentenceEncoderError/invalidThreadCount(variable:value:)`` when it comes to
        ///   `EMBED_THREADS` and that is not a whole number in ``allowedThreadCounts``, rather than
        ///   quietly running with a count nobody chose.
        public init(threadCount explicit: Int? = nil, environment: [String: String]) throws(SentenceEncoderError) {
            if let value = environment[Self.int8ResidualVariable], Self.int8ResidualThreshold(value) == nil {
                throw .invalidSetting(
                    variable: Self.int8ResidualVariable, value: value,
                    expected: "a number from 0 (a second pass for every token) to 1 (none), or unset for the default 1e-3")
            }
            if let explicit {
                self.init(threadCount: explicit)
                return
            }
            guard let value = environment[Self.threadCountVariable] else {
                self.init()
                return
            }
            guard let count = Int(value.trimmingCharacters(in: .whitespaces)), Self.allowedThreadCounts.contains(count) else {
                throw .invalidThreadCount(variable: Self.threadCountVariable, value: value)
            }
            self.init(threadCount: count)
        }
    }

    /// The share of a token's energy its int8 quantization may lose before the token gets a
    /// second pass over the residual (int8 models only).
    static let int8ResidualThreshold: Float = ProcessInfo.processInfo.environment[Options.int8ResidualVariable]
        .flatMap(Options.int8ResidualThreshold) ?? 1e-3

    /// Below this many tokens a lone text runs on one thread: splitting its small matrix
    /// products would cost more in hand-offs than it saves. (A hand-off is cheap while the worker
    /// team's helpers spin and dear when one must be woken; the products grow with the tokens.
    /// Benchmarks/README.md has the figures.)
    static let minimumTokensToSplit = 4

    /// The threads a lone text's steps are split over: all of them, up to one per attention head.
    static func partsForOneText(threads: Int, heads: Int) -> Int {
        Swift.max(1, Swift.min(threads, heads))
    }

    /// The model this encoder runs.
    public let modelDescription: ModelDescription
    /// How it uses the machine.
    public let options: Options

    private let model: any TokenEncoder
    private let pooler: Pooler
    private let stages: [OutputStage]
    /// The chunk size when the options leave it to the model: smaller for int8 weights.
    private let defaultTokensPerChunk: Int
    /// Scratch memory kept between calls, one per thread that has run.
    private let workspaces = Mutex<[Workspace]>([])

    /// Binds a model description to its weights.
    ///
    /// - Parameters:
    ///   - description: What to run (see ``ModelDescription/load(fromFolder:)``).
    ///   - weights: Tensors under the canonical names of
    ///     ``ModelDescription/expectedTensorShapes()``.
    ///   - options: Threads and chunk size.
    /// - Throws: ``SentenceEncoderError`` naming the first missing tensor or the tensor whose
    ///   shape differs, with both shapes.
    public convenience init(description: ModelDescription, weights: any TensorSource, options: Options = Options()) throws(SentenceEncoderError) {
        try self.init(description: description, weights: weights, options: options, matrixUses: nil)
    }

    /// The tensors the forward pass binds as matrices — every linear layer's weight and the word
    /// table —, which int8 storage quantizes. Dense heads, norms, biases and the other
    /// embedding tables are read as floats and stay fp32.
    static func matrixNames(description: ModelDescription, weights: any TensorSource) throws(SentenceEncoderError) -> Set<String> {
        let uses = MatrixUses()
        _ = try SentenceEncoder(description: description, weights: weights, options: Options(threadCount: 1), matrixUses: uses)
        return uses.recorded
    }

    private init(description: ModelDescription, weights: any TensorSource, options: Options, matrixUses: MatrixUses?) throws(SentenceEncoderError) {
        do {
            try description.validate()
        } catch {
            throw .invalidDescription(error.description)
        }
        // Check every expected tensor first, so the error names the first one in model order.
        for (name, shape) in description.expectedTensorShapes() {
            guard let found = weights.shape(of: name) else { throw .missingTensor(name: name) }
            guard found == shape else { throw .shapeMismatch(name: name, expected: shape, found: found) }
        }
        let reader = WeightReader(source: weights, matrixUses: matrixUses)
        model = try description.encoder.makeEncoder(reader)
        defaultTokensPerChunk = weights.tensorNames.contains { weights.quantized($0) != nil }
            ? Options.defaultInt8TokensPerChunk : Options.defaultTokensPerChunk
        pooler = Pooler(description.pooling)
        var stages: [OutputStage] = []
        var denseIndex = 0
        for module in description.outputModules {
            switch module {
            case .dense(let configuration):
                stages.append(.dense(try DenseHead(reader, index: denseIndex, configuration: configuration)))
                denseIndex += 1
            case .normalize:
                stages.append(.normalize)
            }
        }
        self.stages = stages
        self.modelDescription = description
        self.options = options
        _ = BLAS.singleThreaded
    }

    /// Opens a sentence-transformers folder: its description and its memory-mapped weights.
    ///
    /// - Throws: ``ModelDescriptionError``, ``SafetensorsError`` or ``SentenceEncoderError``.
    public convenience init(folder: URL, options: Options = Options()) throws {
        let description = try ModelDescription.load(fromFolder: folder)
        let weights = try ModelDescription.loadTensors(fromFolder: folder, description: description)
        try self.init(description: description, weights: weights, options: options)
    }

    /// The length of the vectors ``encode(_:promptLengths:)`` returns.
    public var outputDimension: Int { modelDescription.outputDimension }

    /// The most tokens one sequence may have (the encoder's positions).
    public var maximumSequenceLength: Int { modelDescription.encoder.maximumSequenceLength }

    /// Returns the sentence embedding of each token sequence, in input order.
    ///
    /// - Parameters:
    ///   - sequences: Token ids including the special tokens, already truncated to at most
    ///     ``maximumSequenceLength`` tokens.
    ///   - promptLengths: For models whose pooling excludes prompts (`include_prompt: false`),
    ///     how many leading tokens of each sequence are prompt ([CLS] included), as
    ///     sentence-transformers' `prompt_length`; ignored by other models.
    /// - Returns: One ``outputDimension``-long vector per sequence.
    /// - Throws: ``SentenceEncoderError`` for an empty or overlong sequence or an id outside the
    ///   vocabulary; nothing is computed then.
    /// - Complexity: O(*t*·(*h*² + *h*·*f*) + Σ*L*²·*h*) for *t* tokens in sequences of length *L*.
    public func encode(_ sequences: [[Int32]], promptLengths: [Int]? = nil) throws(SentenceEncoderError) -> [[Float]] {
        try validate(sequences, promptLengths: promptLengths)
        guard !sequences.isEmpty else { return [] }
        let configuration = modelDescription.encoder
        let plan = BatchPlan(lengths: sequences.map(\.count), workers: options.threadCount,
                             tokensPerChunk: options.tokensPerChunk ?? defaultTokensPerChunk, hiddenSize: configuration.hiddenSize,
                             intermediateSize: configuration.intermediateSize)
        let width = outputDimension
        let output = UnsafeMutablePointer<Float>.allocate(capacity: sequences.count * width)
        defer { output.deallocate() }
        let destination = SharedOutput(base: output)
        let workers = Swift.min(options.threadCount, plan.chunks.count)

        if workers <= 1 {
            // One worker: a single thread, or a single text. A single text has each step of
            // its forward pass split over the threads instead, when it is long enough to pay —
            // over at most one thread per attention head: the first step of every layer is cut
            // by heads, so more threads would only spin between steps (on a 64-core server, 52
            // of 64 for MiniLM's 12 heads).
            let tokens = sequences.reduce(0) { $0 + $1.count }
            let parts = tokens >= Self.minimumTokensToSplit ? Self.partsForOneText(threads: options.threadCount, heads: configuration.attentionHeadCount) : 1
            let workspace = takeWorkspace()
            for chunk in plan.chunks {
                run(chunk, of: sequences, promptLengths: promptLengths, workspace: workspace, parts: parts, into: destination)
            }
            returnWorkspace(workspace)
        } else {
            // Chunks go to the caller and its workspace's helper threads, never to Dispatch's
            // shared pool: Swift concurrency runs its tasks on that pool, and a forward pass
            // holding its threads for seconds starved every task of the process (a server's
            // request handling, concurrent tests). A part that finds no chunk left ends at once.
            let nextChunk = Atomic<Int>(0)
            let caller = takeWorkspace()
            caller.split(into: options.threadCount) { part in
                let workspace = part == 0 ? caller : takeWorkspace()
                while true {
                    let chunk = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard chunk < plan.chunks.count else { break }
                    run(plan.chunks[chunk], of: sequences, promptLengths: promptLengths, workspace: workspace, parts: 1,
                        into: destination)
                }
                if part != 0 { returnWorkspace(workspace) }
            }
            returnWorkspace(caller)
        }
        return (0..<sequences.count).map { index in
            Array(UnsafeBufferPointer(start: output + index * width, count: width))
        }
    }

    /// Encodes one chunk and writes its vectors to their input positions in `destination`.
    private func run(_ chunk: [Int], of sequences: [[Int32]], promptLengths: [Int]?,
                     workspace: Workspace, parts: Int, into destination: SharedOutput) {
        var batch = PackedBatch()
        for index in chunk { batch.append(sequences[index]) }
        model.forward(batch, workspace: workspace, parts: parts)

        let hidden = modelDescription.encoder.hiddenSize
        let rows = chunk.count
        var width = pooler.outputDimension
        let widest = stages.reduce(width) { widest, stage in
            if case .dense(let head) = stage { Swift.max(widest, head.configuration.outputDimension) } else { widest }
        }
        var current = [Float](repeating: 0, count: rows * widest)
        var next = [Float](repeating: 0, count: rows * widest)
        var accumulator = [Double](repeating: 0, count: hidden)
        current.withUnsafeMutableBufferPointer { pooled in
            accumulator.withUnsafeMutableBufferPointer { accumulator in
                guard let pooled = pooled.baseAddress, let accumulator = accumulator.baseAddress else { return }
                for (row, index) in chunk.enumerated() {
                    pooler.pool(workspace.hidden + batch.offsets[row] * hidden, length: batch.lengths[row],
                                promptLength: promptLengths?[index] ?? 0,
                                into: pooled + row * width, accumulator: accumulator)
                }
            }
        }
        for stage in stages {
            switch stage {
            case .dense(let head):
                current.withUnsafeBufferPointer { input in
                    next.withUnsafeMutableBufferPointer { output in
                        guard let input = input.baseAddress, let output = output.baseAddress else { return }
                        head.apply(input, rows: rows, into: output)
                    }
                }
                swap(&current, &next)
                width = head.configuration.outputDimension
            case .normalize:
                current.withUnsafeMutableBufferPointer { values in
                    guard let values = values.baseAddress else { return }
                    Kernels.normalizeRows(values, rows: rows, columns: width)
                }
            }
        }
        current.withUnsafeBufferPointer { vectors in
            guard let vectors = vectors.baseAddress else { return }
            for (row, index) in chunk.enumerated() {
                (destination.base + index * width).update(from: vectors + row * width, count: width)
            }
        }
    }

    private func validate(_ sequences: [[Int32]], promptLengths: [Int]?) throws(SentenceEncoderError) {
        let limit = maximumSequenceLength
        let vocabulary = modelDescription.encoder.vocabularySize
        for (index, sequence) in sequences.enumerated() {
            guard !sequence.isEmpty else { throw .emptySequence(index: index) }
            guard sequence.count <= limit else { throw .sequenceTooLong(index: index, length: sequence.count, limit: limit) }
            for (position, token) in sequence.enumerated() where token < 0 || Int(token) >= vocabulary {
                throw .tokenOutOfRange(index: index, position: position, token: token, vocabularySize: vocabulary)
            }
        }
        if let promptLengths {
            guard promptLengths.count == sequences.count else {
                throw .invalidPromptLengths("\(promptLengths.count) prompt lengths for \(sequences.count) sequences.")
            }
            if let negative = promptLengths.firstIndex(where: { $0 < 0 }) {
                throw .invalidPromptLengths("prompt length \(promptLengths[negative]) of sequence \(negative) is negative.")
            }
        }
    }

    private func takeWorkspace() -> Workspace {
        workspaces.withLock { $0.popLast() } ?? Workspace(shape: model.workspaceShape)
    }

    private func returnWorkspace(_ workspace: Workspace) {
        workspaces.withLock { $0.append(workspace) }
    }
}

/// The output matrix, written by several threads at once.
private struct SharedOutput: @unchecked Sendable {
    // @unchecked: each chunk writes only the rows of its own sequences, chunks are disjoint, and
    // the buffer outlives every worker (it is freed after the last part has finished).
    let base: UnsafeMutablePointer<Float>
}
