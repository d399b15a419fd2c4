import Foundation

/// Runs `body` on a thread of its own and returns its result to the calling task.
///
/// Swift Testing runs tests on the cooperative thread pool, which has one thread per core. A test
/// that blocks for seconds — a parity run over hundreds of texts, a child process — holds one of
/// them; on a two-core CI machine two such tests starve every other test, and the timing-bound
/// ones (a server's queue, a batcher's shutdown) then fail for want of a thread. Heavy or blocking
/// work goes here instead. Record expectations in the test, on what `body` returns: issues
/// recorded on a foreign thread are not attributed to the test.
public func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
