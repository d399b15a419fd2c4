/// The similarity functions sentence-transformers names in `similarity_fn_name`.
public enum SimilarityFunction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Cosine of the angle between the vectors.
    case cosine
    /// Dot product.
    case dot
    /// Negative Euclidean distance (larger is more similar, as in sentence-transformers).
    case euclidean
    /// Negative Manhattan distance (larger is more similar, as in sentence-transformers).
    case manhattan

    /// Returns the similarity of two vectors of equal length.
    ///
    /// - Precondition: `a.count == b.count`.
    public func callAsFunction(_ a: [Float], _ b: [Float]) -> Float {
        switch self {
        case .cosine: Similarity.cosine(a, b)
        case .dot: Similarity.dot(a, b)
        case .euclidean: -Similarity.euclideanDistance(a, b)
        case .manhattan: -Similarity.manhattanDistance(a, b)
        }
    }
}

/// Vector arithmetic shared by every layer: similarity, norms and normalization.
///
/// Sums accumulate in `Double` so that comparisons against reference vectors are not
/// disturbed by the summation order.
public enum Similarity {
    /// Returns the dot product of two vectors of equal length.
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "vectors must have the same length (\(a.count) vs \(b.count))")
        var sum = 0.0
        for i in a.indices { sum += Double(a[i]) * Double(b[i]) }
        return Float(sum)
    }

    /// Returns the Euclidean (L2) norm of a vector.
    public static func norm(_ a: [Float]) -> Float {
        var sum = 0.0
        for x in a { sum += Double(x) * Double(x) }
        return Float(sum.squareRoot())
    }

    /// Returns the cosine similarity of two vectors; 0 when either is all zeros.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float { Float(preciseCosine(a, b)) }

    /// The cosine accumulated in `Double` and not rounded to `Float`, clamped to [-1, 1] (rounding
    /// can put two equal vectors a hair above 1), for figures compared at 1e-7 and beyond; 0 when
    /// either vector is all zeros.
    package static func preciseCosine(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count, "vectors must have the same length (\(a.count) vs \(b.count))")
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            let x = Double(a[i]), y = Double(b[i])
            ab += x * y
            aa += x * x
            bb += y * y
        }
        let denominator = (aa * bb).squareRoot()
        return denominator > 0 ? min(1, max(-1, ab / denominator)) : 0
    }

    /// Returns the Euclidean distance between two vectors of equal length.
    public static func euclideanDistance(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "vectors must have the same length (\(a.count) vs \(b.count))")
        var sum = 0.0
        for i in a.indices {
            let d = Double(a[i]) - Double(b[i])
            sum += d * d
        }
        return Float(sum.squareRoot())
    }

    /// Returns the Manhattan (L1) distance between two vectors of equal length.
    public static func manhattanDistance(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "vectors must have the same length (\(a.count) vs \(b.count))")
        var sum = 0.0
        for i in a.indices { sum += abs(Double(a[i]) - Double(b[i])) }
        return Float(sum)
    }

    /// Returns the vector scaled to unit length, as `torch.nn.functional.normalize` does:
    /// `x / max(‖x‖₂, 1e-12)`.
    public static func normalized(_ a: [Float]) -> [Float] {
        let scale = 1 / max(norm(a), 1e-12)
        return a.map { $0 * scale }
    }

    /// Returns the first `dimensions` components, re-normalized when `renormalize` is set
    /// (Matryoshka truncation as Ollama and TEI do it).
    ///
    /// - Throws: ``EmbeddingError/invalidDimensions(requested:available:)`` when `dimensions`
    ///   is not between 1 and the vector's length.
    public static func truncated(_ a: [Float], to dimensions: Int, renormalize: Bool) throws -> [Float] {
        guard dimensions >= 1, dimensions <= a.count else {
            throw EmbeddingError.invalidDimensions(requested: dimensions, available: a.count)
        }
        let head = Array(a.prefix(dimensions))
        return renormalize ? normalized(head) : head
    }
}
