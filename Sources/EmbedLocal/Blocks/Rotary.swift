import Foundation

/// Rotary position embeddings in the rotate-half (GPT-NeoX) layout, as transformers applies them:
/// `x·cos + rotate_half(x)·sin` on every head, where `rotate_half(x) = (−x₂, x₁)` for the two
/// halves of a head and the angle of dimension pair `d` at position `p` is `p·θ^(−2d/headSize)`.
struct RotaryEmbedding: Sendable {
    let headSize: Int
    /// `[positions × headSize/2]` each.
    private let cosines: [Float]
    private let sines: [Float]
    let positionCount: Int

    /// Precomputes the angles of `positions` positions for base `theta`, in float32 as
    /// transformers does (`inv_freq = 1 / θ^(2d/dim)`, then `position · inv_freq`), so angles at
    /// long positions round where PyTorch's do.
    init(headSize: Int, theta: Float, positions: Int) {
        let half = headSize / 2
        let inverseFrequencies: [Float] = (0..<half).map { pair in
            1 / powf(theta, Float(2 * pair) / Float(headSize))
        }
        var cosines = [Float](repeating: 0, count: positions * half)
        var sines = [Float](repeating: 0, count: positions * half)
        for position in 0..<positions {
            for pair in 0..<half {
                let angle = Float(position) * inverseFrequencies[pair]
                cosines[position * half + pair] = Float(cos(Double(angle)))
                sines[position * half + pair] = Float(sin(Double(angle)))
            }
        }
        self.headSize = headSize
        self.cosines = cosines
        self.sines = sines
        positionCount = positions
    }

    /// Rotates the heads `heads` of every packed token of `matrix` (`[tokens × stride]`, heads
    /// side by side), positions restarting at 0 for each sequence.
    func apply(_ matrix: UnsafeMutablePointer<Float>, stride: Int, batch: PackedBatch, heads: Range<Int>) {
        let half = headSize / 2
        cosines.withUnsafeBufferPointer { cosines in
            sines.withUnsafeBufferPointer { sines in
                for sequence in 0..<batch.count {
                    let offset = batch.offsets[sequence]
                    for position in 0..<batch.lengths[sequence] {
                        let cos = cosines.baseAddress! + position * half
                        let sin = sines.baseAddress! + position * half
                        let row = matrix + (offset + position) * stride
                        for head in heads {
                            let x = row + head * headSize
                            for pair in 0..<half {
                                let first = x[pair], second = x[pair + half]
                                x[pair] = first * cos[pair] - second * sin[pair]
                                x[pair + half] = second * cos[pair] + first * sin[pair]
                            }
                        }
                    }
                }
            }
        }
    }
}
