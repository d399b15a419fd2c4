import EmbedCore
import Foundation
import Testing

/// Runs a suite's tests on threads of their own (``BlockingWorkExecutor/shared``) instead of Swift's
/// cooperative pool: `@Suite("…", .offThePool)`.
///
/// Swift Testing runs every test on the cooperative pool, which has one thread per core. Tests that
/// block — forward passes in debug builds, tokenizing thousands of stress texts, converting models,
/// waiting for child processes — would hold those threads for seconds; on a two-core machine two
/// of them starve every other test, and the timing-bound ones (a server's batch queue, a provider's
/// timeout) fail for want of a thread. With this trait such suites share a pool of their own, so
/// the cooperative pool stays free for the suites that wait on sockets and clocks, and one
/// `swift test` runs them all together.
///
/// Unlike ``offThePool(_:)``, the test stays in its own task (a task executor preference, SE-0417),
/// so `#expect` inside blocking code is still attributed to the test.
///
/// The suite's tests must be `async`: Swift Testing calls a synchronous test body through a
/// function isolated to its default isolation context, which runs on the global executor and
/// ignores the preference (seen with Swift Testing 6.3).
public struct OffThePoolTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        // Scope each test case; the suite itself has nothing to run.
        guard testCase != nil else { return try await function() }
        try await withTaskExecutorPreference(BlockingWorkExecutor.shared) {
            try await function()
        }
    }
}

extension Trait where Self == OffThePoolTrait {
    /// Runs the suite's (or test's) code on ``BlockingWorkExecutor/shared``, not on Swift's
    /// cooperative pool; see ``OffThePoolTrait``.
    public static var offThePool: Self { Self() }
}

/// A task executor with a fixed set of threads (one per core the process may use, at least two)
/// for tests that block.
///
/// Fixed, not a concurrent dispatch queue: the cooperative pool bounded how many blocking tests ran
/// at once, and an unbounded one would run dozens of forward passes side by side.
public final class BlockingWorkExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` is only touched with `condition` locked; the threads live for the process.
    public static let shared = BlockingWorkExecutor(threads: max(2, AvailableCores.count))

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var next = 0
    private var workers: [pthread_t] = []

    /// Whether the calling code runs on one of this executor's threads.
    public var isCurrentThreadAWorker: Bool {
        let current = pthread_self()
        condition.lock()
        defer { condition.unlock() }
        return workers.contains { pthread_equal($0, current) != 0 }
    }

    init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread {
                // Named from inside: on Linux a name set before the start does not reach the
                // thread, and at most 15 bytes are kept.
                Thread.current.name = "test-blocking-\(index)"
                self.condition.lock()
                self.workers.append(pthread_self())
                self.condition.unlock()
                self.work()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while next == jobs.count { condition.wait() }
            let job = jobs[next]
            next += 1
            // Drop the consumed prefix now and then rather than shifting on every job.
            if next > 1024 {
                jobs.removeFirst(next)
                next = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
