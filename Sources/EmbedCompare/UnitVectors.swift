import EmbedCore

/// One side's vectors scaled to unit length and packed row after row, so that the `n²` cosines
/// of the structure comparison are plain dot products over contiguous memory.
struct UnitVectors: Sendable {
    /// The number of vectors.
    let count: Int
    /// The length of each vector.
    let dimensions: Int
    /// `count × dimensions` components; a zero vector stays zero, so its cosine with anything is
    /// 0, as ``EmbedCore/Similarity/cosine(_:_:)`` has it.
    let storage: [Float]

    /// Packs vectors that are already known to share one non-zero length.
    init(_ vectors: [[Float]]) {
        count = vectors.count
        dimensions = vectors.first?.count ?? 0
        var storage: [Float] = []
        storage.reserveCapacity(count * dimensions)
        for vector in vectors {
            var sum = 0.0
            for x in vector { sum += Double(x) * Double(x) }
            let norm = sum.squareRoot()
            let scale = norm > 0 ? 1 / norm : 0
            for x in vector { storage.append(Float(Double(x) * scale)) }
        }
        self.storage = storage
    }

    /// Returns the dot product of two packed rows of `count` floats.
    ///
    /// Eight-lane partial sums let the compiler vectorize; the float rounding this adds (about
    /// 1e-7 relative) is far below any difference a rank statistic can see.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum0 = SIMD8<Float>(), sum1 = SIMD8<Float>()
        var k = 0
        // Invariant: k + 16 <= count inside the loop, so both 8-float loads stay within the rows.
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        let stride = MemoryLayout<Float>.stride
        while k + 16 <= count {
            sum0 += rawA.loadUnaligned(fromByteOffset: k * stride, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: k * stride, as: SIMD8<Float>.self)
            sum1 += rawA.loadUnaligned(fromByteOffset: (k + 8) * stride, as: SIMD8<Float>.self)
                * rawB.loadUnaligned(fromByteOffset: (k + 8) * stride, as: SIMD8<Float>.self)
            k += 16
        }
        var total = (sum0 + sum1).sum()
        while k < count {
            total += a[k] * b[k]
            k += 1
        }
        return total
    }

    /// Returns the cosine of two vectors of equal length, accumulated in `Double` and not rounded
    /// to `Float`, for per-text and gold-pair figures; 0 when either vector is all zeros.
    static func cosine(_ a: [Float], _ b: [Float]) -> Double { Similarity.preciseCosine(a, b) }
}
