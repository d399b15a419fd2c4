/// `Duration` as plain numbers, for metrics, logs, reports and APIs that take a count of a unit
/// (NIO's `TimeAmount`, Ollama's nanosecond fields).
///
/// `package`, not `public`: the package's modules share one spelling of these conversions
/// without adding API to a standard-library type for the package's users.
package extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    /// The duration in milliseconds.
    var milliseconds: Double { seconds * 1000 }

    /// The duration in whole nanoseconds, truncated.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
