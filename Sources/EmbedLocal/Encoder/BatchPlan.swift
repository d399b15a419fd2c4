/// How a call's sequences are split into chunks that threads run independently.
///
/// Sequences are sorted by length (longest first) and cut into contiguous chunks of about equal
/// estimated cost, so two threads finish together. The chunk count is a multiple of the worker
/// count and large enough to keep each chunk near `tokensPerChunk` tokens, which bounds scratch
/// memory whatever the call's size.
struct BatchPlan: Equatable {
    /// Input indices per chunk, longest sequence first.
    let chunks: [[Int]]

    /// Plans chunks for sequences of the given lengths.
    ///
    /// - Parameters:
    ///   - lengths: Token count of each sequence (positive).
    ///   - workers: Threads available.
    ///   - tokensPerChunk: Soft cap on tokens per chunk.
    ///   - hiddenSize: The model's hidden size (for the cost estimate).
    ///   - intermediateSize: The model's feed-forward size (for the cost estimate).
    init(lengths: [Int], workers: Int, tokensPerChunk: Int, hiddenSize: Int, intermediateSize: Int) {
        guard !lengths.isEmpty else {
            chunks = []
            return
        }
        // Multiply-adds per sequence: the linear layers cost 4H² + 2HF per token, attention
        // 2·L·H per token (QKᵀ and PV).
        let perToken = Double(4 * hiddenSize * hiddenSize + 2 * hiddenSize * intermediateSize)
        func cost(_ length: Int) -> Double { Double(length) * (perToken + Double(2 * length * hiddenSize)) }

        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        let totalTokens = lengths.reduce(0, +)
        let workers = Swift.max(1, workers)
        let bySize = (totalTokens + Swift.max(1, tokensPerChunk) - 1) / Swift.max(1, tokensPerChunk)
        let rounds = (bySize + workers - 1) / workers
        let target = Swift.min(lengths.count, Swift.max(workers, rounds * workers))

        let totalCost = order.reduce(0) { $0 + cost(lengths[$1]) }
        var chunks: [[Int]] = []
        var current: [Int] = []
        var accumulated = 0.0
        for index in order {
            current.append(index)
            accumulated += cost(lengths[index])
            let boundary = totalCost * Double(chunks.count + 1) / Double(target)
            if accumulated >= boundary * (1 - 1e-12), chunks.count < target - 1 {
                chunks.append(current)
                current = []
            }
        }
        if !current.isEmpty { chunks.append(current) }
        self.chunks = chunks
    }
}
