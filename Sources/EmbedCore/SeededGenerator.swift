/// A small deterministic random number generator (SplitMix64), so that a sampled comparison
/// gives the same figures on every run and every platform for the same seed, and every fuzz test
/// sees the same cases.
///
/// The standard library's generators are not seedable, and its `random(in:using:)` is free to
/// change how it draws from a generator between releases; ``next(below:)`` is therefore spelled
/// out here too.
package struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator; equal seeds give equal sequences.
    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        // SplitMix64 (Steele, Lea & Flood 2014), as used to seed xoshiro generators.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Returns a uniformly distributed value in `0..<bound` (Lemire's multiply-and-reject).
    ///
    /// - Precondition: `bound > 0`.
    package mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            // Reject the few low words that would over-represent small results.
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    /// Returns `count` distinct values from `0..<total`, ascending (Floyd's algorithm: exactly
    /// `count` draws, however close `count` is to `total`).
    ///
    /// - Precondition: `count <= total`.
    package mutating func sampleSorted(_ count: Int, from total: UInt64) -> [UInt64] {
        precondition(UInt64(count) <= total, "cannot draw \(count) distinct values from \(total)")
        var chosen = Set<UInt64>(minimumCapacity: count)
        var j = total - UInt64(count)
        while j < total {
            let t = next(below: j + 1)
            if !chosen.insert(t).inserted { chosen.insert(j) }
            j += 1
        }
        // Set order varies between processes (hash seeding); sorting makes the result canonical.
        return chosen.sorted()
    }
}
