import EmbedTestSupport
import Foundation
import Testing

@Suite("Test support: suites marked .offThePool run on threads of their own", .offThePool)
struct BlockingWorkTraitTests {
    @Test("an asynchronous test's synchronous code runs on the blocking-work threads, not the cooperative pool")
    func synchronousCode() async {
        #expect(currentThreadName()?.hasPrefix("test-blocking-") == true, "\(currentThreadName() ?? "nil")")
    }

    @Test("an asynchronous test and its child tasks resume there too", arguments: [1, 2])
    func asynchronous(children: Int) async {
        await Task.yield()
        let names = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<children { group.addTask { currentThreadName() } }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(currentThreadName()?.hasPrefix("test-blocking-") == true)
        #expect(names.allSatisfy { $0?.hasPrefix("test-blocking-") == true }, "\(names)")
    }
}

/// The running thread's name, from synchronous code (Thread.current is unavailable in async code).
private func currentThreadName() -> String? { Thread.current.name }
