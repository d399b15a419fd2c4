import EmbedCore
import Testing

@Suite("Similarity", .offThePool)
struct SimilarityTests {
    @Test("Cosine of parallel, orthogonal and opposite vectors")
    func cosine() async {
        #expect(abs(Similarity.cosine([1, 2, 3], [2, 4, 6]) - 1) < 1e-6)
        #expect(abs(Similarity.cosine([1, 0], [0, 1])) < 1e-6)
        #expect(abs(Similarity.cosine([1, 0], [-1, 0]) + 1) < 1e-6)
        #expect(Similarity.cosine([0, 0], [1, 1]) == 0)
    }

    @Test("Similarity functions follow sentence-transformers' sign conventions")
    func functions() async {
        let a: [Float] = [1, 2], b: [Float] = [4, 6]
        #expect(SimilarityFunction.dot(a, b) == 16)
        #expect(SimilarityFunction.euclidean(a, b) == -5)
        #expect(SimilarityFunction.manhattan(a, b) == -7)
    }

    @Test("Normalizing divides by the norm, and leaves the zero vector at zero")
    func normalize() async {
        #expect(Similarity.normalized([3, 4]) == [0.6, 0.8])
        #expect(Similarity.normalized([0, 0]) == [0, 0])
    }

    @Test("Matryoshka truncation slices, re-normalizes, and rejects sizes out of range")
    func truncate() async throws {
        let v: [Float] = [3, 4, 12]
        #expect(try Similarity.truncated(v, to: 2, renormalize: true) == [0.6, 0.8])
        #expect(try Similarity.truncated(v, to: 2, renormalize: false) == [3, 4])
        #expect(throws: EmbeddingError.invalidDimensions(requested: 4, available: 3)) {
            try Similarity.truncated(v, to: 4, renormalize: true)
        }
        #expect(throws: EmbeddingError.invalidDimensions(requested: 0, available: 3)) {
            try Similarity.truncated(v, to: 0, renormalize: true)
        }
    }
}
