import EmbedCore
import EmbedLocal
import Foundation
import Testing

@Suite("Model file: checksum and fp16 conversion")
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
    func referenceVectors(length: Int, seed: UInt64, expected: UInt64) {
        let buffer = Self.sanityBuffer(count: length)
        #expect(XXHash64.hash(buffer, seed: seed) == expected)
    }

    @Test("XXH64 of text matches published values")
    func text() {
        #expect(XXHash64.hash(Array("a".utf8)) == 0xD24E_C4F1_A98C_6E5B)
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44BC_2CF5_AD77_0999)
    }

    @Test("streaming in any split gives the one-shot hash")
    func streaming() {
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
    func headerChecksumIgnoresItsField() {
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
    func widenEveryHalf() {
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
    func narrowing() {
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

    /// Run with `RUN_BENCHMARKS=1 swift test -c release --filter ModelFileChecksumTests`.
    @Test("checksum and load speed on ~90 MB", .enabled(if: ProcessInfo.processInfo.environment["RUN_BENCHMARKS"] == "1"))
    func benchmark() throws {
        let byteCount = 90 * 1_000_000
        var generator = SeededGenerator(seed: 1)
        let floats = (0..<(byteCount / 4)).map { _ in Float.random(in: -1...1, using: &generator) }
        let megabytes = Double(byteCount) / 1_000_000
        let clock = ContinuousClock()

        var best = Duration.seconds(1000)
        var hash: UInt64 = 0
        for _ in 0..<7 {
            let elapsed = clock.measure { hash = floats.withUnsafeBytes { XXHash64.hash($0) } }
            best = min(best, elapsed)
        }
        let hashSeconds = Double(best.components.attoseconds) / 1e18 + Double(best.components.seconds)
        print("XXH64 over \(megabytes) MB (in memory): best \(best), \(Int(megabytes / hashSeconds)) MB/s (hash \(String(hash, radix: 16)))")

        // End to end: open a ~90 MB model file, validating and hashing everything.
        let directory = try ModelFileTestDirectory()
        let url = directory.file("big.embed")
        let source = ModelFileTestTensors([
            ("big", [floats.count / 384, 384], Array(floats.prefix(floats.count / 384 * 384))),
        ])
        try ModelFileWriter.write(metadata: Data("{}".utf8), tensors: source, names: ["big"], to: url)
        for verify in [true, false] {
            var bestOpen = Duration.seconds(1000)
            for _ in 0..<5 {
                let elapsed = try clock.measure {
                    _ = try ModelFile(path: url.path(percentEncoded: false), verifyChecksum: verify)
                }
                bestOpen = min(bestOpen, elapsed)
            }
            print("ModelFile open of \(megabytes) MB, verifyChecksum \(verify): best \(bestOpen)")
        }

        try ModelFileWriter.write(metadata: Data("{}".utf8), tensors: source, names: ["big"], storage: .float16, to: url)
        var bestHalf = Duration.seconds(1000)
        for _ in 0..<5 {
            bestHalf = min(bestHalf, try clock.measure { _ = try ModelFile(path: url.path(percentEncoded: false)) })
        }
        print("ModelFile open of the fp16 export (\(megabytes / 2) MB, widened to fp32): best \(bestHalf)")
    }
}
