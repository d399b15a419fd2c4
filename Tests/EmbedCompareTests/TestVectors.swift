import Foundation

/// Deterministic vectors for tests: unit vectors at given angles in the plane, and seeded noise.
enum TestVectors {
    /// The 2-D unit vector at `degrees`.
    static func angle(_ degrees: Double) -> [Float] {
        let radians = degrees * .pi / 180
        return [Float(cos(radians)), Float(sin(radians))]
    }

    /// `count` vectors of `dimensions` components from a fixed linear congruential sequence,
    /// uniform in [−1, 1).
    static func random(count: Int, dimensions: Int, seed: UInt64) -> [[Float]] {
        var state = seed
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Double(state >> 11) / Double(1 << 53)) * 2 - 1
        }
        return (0..<count).map { _ in (0..<dimensions).map { _ in next() } }
    }

    /// `vectors` with seeded noise of amplitude `amount` added to every component.
    static func perturbed(_ vectors: [[Float]], by amount: Float, seed: UInt64) -> [[Float]] {
        let noise = random(count: vectors.count, dimensions: vectors.first?.count ?? 0, seed: seed)
        return zip(vectors, noise).map { vector, noise in zip(vector, noise).map { $0 + amount * $1 } }
    }

    /// Texts named by their index.
    static func texts(_ count: Int) -> [String] { (0..<count).map { "text \($0)" } }
}
