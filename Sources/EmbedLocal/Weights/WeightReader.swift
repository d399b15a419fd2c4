import Synchronization

/// A tensor bound for reading: its first element's address, kept valid by the buffer's owner.
struct Weight: @unchecked Sendable {
    // @unchecked: `pointer` points into `storage` (a read-only mapping or owned allocation that
    // `storage` keeps alive) and is never written through.
    let storage: TensorBuffer
    let pointer: UnsafePointer<Float>

    var shape: [Int] { storage.shape }
    var count: Int { storage.count }
}

/// A matrix the forward pass multiplies by (a linear layer's weight) or looks rows up in (the
/// word table): fp32, or int8 with per-row scales in an int8 model file.
enum MatrixWeight: Sendable {
    case float(Weight)
    case int8(QuantizedTensor)

    /// Rows `rows` of a matrix `width` wide, sharing its storage (a fused projection's part).
    func rows(_ rows: Range<Int>, width: Int) -> MatrixWeight {
        switch self {
        case .float(let weight): .float(weight.rows(rows, width: width))
        case .int8(let quantized): .int8(quantized.rows(rows))
        }
    }

    /// Writes row `row` as fp32 to `output` (`width` floats).
    @inline(__always)
    func copyRow(_ row: Int, width: Int, into output: UnsafeMutablePointer<Float>) {
        switch self {
        case .float(let weight): output.update(from: weight.pointer + row * width, count: width)
        case .int8(let quantized): quantized.dequantize(row: row, into: output)
        }
    }
}

/// The names of the tensors a forward pass binds as matrices: what int8 storage quantizes.
final class MatrixUses: Sendable {
    private let names = Mutex<Set<String>>([])

    func record(_ name: String) { _ = names.withLock { $0.insert(name) } }
    var recorded: Set<String> { names.withLock { $0 } }
}

/// Fetches tensors from a ``TensorSource`` by canonical name, checking each shape.
struct WeightReader {
    let source: any TensorSource
    /// Where ``matrix(_:shape:)`` records the names it binds, when set.
    var matrixUses: MatrixUses? = nil

    /// Returns the tensor `name` as fp32, which must have exactly `shape` (all dimensions positive).
    func tensor(_ name: String, shape: [Int]) throws(SentenceEncoderError) -> Weight {
        guard let found = source.shape(of: name) else { throw .missingTensor(name: name) }
        guard found == shape else { throw .shapeMismatch(name: name, expected: shape, found: found) }
        let buffer: TensorBuffer
        do {
            buffer = try source.floats(name)
        } catch {
            throw .unreadableTensor(name: name, detail: "\(error)")
        }
        guard buffer.count == shape.reduce(1, *), buffer.shape == shape, let base = buffer.pointer.baseAddress else {
            throw .shapeMismatch(name: name, expected: shape, found: buffer.shape)
        }
        return Weight(storage: buffer, pointer: base)
    }

    /// Returns the matrix `name` (`shape` is `[rows, columns]`) as it is stored: int8 in an int8
    /// model file, fp32 otherwise. Every linear layer's weight and the word table are bound
    /// here, which is how int8 conversion knows what to quantize (``matrixUses``).
    func matrix(_ name: String, shape: [Int]) throws(SentenceEncoderError) -> MatrixWeight {
        matrixUses?.record(name)
        if let quantized = source.quantized(name) {
            guard quantized.shape == shape else { throw .shapeMismatch(name: name, expected: shape, found: quantized.shape) }
            return .int8(quantized)
        }
        return .float(try tensor(name, shape: shape))
    }
}

extension Weight {
    /// The rows `rows` of a row-major tensor `width` floats wide, as a view sharing its storage
    /// (a fused projection's Q, K or V part). `shape` and `count` still describe the whole tensor.
    func rows(_ rows: Range<Int>, width: Int) -> Weight {
        Weight(storage: storage, pointer: pointer + rows.lowerBound * width)
    }
}
