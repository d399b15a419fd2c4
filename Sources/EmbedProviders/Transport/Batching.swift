/// A provider's per-request limits.
struct BatchLimits: Sendable, Hashable {
    /// Most inputs in one request.
    var maxItems: Int
    /// Most tokens summed over one request (OpenAI 300,000; Vertex AI 20,000), estimated.
    var maxTokens: Int?
    /// The most tokens one input counts for, when the server truncates longer inputs.
    var maxTokensPerItem: Int?

    init(maxItems: Int, maxTokens: Int? = nil, maxTokensPerItem: Int? = nil) {
        self.maxItems = max(1, maxItems)
        self.maxTokens = maxTokens
        self.maxTokensPerItem = maxTokensPerItem
    }

    /// The same limits with `batchSize` items per request when given.
    func overriding(batchSize: Int?) -> BatchLimits {
        guard let batchSize else { return self }
        return BatchLimits(maxItems: batchSize, maxTokens: maxTokens, maxTokensPerItem: maxTokensPerItem)
    }
}

/// Splits inputs into requests and runs them with bounded concurrency, reassembling the results
/// in input order.
enum Batching {
    /// A conservative token estimate without the provider's tokenizer: one token per 3 UTF-8
    /// bytes. BPE vocabularies average about 4 bytes per token in English and about 3 per CJK
    /// character, so this over-counts and batches stay under the limit.
    static func estimatedTokens(_ text: String, cap: Int?) -> Int {
        let estimate = max(1, (text.utf8.count + 2) / 3)
        return cap.map { min(estimate, $0) } ?? estimate
    }

    /// Consecutive index ranges covering `texts`, each within `limits`. A single input over the
    /// token budget still gets its own request (the server decides what to do with it).
    static func ranges(for texts: [String], limits: BatchLimits) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var tokens = 0
        for (index, text) in texts.enumerated() {
            let cost = limits.maxTokens == nil ? 0 : estimatedTokens(text, cap: limits.maxTokensPerItem)
            let full = index - start >= limits.maxItems
            let overBudget = limits.maxTokens.map { index > start && tokens + cost > $0 } ?? false
            if full || overBudget {
                ranges.append(start..<index)
                start = index
                tokens = 0
            }
            tokens += cost
        }
        if start < texts.count { ranges.append(start..<texts.count) }
        return ranges
    }

    /// Runs `body` for every range with at most `maxConcurrency` in flight and concatenates the
    /// results in range order. The first error cancels the remaining batches and is rethrown.
    static func run<T: Sendable>(
        _ ranges: [Range<Int>], maxConcurrency: Int, _ body: @escaping @Sendable (Range<Int>) async throws -> [T]
    ) async throws -> [T] {
        if ranges.count == 1, let only = ranges.first { return try await body(only) }
        return try await withThrowingTaskGroup(of: (Int, [T]).self) { group in
            var results = [[T]](repeating: [], count: ranges.count)
            var next = 0
            let width = max(1, maxConcurrency)
            while next < min(width, ranges.count) {
                let index = next
                group.addTask { (index, try await body(ranges[index])) }
                next += 1
            }
            while let (index, batch) = try await group.next() {
                results[index] = batch
                if next < ranges.count {
                    let index = next
                    group.addTask { (index, try await body(ranges[index])) }
                    next += 1
                }
            }
            return results.flatMap { $0 }
        }
    }
}
