@testable import EmbedCompare
import EmbedCore
import Testing

@Suite("Deterministic sampling", .offThePool)
struct SamplingTests {
    @Test("SplitMix64 produces the reference sequence for seed 0")
    func splitMix() async {
        var generator = SeededGenerator(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test("Bounded draws stay in range and cover it")
    func bounded() async {
        var generator = SeededGenerator(seed: 9)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<7_000 { counts[Int(generator.next(below: 7))] += 1 }
        #expect(counts.allSatisfy { (850...1_150).contains($0) }, "\(counts)")
    }

    @Test("Floyd sampling gives distinct, sorted values, for any count up to the total")
    func floyd() async {
        for (count, total) in [(0, 10), (1, 1), (10, 10), (9, 10), (500, 1_000), (1_000, 1 << 40)] {
            var generator = SeededGenerator(seed: 3)
            let sample = generator.sampleSorted(count, from: UInt64(total))
            #expect(sample.count == count)
            #expect(zip(sample, sample.dropFirst()).allSatisfy { $0 < $1 })
            #expect(sample.allSatisfy { $0 < UInt64(total) })
            var again = SeededGenerator(seed: 3)
            #expect(again.sampleSorted(count, from: UInt64(total)) == sample)
        }
        var generator = SeededGenerator(seed: 1)
        #expect(generator.sampleSorted(10, from: 10) == Array(0..<10))
    }

    @Test("The pair list enumerates every pair, or a sample of distinct valid pairs", arguments: [(5, 100), (50, 100), (200, 5_000)])
    func pairList(count: Int, limit: Int) async {
        var generator = SeededGenerator(seed: 17)
        let pairs = PairList(textCount: count, limit: limit, generator: &generator)
        let total = count * (count - 1) / 2
        #expect(pairs.count == min(total, limit))
        #expect(pairs.rowStart.count == count + 1)
        #expect(pairs.rowStart.first == 0 && pairs.rowStart.last == pairs.count)
        var seen = Set<Int>()
        for i in 0..<count {
            #expect(pairs.rowStart[i] <= pairs.rowStart[i + 1])
            for position in pairs.rowStart[i]..<pairs.rowStart[i + 1] {
                let j = Int(pairs.partner[position])
                #expect(j > i && j < count)
                #expect(seen.insert(i * count + j).inserted)
            }
        }
        if total > limit {
            // A uniform sample reaches both ends of the triangle.
            #expect(pairs.rowStart[1] > 0)
            #expect(pairs.rowStart[count / 2] < pairs.count)
        }
    }
}
