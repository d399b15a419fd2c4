import EmbedCore
import Synchronization

/// A deterministic stand-in for a model: whitespace tokens hashed to ids, ids hashed to
/// pseudo-random vectors, summed. Vectors are deliberately *not* unit length, so tests can tell
/// whether a route normalized them.
///
/// Test hooks: an artificial delay per call, a gate that holds calls until opened, a record of
/// every call (batch sizes, options), the text `FAIL` makes a call throw (`UPSTREAM_…` as a remote
/// service's error, see ``RemoteFailure``), `SHORT` makes it return
/// one embedding too few, and token ids at or above ``vocabularySize`` are rejected.
final class HashingEmbedder: TokenizingEmbedder, Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// What a hosted provider's error says about its service: the texts `UPSTREAM_DOWN`,
    /// `UPSTREAM_TIMEOUT` and `UPSTREAM_429` make a call throw one.
    struct RemoteFailure: UpstreamError, CustomStringConvertible {
        let upstreamFailure: UpstreamFailure?
        var description: String { "the remote test service failed (\(String(describing: upstreamFailure)))" }

        static let triggers: [String: UpstreamFailure] = [
            "UPSTREAM_DOWN": .failed, "UPSTREAM_TIMEOUT": .timedOut, "UPSTREAM_429": .rateLimited,
        ]
    }

    static let cls = 1
    static let sep = 2
    static let vocabularySize = 30_000

    let modelName: String
    let dimensions: Int?
    let maxSequenceLength: Int
    let delay: Duration
    let gate: Gate?

    private struct State {
        var batchSizes: [Int] = []
        var options: [EmbeddingOptions] = []
        var started = 0
        var tokenizedTexts = 0
        var textCalls = 0
    }
    private let state = Mutex(State())

    init(modelName: String = "hash-embed", dimensions: Int = 8, maxSequenceLength: Int = 16, delay: Duration = .zero, gate: Gate? = nil) {
        self.modelName = modelName
        self.dimensions = dimensions
        self.maxSequenceLength = maxSequenceLength
        self.delay = delay
        self.gate = gate
    }

    /// The number of inputs of every call so far, in call order.
    var batchSizes: [Int] { state.withLock { $0.batchSizes } }
    /// The number of calls so far.
    var callCount: Int { batchSizes.count }
    /// The number of calls that have started (including those still held by the gate).
    var startedCalls: Int { state.withLock { $0.started } }
    /// How many texts ``prepare(_:options:)`` has tokenized.
    var tokenizedTexts: Int { state.withLock { $0.tokenizedTexts } }
    /// How many calls embedded texts directly, tokenizing them on the way.
    var textCalls: Int { state.withLock { $0.textCalls } }
    /// The options of every call so far.
    var recordedOptions: [EmbeddingOptions] { state.withLock { $0.options } }

    func tokenize(_ texts: [String]) async throws -> [[Int]] {
        texts.map(Self.ids(of:))
    }

    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        state.withLock { $0.textCalls += 1 }
        if texts.contains("FAIL") { try await record(texts.count, options); throw Failure(description: "the test engine was told to fail") }
        if let failure = texts.lazy.compactMap({ RemoteFailure.triggers[$0] }).first {
            try await record(texts.count, options)
            throw RemoteFailure(upstreamFailure: failure)
        }
        var embeddings = try await embed(tokenIDs: texts.map(Self.ids(of:)), options: options)
        if texts.contains("SHORT") { embeddings.removeLast() }
        return embeddings
    }

    /// Whitespace tokens of the options' explicit prompt and the text, cut like ``embed(tokenIDs:options:)``.
    func prepare(_ texts: [String], options: EmbeddingOptions) async throws -> [PreparedText] {
        state.withLock { $0.tokenizedTexts += texts.count }
        return texts.map { text in
            let ids = Self.ids(of: (options.prompt ?? "") + text)
            return PreparedText(ids: truncated(ids), inputTokens: ids.count)
        }
    }

    /// The same triggers as ``embed(_:options:)``, recognised by their ids.
    func embed(prepared: [PreparedText], options: EmbeddingOptions) async throws -> [Embedding] {
        let sequences = prepared.map(\.ids)
        if sequences.contains(Self.ids(of: "FAIL")) {
            try await record(prepared.count, options)
            throw Failure(description: "the test engine was told to fail")
        }
        if let failure = RemoteFailure.triggers.first(where: { sequences.contains(Self.ids(of: $0.key)) })?.value {
            try await record(prepared.count, options)
            throw RemoteFailure(upstreamFailure: failure)
        }
        try await record(prepared.count, options)
        var embeddings = prepared.map { text in
            Embedding(
                vector: Self.vector(of: text.ids, dimensions: dimensions ?? 8),
                tokenCount: text.ids.count, inputTokenCount: text.inputTokens, isTruncated: text.isTruncated)
        }
        if sequences.contains(Self.ids(of: "SHORT")) { embeddings.removeLast() }
        return embeddings
    }

    private func truncated(_ ids: [Int]) -> [Int] {
        ids.count > maxSequenceLength ? Array(ids.prefix(maxSequenceLength - 1)) + [ids[ids.count - 1]] : ids
    }

    func embed(tokenIDs: [[Int]], options: EmbeddingOptions) async throws -> [Embedding] {
        try await record(tokenIDs.count, options)
        if let bad = tokenIDs.joined().first(where: { $0 >= Self.vocabularySize }) {
            throw Failure(description: "token id \(bad) is outside the vocabulary (size \(Self.vocabularySize))")
        }
        return tokenIDs.map { ids in
            let kept = truncated(ids)
            return Embedding(
                vector: Self.vector(of: kept, dimensions: dimensions ?? 8),
                tokenCount: kept.count, inputTokenCount: ids.count, isTruncated: kept.count < ids.count
            )
        }
    }

    private func record(_ count: Int, _ options: EmbeddingOptions) async throws {
        state.withLock { $0.started += 1 }
        if let gate { await gate.wait() }
        if delay > .zero { try await Task.sleep(for: delay) }
        state.withLock {
            $0.batchSizes.append(count)
            $0.options.append(options)
        }
    }

    // MARK: The "model"

    static func ids(of text: String) -> [Int] {
        [cls] + text.split(whereSeparator: \.isWhitespace).map { word in
            3 + Int(fnv1a(word.utf8) % UInt64(vocabularySize - 3))
        } + [sep]
    }

    /// The vector the engine computes for token ids (no truncation).
    static func vector(of ids: [Int], dimensions: Int) -> [Float] {
        var sum = [Float](repeating: 0, count: dimensions)
        for id in ids {
            var seed = UInt64(id) &* 0x9E37_79B9_7F4A_7C15
            for d in 0..<dimensions {
                seed = splitmix(&seed)
                sum[d] += Float(Double(seed >> 11) / Double(1 << 53)) * 2 - 1
            }
        }
        return sum
    }

    private static func splitmix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private static func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}

/// The same engine seen only as an `Embedder`: no tokenizer, so no token-id inputs and no token
/// counts before embedding.
struct PlainEmbedder: Embedder {
    let base: HashingEmbedder
    var modelName: String { base.modelName }
    var dimensions: Int? { base.dimensions }
    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        try await base.embed(texts, options: options)
    }
}

/// Holds callers until opened.
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
