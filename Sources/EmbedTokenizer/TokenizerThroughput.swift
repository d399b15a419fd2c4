#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throughput measurement of one tokenizer on one core, for `embed bench` and the opt-in
/// benchmark tests: CPU time of the calling thread, so that other processes on a busy machine do
/// not count against it.
public struct TokenizerThroughput: Sendable, CustomStringConvertible {
    /// Ids produced per pass (special tokens included, no truncation).
    public var tokens: Int
    /// UTF-8 bytes of text per pass.
    public var bytes: Int
    /// CPU seconds of the fastest pass.
    public var seconds: Double

    /// Tokens per CPU second.
    public var tokensPerSecond: Double { seconds > 0 ? Double(tokens) / seconds : 0 }

    /// The figures in one line, as `embed bench` prints them.
    public var description: String {
        "\(tokens) tokens, \(bytes) bytes in \(seconds) s CPU: \(Int(tokensPerSecond)) tokens/s, "
            + "\(Int(Double(bytes) / max(seconds, 1e-9) / 1e6)) MB/s on one core"
    }

    /// Encodes `texts` one by one on the calling thread `passes` times, without truncation, and
    /// keeps the fastest pass.
    public static func measure(_ tokenizer: any TextTokenizer, texts: [String], passes: Int = 3) -> TokenizerThroughput {
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var best = Double.infinity
        var tokens = 0
        for _ in 0..<max(1, passes) {
            let start = threadCPUSeconds()
            tokens = 0
            for text in texts { tokens += tokenizer.encode(text, maxLength: Int.max).count }
            best = min(best, threadCPUSeconds() - start)
        }
        return TokenizerThroughput(tokens: tokens, bytes: bytes, seconds: best)
    }

    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
