import CEmbedKernels
@testable import EmbedCore
@testable import EmbedLocal
import EmbedTestSupport
import Foundation
import Synchronization
import Testing

@Suite("Worker team", .offThePool)
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
    func writesAreVisible() async {
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

    @Test("Many small steps with parts claimed by whichever thread comes first: each part once, results complete",
          arguments: [2, 4])
    func claimedParts(size: Int) async throws {
        let team = WorkerTeam(size: size)
        let ran = try await offThePool {
            var complete = 0
            for step in 0..<5_000 {
                let slots = UnsafeMutableBufferPointer<Int>.allocate(capacity: size)
                slots.initialize(repeating: 0)
                team.forEach { part in slots[part] += step }
                if slots.allSatisfy({ $0 == step }) { complete += 1 }
                slots.deallocate()
            }
            return complete
        }
        #expect(ran == 5_000)
    }

    #if os(Linux)
    @Test("A helper leaving its CPU moves off it when another is allowed, and keeps its affinity mask")
    func leaveCPU() async throws {
        struct Observation: Sendable { var cpu, movedTo, moved, allowed: Int32; var maskKept: Bool }
        let seen = try await offThePool {
            // This thread's own status (not the process's): its affinity mask as a CPU list.
            func status() -> String { (try? String(contentsOfFile: "/proc/thread-self/status", encoding: .utf8)) ?? "" }
            func mask() -> String {
                status().split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }.map(String.init) ?? ""
            }
            let before = mask()
            let allowed = Int32(AvailableCores.allowedProcessorCount(status: status()) ?? 0)
            let cpu = embed_current_cpu()
            let moved = embed_leave_cpu(cpu)
            return Observation(cpu: cpu, movedTo: embed_current_cpu(), moved: moved, allowed: allowed, maskKept: mask() == before)
        }
        #expect(seen.maskKept)
        #expect(seen.allowed >= 1)
        #expect(seen.cpu >= 0)
        if seen.allowed >= 2 {
            #expect(seen.moved == 1)
            #expect(seen.movedTo != seen.cpu)
        } else {
            #expect(seen.moved == 0)
        }
        #expect(embed_leave_cpu(-1) == 0)
    }
    #endif
}
