extension TensorBuffer {
    /// Returns a copy of the elements.
    ///
    /// Prefer this to `Array(buffer.pointer)` on a temporary buffer: the copy happens while the
    /// buffer (and so the memory its pointer refers to) is guaranteed alive.
    public var elements: [Float] {
        withExtendedLifetime(self) { Array(pointer) }
    }
}

extension TensorBuffer {
    /// Reads `count` little-endian elements of `Bits` from `bytes` (no alignment assumed) and
    /// turns each into a `Float`: how fp16, bf16 and unaligned fp32 data of a weights file are
    /// widened.
    package static func converting<Bits: FixedWidthInteger>(
        _ bytes: UnsafeRawBufferPointer, count: Int, as: Bits.Type, _ transform: (Bits) -> Float
    ) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { output, initialized in
            let width = MemoryLayout<Bits>.size
            for index in 0..<count {
                output[index] = transform(Bits(littleEndian: bytes.loadUnaligned(fromByteOffset: index * width, as: Bits.self)))
            }
            initialized = count
        }
    }
}

extension TensorBuffer {
    /// Little-endian fp32 data of a mapped file: a view of `bytes` (no copy) when it is aligned on
    /// a little-endian machine, kept alive by `owner` (the mapping), else a converted copy.
    package static func float32(_ bytes: UnsafeRawBufferPointer, count: Int, shape: [Int], owner: AnyObject) -> TensorBuffer {
        #if _endian(little)
        if let base = bytes.baseAddress, Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            return TensorBuffer(pointer: UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: count), shape: shape, owner: owner)
        }
        #endif
        return TensorBuffer(array: converting(bytes, count: count, as: UInt32.self) { Float(bitPattern: $0) }, shape: shape)
    }
}
