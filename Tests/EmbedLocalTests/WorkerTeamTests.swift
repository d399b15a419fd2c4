@testable import EmbedLocal
import Foundation
import Synchronization
import Testing

@Suite("Worker team")
struct WorkerTeamTests {
    @Test("Every part runs exactly once per step, on spinning and on sleeping helpers", arguments: [1, 2, 3])
    func everyPartOnce(size: Int) async throws {
        let team = WorkerTeam(size: size)
        #expect(team.size == size)
        var counts = [Int](repeating: 0, count: size)
        for step in 0..<2_000 {
            // Parts write disjoint slots of a buffer owned by this step.
            let slots = UnsafeMutableBufferPointer<Int>.allocate(capacity: size)
            slots.initialize(repeating: 0)
            team.forEach { part in slots[part] += 1 }
            for part in 0..<size { counts[part] += slots[part] }
            slots.deallocate()
            // Now and then let the helpers fall asleep, so the wake-up path runs too.
            if step % 500 == 499 { try await Task.sleep(for: .milliseconds(2)) }
        }
        #expect(counts == [Int](repeating: 2_000, count: size))
    }

    @Test("A step's writes are visible to the caller when forEach returns")
    func writesAreVisible() {
        let team = WorkerTeam(size: 2)
        let total = Atomic<Int>(0)
        for _ in 0..<1_000 {
            var values = [Int](repeating: 0, count: 1_024)
            values.withUnsafeMutableBufferPointer { buffer in
                team.forEach { part in
                    for index in Parallel.share(part, of: 2, count: buffer.count) { buffer[index] = index }
                }
            }
            total.add(values.reduce(0, +) == 1_023 * 1_024 / 2 ? 1 : 0, ordering: .relaxed)
        }
        #expect(total.load(ordering: .relaxed) == 1_000)
    }
}
