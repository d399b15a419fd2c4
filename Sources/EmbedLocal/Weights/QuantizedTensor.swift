import CEmbedKernels
import Foundation

/// A matrix stored as int8 with one fp32 scale per row: `value[r][c] = scales[r] · values[r][c]`,
/// symmetric (no zero point), values in [-127, 127]. The linear layers' weights (a row per output
/// feature) and the word table (a row per token) of an int8 model file.
public struct QuantizedTensor: @unchecked Sendable {
    // @unchecked: both pointers point into memory `owner` keeps alive (the file mapping, or an
    // allocation of its own) and are never written through.

    /// `rows × columns` values, row-major.
    public let values: UnsafePointer<Int8>
    /// One scale per row.
    public let scales: UnsafePointer<Float>
    /// The number of rows.
    public let rows: Int
    /// Values per row.
    public let columns: Int
    private let owner: AnyObject

    /// A view into memory owned by `owner`.
    public init(values: UnsafePointer<Int8>, scales: UnsafePointer<Float>, rows: Int, columns: Int, owner: AnyObject) {
        self.values = values
        self.scales = scales
        self.rows = rows
        self.columns = columns
        self.owner = owner
    }

    /// The shape, `[rows, columns]`.
    public var shape: [Int] { [rows, columns] }

    /// The rows `range` as a view sharing this storage (a fused projection's Q, K or V part).
    public func rows(_ range: Range<Int>) -> QuantizedTensor {
        QuantizedTensor(values: values + range.lowerBound * columns, scales: scales + range.lowerBound,
                        rows: range.count, columns: columns, owner: owner)
    }

    /// Writes row `row`, dequantized, to `output` (`columns` floats).
    @inline(__always)
    public func dequantize(row: Int, into output: UnsafeMutablePointer<Float>) {
        let scale = scales[row]
        let source = values + row * columns
        for index in 0..<columns { output[index] = Float(source[index]) * scale }
    }

    /// Quantizes one row symmetrically: returns its scale, `max |x| / 127` (0 for a row of
    /// zeros), and writes `round(x · 127 / max |x|)`, ties to even, in [-127, 127]. Finite input.
    ///
    /// The weights are quantized by the very code that quantizes activations at run time
    /// (`embed_int8_quantize_rows`, which stores `q + 128`), so the two cannot drift apart.
    public static func quantize(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Int8>) -> Float {
        let count = row.count
        guard let values = row.baseAddress, count > 0 else { return 0 }
        return withUnsafeTemporaryAllocation(byteCount: embed_int8_activation_size(1, count), alignment: 64) { buffer in
            let base = buffer.baseAddress!  // a non-empty allocation
            embed_int8_quantize_rows(EMBED_INT8_PORTABLE, values, 1, count, count, base)
            let shifted = base.assumingMemoryBound(to: UInt8.self)
            for index in 0..<count { output[index] = Int8(Int(shifted[index]) - 128) }
            return base.load(fromByteOffset: embed_int8_activation_stride(count), as: Float.self)
        }
    }

    /// Lets the pages holding the values leave this process's memory, for a caller that has
    /// copied them: a read-only file mapping reads them back if they are used again.
    func releasePages() {
        // Only a file mapping gives pages back unchanged; anonymous memory would read as zeros.
        guard rows > 0, columns > 0, owner is MappedFile else { return }
        ModelFile.advise(UnsafeRawPointer(values), count: rows * columns, MADV_DONTNEED)
    }

    /// Every value as fp32, in an allocation of its own.
    public func dequantized() -> TensorBuffer {
        var floats = [Float](repeating: 0, count: rows * columns)
        floats.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for row in 0..<rows { dequantize(row: row, into: base + row * columns) }
        }
        return TensorBuffer(array: floats, shape: shape)
    }
}

extension TensorSource {
    /// No int8 tensors: the sources other than an int8 model file store floats.
    public func quantized(_ name: String) -> QuantizedTensor? { nil }
}
