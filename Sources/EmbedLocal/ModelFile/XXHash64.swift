/// XXH64, the 64-bit xxHash of Yann Collet, implemented here so the model file needs no
/// dependency; bit-for-bit identical to the reference (`XXH64(input, length, seed)`), so any
/// third-party reader can verify a model file with a stock xxHash library.
///
/// Why this hash: it runs at memory speed, so verifying every weight at load time costs about as
/// much as reading them once; it is not cryptographic and does not need to be, as it guards
/// against corruption (a bad download, a truncated copy, a flipped bit), not forgery.
///
/// Streaming: feed any number of `update` calls, then `finalize()`; the result does not depend on
/// how the input was split.
package struct XXHash64: Sendable {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5
    private static let stripeSize = 32

    private let seed: UInt64
    private var lane1: UInt64
    private var lane2: UInt64
    private var lane3: UInt64
    private var lane4: UInt64
    private var totalLength: UInt64 = 0
    /// Input not yet consumed as a whole 32-byte stripe (fewer than 32 bytes).
    private var pending: [UInt8] = []

    /// Starts a hash with `seed` (the model file uses 0).
    package init(seed: UInt64 = 0) {
        self.seed = seed
        lane1 = seed &+ Self.prime1 &+ Self.prime2
        lane2 = seed &+ Self.prime2
        lane3 = seed
        lane4 = seed &- Self.prime1
        pending.reserveCapacity(Self.stripeSize)
    }

    /// Hashes `bytes` in one call.
    package static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var hasher = XXHash64(seed: seed)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Hashes the bytes of `array` in one call.
    package static func hash(_ array: [UInt8], seed: UInt64 = 0) -> UInt64 {
        array.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// Feeds more input.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        totalLength &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(Self.stripeSize - pending.count, bytes.count)
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: take))
            offset = take
            guard pending.count == Self.stripeSize else { return }
            pending.withUnsafeBytes { consumeStripes($0.baseAddress.unsafelyUnwrapped, count: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let stripes = (bytes.count - offset) / Self.stripeSize
        if stripes > 0 {
            consumeStripes(base + offset, count: stripes)
            offset += stripes * Self.stripeSize
        }
        if offset < bytes.count {
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base + offset, count: bytes.count - offset))
        }
    }

    /// Feeds `count` zero bytes (used for the checksum field, which hashes as zeros).
    package mutating func updateZeros(count: Int) {
        let zeros = [UInt8](repeating: 0, count: count)
        zeros.withUnsafeBytes { update($0) }
    }

    /// Returns the hash of everything fed so far.
    package func finalize() -> UInt64 {
        var hash: UInt64
        if totalLength >= UInt64(Self.stripeSize) {
            hash = rotate(lane1, 1) &+ rotate(lane2, 7) &+ rotate(lane3, 12) &+ rotate(lane4, 18)
            hash = Self.merge(hash, lane1)
            hash = Self.merge(hash, lane2)
            hash = Self.merge(hash, lane3)
            hash = Self.merge(hash, lane4)
        } else {
            hash = seed &+ Self.prime5
        }
        hash &+= totalLength
        pending.withUnsafeBytes { tail in
            var offset = 0
            while offset + 8 <= tail.count {
                let word = UInt64(littleEndian: tail.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                hash ^= Self.round(0, word)
                hash = rotate(hash, 27) &* Self.prime1 &+ Self.prime4
                offset += 8
            }
            if offset + 4 <= tail.count {
                let word = UInt64(UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                hash ^= word &* Self.prime1
                hash = rotate(hash, 23) &* Self.prime2 &+ Self.prime3
                offset += 4
            }
            while offset < tail.count {
                hash ^= UInt64(tail[offset]) &* Self.prime5
                hash = rotate(hash, 11) &* Self.prime1
                offset += 1
            }
        }
        hash ^= hash >> 33
        hash &*= Self.prime2
        hash ^= hash >> 29
        hash &*= Self.prime3
        hash ^= hash >> 32
        return hash
    }

    /// The hot loop: four independent lanes over 32-byte stripes, read unaligned, little-endian.
    private mutating func consumeStripes(_ start: UnsafeRawPointer, count: Int) {
        var v1 = lane1, v2 = lane2, v3 = lane3, v4 = lane4
        var pointer = start
        for _ in 0..<count {
            v1 = Self.round(v1, UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self)))
            v2 = Self.round(v2, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            v3 = Self.round(v3, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            v4 = Self.round(v4, UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            pointer += Self.stripeSize
        }
        lane1 = v1
        lane2 = v2
        lane3 = v3
        lane4 = v4
    }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func merge(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        (accumulator ^ round(0, lane)) &* prime1 &+ prime4
    }
}

@inline(__always)
private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
    (value << count) | (value >> (64 &- count))
}
