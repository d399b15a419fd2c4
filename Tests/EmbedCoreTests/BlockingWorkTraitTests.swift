import EmbedTestSupport
import Foundation
import Testing

@Suite("Test support: suites marked .offThePool run on threads of their own", .offThePool)
struct BlockingWorkTraitTests {
    @Test("an asynchronous test's synchronous code runs on the blocking-work threads, not the cooperative pool")
    func synchronousCode() async {
        #expect(BlockingWorkExecutor.shared.isCurrentThreadAWorker, "\(currentThreadName() ?? "nil")")
    }

    @Test("an asynchronous test and its child tasks resume there too", arguments: [1, 2])
    func asynchronous(children: Int) async {
        await Task.yield()
        let names = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<children { group.addTask { BlockingWorkExecutor.shared.isCurrentThreadAWorker ? nil : currentThreadName() ?? "unnamed" } }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(BlockingWorkExecutor.shared.isCurrentThreadAWorker, "\(currentThreadName() ?? "nil")")
        #expect(names.allSatisfy { $0 == nil }, "child tasks elsewhere: \(names)")
    }
}

/// The running thread's name, from synchronous code (Thread.current is unavailable in async code).
private func currentThreadName() -> String? { Thread.current.name }
