import Foundation

/// When a failed request is retried and how long to wait first.
///
/// Retried: HTTP 408, 409, 429 and 5xx, timeouts and lost connections — except OpenAI's
/// `insufficient_quota` 429, and whatever the server marks `x-should-retry: false`. Never retried:
/// authentication failures (401, 403) and other 4xx validation errors.
///
/// The wait is the server's own hint when it gives one — `retry-after-ms`, `Retry-After` in
/// seconds or as an HTTP date, or Google's `RetryInfo.retryDelay` in the error body — and
/// otherwise exponential backoff with jitter. A server that asks for a wait longer than
/// ``maxServerDelay`` is not retried: the error is thrown at once so the caller can decide.
public struct RetryPolicy: Sendable {
    /// Retries after the first attempt; 0 disables retrying.
    public var maxRetries: Int
    /// The backoff before the first retry when the server gives no hint; doubled for each
    /// further retry.
    public var initialBackoff: Duration
    /// The longest backoff between two attempts when the server gives no hint.
    public var maxBackoff: Duration
    /// The longest server-requested wait this policy honours; a longer request stops retrying.
    public var maxServerDelay: Duration
    /// The time source and sleep function, injectable so tests need not wait.
    public var clock: RetryClock

    /// Creates a policy. The defaults follow the OpenAI SDKs' scheme: 0.5 s doubling up to 8 s,
    /// with up to 25 % jitter.
    public init(
        maxRetries: Int = 3, initialBackoff: Duration = .milliseconds(500), maxBackoff: Duration = .seconds(8),
        maxServerDelay: Duration = .seconds(60), clock: RetryClock = .system
    ) {
        self.maxRetries = max(0, maxRetries)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxServerDelay = maxServerDelay
        self.clock = clock
    }

    /// A policy that never retries.
    public static var never: RetryPolicy { RetryPolicy(maxRetries: 0) }

    /// The wait before retry number `retry` (0 for the first retry), or `nil` when the server's
    /// hint exceeds ``maxServerDelay`` and the request should not be retried.
    func delay(beforeRetry retry: Int, serverHint: Duration?) -> Duration? {
        if let serverHint, serverHint > .zero {
            return serverHint <= maxServerDelay ? serverHint : nil
        }
        return backoff(beforeRetry: retry)
    }

    /// The wait before retry number `retry` (0 for the first retry) when the server gives no
    /// hint: ``initialBackoff`` doubled for each retry, at most ``maxBackoff``, less jitter.
    package func backoff(beforeRetry retry: Int) -> Duration {
        // 2^retry overflows nothing here: the exponent is capped well below 63.
        let factor = Double(1 << min(retry, 30))
        let base = min(initialBackoff * factor, maxBackoff)
        // Jitter only shortens the wait (as the OpenAI SDKs do), so maxBackoff stays an upper bound.
        let jitter = 1 - 0.25 * min(max(clock.random(), 0), 1)
        return base * jitter
    }

    /// Runs `operation` until it succeeds, waiting on ``clock`` between attempts as `decide` says:
    /// the one retry loop of the package (providers' requests, the Hub's downloads).
    ///
    /// - Parameters:
    ///   - operation: One attempt.
    ///   - decide: Called after each failed attempt with its error and the number of retries made
    ///     so far (0 after the first attempt). Returns the wait before the next attempt, or throws
    ///     to stop: the error itself, or one that says more (that the retries ran out). It is not
    ///     called for a `CancellationError`.
    /// - Returns: What the first successful attempt returns.
    /// - Throws: What `decide` throws, or `CancellationError` when the task is cancelled — during
    ///   an attempt, before a retry or while waiting for it: a cancelled task is never retried.
    package func run<T>(
        _ operation: () async throws -> T,
        decide: (_ failure: any Error, _ retries: Int) throws -> Duration
    ) async throws -> T {
        var retries = 0
        while true {
            do {
                return try await operation()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let wait = try decide(error, retries)
                try Task.checkCancellation()
                try await clock.sleep(wait)
                retries += 1
            }
        }
    }
}

/// The clock a ``RetryPolicy`` reads and sleeps on.
public struct RetryClock: Sendable {
    /// The current time, for `Retry-After` HTTP dates and token expiry.
    public var now: @Sendable () -> Date
    /// Waits for the given duration; throws when the task is cancelled.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A random number in `0..<1` for backoff jitter.
    public var random: @Sendable () -> Double

    /// Creates a clock from its three functions.
    public init(
        now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Duration) async throws -> Void,
        random: @escaping @Sendable () -> Double
    ) {
        self.now = now
        self.sleep = sleep
        self.random = random
    }

    /// The wall clock, `Task.sleep`, and the system random number generator.
    public static var system: RetryClock {
        RetryClock(
            now: { Date() },
            sleep: { try await Task.sleep(for: $0) },
            random: { Double.random(in: 0..<1) })
    }
}
