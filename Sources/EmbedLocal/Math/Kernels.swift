/// The element-wise steps between matrix products, fused so each makes one pass over memory.
///
/// All work on row-major matrices through raw pointers: callers own the buffers and guarantee
/// their sizes (each function states what it reads and writes). The loops are plain scalar code
/// without traps so the optimizer vectorizes them; reductions keep a single accumulator per row,
/// which for rows of a few hundred values is as accurate as PyTorch's.
enum Kernels {
    /// Adds `bias` to every row and multiplies by `scale`: `m[r][c] = (m[r][c] + bias[c]) · scale`.
    static func addBias(_ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int,
                        bias: UnsafePointer<Float>, scale: Float = 1) {
        for row in 0..<rows {
            let values = matrix + row * columns
            for index in 0..<columns { values[index] = (values[index] + bias[index]) * scale }
        }
    }

    /// Applies a BERT hidden activation in place to `count` contiguous values.
    static func activateHidden(_ values: UnsafeMutablePointer<Float>, count: Int, activation: Bert.Activation) {
        switch activation {
        case .gelu: for index in 0..<count { values[index] = VectorMath.gelu(values[index]) }
        case .geluTanh: for index in 0..<count { values[index] = VectorMath.geluTanh(values[index]) }
        case .relu: for index in 0..<count { values[index] = VectorMath.relu(values[index]) }
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
                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float) {
        for row in 0..<rows {
            normalizeRow(matrix + row * columns, columns: columns, gamma: gamma, beta: beta, epsilon: epsilon)
        }
    }

    /// LayerNorm of one row in place (two passes: mean, then centred sum of squares).
    @inline(__always)
    static func normalizeRow(_ x: UnsafeMutablePointer<Float>, columns: Int,
                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float) {
        var total: Float = 0
        for index in 0..<columns { total += x[index] }
        let mean = total / Float(columns)
        var squares: Float = 0
        for index in 0..<columns {
            let centred = x[index] - mean
            squares += centred * centred
        }
        let inverseDeviation = 1 / (squares / Float(columns) + epsilon).squareRoot()
        for index in 0..<columns {
            x[index] = (x[index] - mean) * inverseDeviation * gamma[index] + beta[index]
        }
    }

    /// Softmax of one row of attention scores in place, `softmax(scale · row)`, over the first
    /// `validCount` entries; the rest are masked keys and get weight exactly 0 (what the −inf /
    /// fp32-min mask bias gives).
    ///
    /// - Precondition: `1 <= validCount <= count` and `scale > 0`.
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int, validCount: Int, scale: Float = 1) {
        precondition(validCount >= 1 && validCount <= count, "softmax needs at least one unmasked key")
        var maximum = row[0]
        for index in 1..<validCount where row[index] > maximum { maximum = row[index] }
        let shift = maximum * scale
        for index in 0..<validCount { row[index] = VectorMath.expNonPositive(row[index] * scale - shift) }
        var total: Float = 0
        for index in 0..<validCount { total += row[index] }
        let inverse = 1 / total
        for index in 0..<validCount { row[index] *= inverse }
        for index in validCount..<count { row[index] = 0 }
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
