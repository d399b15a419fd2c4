/// Reduces one sequence's token vectors to its pooled vector, as sentence-transformers'
/// `Pooling.forward` does for a right-padded batch.
///
/// Only the sequence's real tokens are read (the batch is packed, so there are no pads), which
/// is what the attention mask achieves in sentence-transformers: `max` sees no pad values,
/// `lasttoken` takes the last real token, `weightedmean` weighs positions 1, 2, … from [CLS].
struct Pooler: Sendable {
    let modes: [PoolingConfiguration.Mode]
    let dimension: Int
    let includesPrompt: Bool

    init(_ configuration: PoolingConfiguration) {
        modes = configuration.modes
        dimension = configuration.embeddingDimension
        includesPrompt = configuration.includesPrompt
    }

    /// Width of the pooled vector.
    var outputDimension: Int { modes.count * dimension }

    /// Writes the pooled vector of one sequence.
    ///
    /// - Parameters:
    ///   - tokens: `length × dimension` token vectors.
    ///   - length: The number of tokens, at least 1.
    ///   - promptLength: Leading tokens ([CLS] and the prompt's pieces) that do not take part in
    ///     pooling when the model excludes prompts; ignored otherwise. At most `length − 1` are
    ///     left out, so the last token always counts.
    ///   - output: Room for ``outputDimension`` floats.
    ///   - accumulator: Room for `dimension` doubles of scratch.
    func pool(_ tokens: UnsafePointer<Float>, length: Int, promptLength: Int,
              into output: UnsafeMutablePointer<Float>, accumulator: UnsafeMutablePointer<Double>) {
        let first = includesPrompt ? 0 : Swift.min(Swift.max(promptLength, 0), length - 1)
        let count = length - first
        for (slot, mode) in modes.enumerated() {
            let out = output + slot * dimension
            switch mode {
            case .cls:
                // sentence-transformers takes the first token its mask keeps.
                out.update(from: tokens + first * dimension, count: dimension)
            case .lastToken:
                out.update(from: tokens + (length - 1) * dimension, count: dimension)
            case .max:
                out.update(from: tokens + first * dimension, count: dimension)
                for row in (first + 1)..<length {
                    let vector = tokens + row * dimension
                    for index in 0..<dimension where vector[index] > out[index] { out[index] = vector[index] }
                }
            case .mean, .meanSquareRootLength:
                sum(tokens, rows: first..<length, weighted: false, into: accumulator)
                let divisor = mode == .mean ? Double(count) : Double(count).squareRoot()
                for index in 0..<dimension { out[index] = Float(accumulator[index] / divisor) }
            case .weightedMean:
                sum(tokens, rows: first..<length, weighted: true, into: accumulator)
                // Σ (p + 1) for p in first..<length
                let weights = Double(length * (length + 1) / 2 - first * (first + 1) / 2)
                for index in 0..<dimension { out[index] = Float(accumulator[index] / weights) }
            }
        }
    }

    /// Sums rows (each weighted by its 1-based position when `weighted`) in `Double`.
    private func sum(_ tokens: UnsafePointer<Float>, rows: Range<Int>, weighted: Bool,
                     into accumulator: UnsafeMutablePointer<Double>) {
        accumulator.update(repeating: 0, count: dimension)
        for row in rows {
            let vector = tokens + row * dimension
            let weight = weighted ? Double(row + 1) : 1
            for index in 0..<dimension { accumulator[index] += weight * Double(vector[index]) }
        }
    }
}
