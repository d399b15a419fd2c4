import CEmbedKernels

/// Sequences packed back to back, with no padding: every linear layer then runs as one GEMM over
/// all real tokens, and attention runs per sequence, so no work is spent on pad tokens and no
/// mask is needed.
struct PackedBatch {
    /// The token ids of all sequences, concatenated.
    var tokens: [Int32] = []
    /// Where each sequence starts in `tokens`.
    var offsets: [Int] = []
    /// How many tokens each sequence has.
    var lengths: [Int] = []

    /// Number of sequences.
    var count: Int { lengths.count }
    /// Number of tokens over all sequences.
    var tokenCount: Int { tokens.count }
    /// The longest sequence's length.
    var longest: Int { lengths.max() ?? 0 }

    /// Appends a sequence.
    mutating func append(_ sequence: [Int32]) {
        offsets.append(tokens.count)
        lengths.append(sequence.count)
        tokens.append(contentsOf: sequence)
    }
}

/// The buffer sizes an encoder's forward pass needs per token.
struct WorkspaceShape: Sendable, Hashable {
    /// Width of the hidden states (and of Q, K, V and the attention context).
    var hiddenSize: Int
    /// Width of the feed-forward scratch per token (twice the intermediate size for gated FFNs,
    /// whose up-projection holds value and gate side by side).
    var feedForwardWidth: Int
    /// Width of one attention head.
    var headSize: Int
    /// Attention heads per layer.
    var headCount: Int
    /// Whether attention adds a bias that depends on the relative position (MPNet, or a
    /// sliding window): the workspace then holds one bias row per head.
    var usesPositionBias: Bool = false
    /// Whether the pass needs a second hidden-sized buffer (``Workspace/normalized``): pre-norm
    /// blocks normalize a copy of the hidden states. Post-norm ones do not pay for it.
    var usesNormalizedCopy: Bool = false
}

/// Scratch memory for one thread's forward passes, grown on demand and reused across layers and
/// chunks so the hot path never allocates.
final class Workspace: @unchecked Sendable {
    // @unchecked: one thread uses a workspace at a time; the encoder hands it from thread to
    // thread only through its mutex-guarded pool.
    let shape: WorkspaceShape
    private(set) var tokenCapacity = 0
    private(set) var scratchCapacity = 0
    private(set) var scratchStride = 0
    private(set) var biasCapacity = 0

    /// `[tokens × hidden]`: the hidden states, updated in place layer by layer.
    private(set) var hidden = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// `[tokens × hidden]` each: Q, K and V. The attention context overwrites Q head by head
    /// (each query row is consumed before its context row is written), saving a buffer.
    private(set) var query = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var key = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private(set) var value = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// `[tokens × hidden]` when ``WorkspaceShape/usesNormalizedCopy``: a second hidden-sized
    /// buffer (pre-norm blocks normalize into it).
    private(set) var normalized = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// `[tokens × feedForwardWidth]`: the feed-forward activations.
    private(set) var intermediate = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// `[heads × (2·longest − 1)]`: each head's additive attention bias by relative position
    /// `j − i`, centred (see ``positionBias(head:)``).
    private(set) var positionBiases = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// The longest sequence the position biases were laid out for.
    private(set) var biasLongest = 0
    /// `parts ×` the attention kernel's scratch for the longest sequence.
    private var scratch = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    /// The threads that split a lone text's steps, started on first use.
    private var team: WorkerTeam?

    init(shape: WorkspaceShape) {
        self.shape = shape
    }

    deinit {
        for buffer in [hidden, query, key, value, normalized, intermediate, positionBiases, scratch] { buffer.deallocate() }
    }

    /// Runs `body(part)` for every part in `0..<parts`, part 0 on the calling thread and the
    /// others on this workspace's helper threads (started on first use), and returns when all
    /// have finished. One part runs inline.
    func split(into parts: Int, _ body: (Int) -> Void) {
        guard parts > 1 else { return body(0) }
        if team?.size != parts { team = WorkerTeam(size: parts) }
        team.unsafelyUnwrapped.forEach(body)
    }

    /// The attention kernel's scratch memory of part `part`.
    func scratch(part: Int) -> UnsafeMutablePointer<Float> { scratch + part * scratchStride }

    /// Head `head`'s bias row, pointing at relative position 0: element `d` (for `d` in
    /// `−(longest − 1)...(longest − 1)`) is the bias a query adds to the key `d` places after it.
    func positionBias(head: Int) -> UnsafeMutablePointer<Float> {
        positionBiases + head * (2 * biasLongest - 1) + (biasLongest - 1)
    }

    /// Makes room for `tokens` packed tokens whose longest sequence has `longest` tokens,
    /// processed by `parts` threads at once.
    func reserve(tokens: Int, longest: Int, parts: Int) {
        if tokens > tokenCapacity {
            let capacity = Swift.max(tokens, tokenCapacity + tokenCapacity / 2)
            for buffer in [hidden, query, key, value, normalized, intermediate] { buffer.deallocate() }
            hidden = .allocate(capacity: capacity * shape.hiddenSize)
            query = .allocate(capacity: capacity * shape.hiddenSize)
            key = .allocate(capacity: capacity * shape.hiddenSize)
            value = .allocate(capacity: capacity * shape.hiddenSize)
            normalized = .allocate(capacity: shape.usesNormalizedCopy ? capacity * shape.hiddenSize : 1)
            intermediate = .allocate(capacity: capacity * shape.feedForwardWidth)
            tokenCapacity = capacity
        }
        let stride = embed_attention_scratch_count(longest, shape.headSize)
        if stride * parts > scratchCapacity {
            scratch.deallocate()
            scratch = .allocate(capacity: stride * parts)
            scratchCapacity = stride * parts
        }
        scratchStride = stride
        if shape.usesPositionBias {
            let needed = shape.headCount * Swift.max(1, 2 * longest - 1)
            if needed > biasCapacity {
                positionBiases.deallocate()
                positionBiases = .allocate(capacity: needed)
                biasCapacity = needed
            }
            biasLongest = Swift.max(1, longest)
        }
    }
}
