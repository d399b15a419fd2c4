import CEmbedKernels
import Foundation

/// The element-wise steps between matrix products, fused so each makes one pass over memory.
///
/// All work on row-major matrices through raw pointers: callers own the buffers and guarantee
/// their sizes (each function states what it reads and writes). The loops are plain scalar code
/// without traps so the optimizer vectorizes them; reductions interleave eight partial sums,
/// which vectorizes too and is as accurate as PyTorch's own float reductions.
enum Kernels {
    /// `EMBED_KERNELS`, lowercased: the instruction set a user forces, for both kinds of kernel.
    private static let forced = ProcessInfo.processInfo.environment["EMBED_KERNELS"]?.lowercased()

    /// The instruction set of the C kernels (attention, GELU, few-row products): the best this
    /// CPU has, unless the environment sets `EMBED_KERNELS=portable` (to compare, or to rule the
    /// AVX2 code out).
    static let instructionSet: embed_kernels_isa = forced == "portable" ? EMBED_KERNELS_PORTABLE : embed_kernels_best_isa()

    /// Whether int8 weights run as fp32: this CPU has no int8 dot products, and the portable
    /// int8 kernel is slower than fp32 BLAS (`EMBED_KERNELS=portable` alone does not do this).
    static let int8RunsInFloat = embed_int8_best_isa() == EMBED_INT8_PORTABLE

    /// The instruction set of the int8 products, chosen the same way; `EMBED_KERNELS=avx2` or
    /// `avx-vnni` also picks a lesser x86 set the CPU has (to measure what CPUs without
    /// AVX-512 VNNI get).
    static let int8InstructionSet: embed_int8_isa = {
        let lesser: [String: embed_int8_isa] = ["portable": EMBED_INT8_PORTABLE, "avx2": EMBED_INT8_AVX2, "avx-vnni": EMBED_INT8_AVX_VNNI]
        if let set = forced.flatMap({ lesser[$0] }), embed_int8_supports(set) != 0 { return set }
        return embed_int8_best_isa()
    }()

    /// Applies a BERT hidden activation in place to `count` contiguous values.
    static func activateHidden(_ values: UnsafeMutablePointer<Float>, count: Int, activation: HiddenActivation) {
        switch activation {
        case .gelu: embed_gelu(instructionSet, values, count)
        case .geluTanh: for index in 0..<count { values[index] = VectorMath.geluTanh(values[index]) }
        case .relu: for index in 0..<count { values[index] = VectorMath.relu(values[index]) }
        case .silu: for index in 0..<count { values[index] = values[index] * VectorMath.sigmoid(values[index]) }
        }
    }

    /// Applies a Dense-head activation in place to `count` contiguous values.
    static func activate(_ values: UnsafeMutablePointer<Float>, count: Int, activation: DenseConfiguration.Activation) {
        switch activation {
        case .identity: return
        case .tanh: for index in 0..<count { values[index] = VectorMath.tanh(values[index]) }
        case .relu: for index in 0..<count { values[index] = VectorMath.relu(values[index]) }
        case .gelu: for index in 0..<count { values[index] = VectorMath.gelu(values[index]) }
        case .sigmoid: for index in 0..<count { values[index] = VectorMath.sigmoid(values[index]) }
        }
    }

    /// Normalizes each row in place: `(x − mean) / sqrt(variance + epsilon) · gamma + beta`, with
    /// the biased variance (divided by `columns`), as `torch.nn.LayerNorm`.
    static func layerNorm(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?, epsilon: Float) {
        for row in 0..<rows {
            normalizeRow(matrix + row * columns, columns: columns, gamma: gamma, beta: beta, epsilon: epsilon)
        }
    }

    /// LayerNorm of one row in place (two passes: mean, then centred sum of squares).
    @inline(__always)
    static func normalizeRow(_ x: UnsafeMutablePointer<Float>, columns: Int,
                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>?, epsilon: Float) {
        let mean = sum(x, count: columns) / Float(columns)
        let variance = sumOfSquares(x, count: columns, centredOn: mean) / Float(columns)
        let inverseDeviation = 1 / (variance + epsilon).squareRoot()
        if let beta {
            for index in 0..<columns {
                x[index] = (x[index] - mean) * inverseDeviation * gamma[index] + beta[index]
            }
        } else {
            for index in 0..<columns {
                x[index] = (x[index] - mean) * inverseDeviation * gamma[index]
            }
        }
    }

    /// Returns the sum of `count` values, accumulated in eight interleaved partial sums (which
    /// the optimizer turns into vector adds, and which round no worse than one running sum).
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var index = 0
        while index + 8 <= count {
            s0 += x[index]; s1 += x[index + 1]; s2 += x[index + 2]; s3 += x[index + 3]
            s4 += x[index + 4]; s5 += x[index + 5]; s6 += x[index + 6]; s7 += x[index + 7]
            index += 8
        }
        var total = ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7))
        while index < count {
            total += x[index]
            index += 1
        }
        return total
    }

    /// Returns `Σ (x − centre)²` over `count` values, in eight interleaved partial sums.
    @inline(__always)
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int, centredOn centre: Float) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var index = 0
        while index + 8 <= count {
            let d0 = x[index] - centre, d1 = x[index + 1] - centre, d2 = x[index + 2] - centre, d3 = x[index + 3] - centre
            let d4 = x[index + 4] - centre, d5 = x[index + 5] - centre, d6 = x[index + 6] - centre, d7 = x[index + 7] - centre
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
            s4 += d4 * d4; s5 += d5 * d5; s6 += d6 * d6; s7 += d7 * d7
            index += 8
        }
        var total = ((s0 + s4) + (s1 + s5)) + ((s2 + s6) + (s3 + s7))
        while index < count {
            let d = x[index] - centre
            total += d * d
            index += 1
        }
        return total
    }

    /// Scales each row to unit Euclidean length, `x / max(‖x‖₂, 1e-12)`, as
    /// `torch.nn.functional.normalize` (the sum of squares accumulates in `Double`).
    static func normalizeRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for row in 0..<rows {
            let x = matrix + row * columns
            var squares = 0.0
            for index in 0..<columns { squares += Double(x[index]) * Double(x[index]) }
            let divisor = Float(Swift.max(squares.squareRoot(), 1e-12))
            for index in 0..<columns { x[index] /= divisor }
        }
    }
}
