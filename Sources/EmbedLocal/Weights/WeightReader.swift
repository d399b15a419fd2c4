/// A tensor bound for reading: its first element's address, kept valid by the buffer's owner.
struct Weight: @unchecked Sendable {
    // @unchecked: `pointer` points into `storage` (a read-only mapping or owned allocation that
    // `storage` keeps alive) and is never written through.
    let storage: TensorBuffer
    let pointer: UnsafePointer<Float>

    var shape: [Int] { storage.shape }
    var count: Int { storage.count }
}

/// Fetches tensors from a ``TensorSource`` by canonical name, checking each shape.
struct WeightReader {
    let source: any TensorSource

    /// Returns the tensor `name`, which must have exactly `shape` (all dimensions positive).
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
}

extension Weight {
    /// The rows `rows` of a row-major tensor `width` floats wide, as a view sharing its storage
    /// (a fused projection's Q, K or V part). `shape` and `count` still describe the whole tensor.
    func rows(_ rows: Range<Int>, width: Int) -> Weight {
        Weight(storage: storage, pointer: pointer + rows.lowerBound * width)
    }
}
