import EmbedCore
import EmbedLocal
import Foundation
import Testing

@Suite("Model file: checksum and fp16 conversion", .offThePool)
struct ModelFileChecksumTests {
    /// The buffer of the reference implementation's sanity check (`xsum_sanity_check.c`).
    static func sanityBuffer(count: Int) -> [UInt8] {
        var generator: UInt64 = 2_654_435_761
        return (0..<count).map { _ in
            defer { generator &*= 11_400_714_785_074_694_797 }
            return UInt8(truncatingIfNeeded: generator >> 56)
        }
    }

    /// (length, seed, XXH64) from the reference implementation's sanity check.
    static let vectors: [(Int, UInt64, UInt64)] = [
        (0, 0, 0xEF46_DB37_51D8_E999),
        (0, 2_654_435_761, 0xAC75_FDA2_929B_17EF),
        (1, 0, 0xE934_A84A_DB05_2768),
        (1, 2_654_435_761, 0x5014_6076_43A9_B4C3),
        (4, 0, 0x9136_A0DC_A574_57EE),
        (14, 0, 0x8282_DCC4_994E_35C8),
        (14, 2_654_435_761, 0xC3BD_6BF6_3DEB_6DF0),
        (222, 0, 0xB641_AE8C_B691_C174),
        (222, 2_654_435_761, 0x20CB_8AB7_AE10_C14A),
    ]

    @Test("XXH64 matches the reference implementation", arguments: vectors)
    func referenceVectors(length: Int, seed: UInt64, expected: UInt64) async {
        let buffer = Self.sanityBuffer(count: length)
        #expect(XXHash64.hash(buffer, seed: seed) == expected)
    }

    @Test("XXH64 of text matches published values")
    func text() async {
        #expect(XXHash64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
    }

    @Test("streaming in any split gives the one-shot hash")
    func streaming() async {
        let buffer = Self.sanityBuffer(count: 1000)
        var generator = SeededGenerator(seed: 3)
        for length in [0, 1, 31, 32, 33, 63, 64, 100, 1000] {
            let input = Array(buffer.prefix(length))
            let expected = XXHash64.hash(input, seed: 5)
            for _ in 0..<20 {
                var hasher = XXHash64(seed: 5)
                var start = 0
                while start < input.count {
                    let end = min(input.count, start + Int.random(in: 0...40, using: &generator))
                    input[start..<end].withUnsafeBytes { hasher.update($0) }
                    start = end
                }
                #expect(hasher.finalize() == expected, "length \(length)")
            }
        }
    }

    @Test("the header checksum hashes its own field as zeros")
    func headerChecksumIgnoresItsField() async {
        var bytes = Self.sanityBuffer(count: 256)
        let before = bytes.withUnsafeBytes { ModelFileLayout.headerChecksum($0, prefixLength: 200) }
        bytes.replaceSubrange(16..<24, with: repeatElement(0xAB, count: 8))
        let after = bytes.withUnsafeBytes { ModelFileLayout.headerChecksum($0, prefixLength: 200) }
        #expect(before == after)
        bytes.replaceSubrange(16..<24, with: repeatElement(0, count: 8))
        #expect(XXHash64.hash(Array(bytes.prefix(200))) == before)
        bytes[199] ^= 1
        #expect(bytes.withUnsafeBytes { ModelFileLayout.headerChecksum($0, prefixLength: 200) } != before)
    }

    #if !(os(macOS) && arch(x86_64))
    @Test("fp16 widening is exact for all 65,536 bit patterns")
    func widenEveryHalf() async {
        for bits in UInt16.min...UInt16.max {
            let reference = Float(Float16(bitPattern: bits))
            let widened = HalfPrecision.float(fromBits: bits)
            if reference.isNaN {
                #expect(widened.isNaN)
            } else {
                #expect(widened.bitPattern == reference.bitPattern, "0x\(String(bits, radix: 16))")
            }
        }
    }

    @Test("fp16 narrowing rounds to nearest even, like Float16")
    func narrowing() async {
        // Every finite half round-trips exactly.
        for bits in UInt16.min...UInt16.max where Float16(bitPattern: bits).isFinite {
            #expect(HalfPrecision.bits(from: Float(Float16(bitPattern: bits))) == bits)
        }
        // Random floats across the whole range, and ties between neighbours.
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<200_000 {
            let magnitude = Float(sign: .plus, exponent: Int.random(in: -30...15, using: &generator),
                                  significand: Float.random(in: 1..<2, using: &generator))
            let value = Bool.random(using: &generator) ? magnitude : -magnitude
            let reference = Float16(value)
            if reference.isFinite {
                #expect(HalfPrecision.bits(from: value) == reference.bitPattern, "\(value)")
            } else {
                #expect(HalfPrecision.bits(from: value) == nil, "\(value)")
            }
        }
        for bits in UInt16(0)..<0x7BFF {
            let low = Float(Float16(bitPattern: bits)), high = Float(Float16(bitPattern: bits + 1))
            let tie = (low + high) / 2  // exact in binary32
            #expect(HalfPrecision.bits(from: tie) == Float16(tie).bitPattern)
        }
        #expect(HalfPrecision.bits(from: 65520) == nil)  // rounds to infinity
        #expect(HalfPrecision.bits(from: 65519.99) == 0x7BFF)
        #expect(HalfPrecision.bits(from: .nan) == nil)
        #expect(HalfPrecision.bits(from: -.infinity) == nil)
        #expect(HalfPrecision.bits(from: .leastNonzeroMagnitude) == 0)
        #expect(HalfPrecision.bits(from: -.leastNonzeroMagnitude) == 0x8000)
    }
    #endif
}
