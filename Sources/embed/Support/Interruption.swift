import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C (SIGINT) or SIGTERM during a long run: the first asks the run to stop after the batch in
/// flight, so that what it computed is kept (`embed encode` keeps it for `--resume`); a second one
/// ends the process at once, as the default handling would.
enum Interruption {
    /// Signals received. An atomic, so the handler stays async-signal-safe.
    private static let received = Atomic<Int>(0)

    /// Routes SIGINT and SIGTERM here for the rest of the process.
    static func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number) { number in
                if Interruption.received.add(1, ordering: .relaxed).newValue > 1 { _exit(128 + number) }
            }
        }
    }

    /// Whether a stop was asked for.
    static var requested: Bool { received.load(ordering: .relaxed) > 0 }

    /// What a run throws when it stops because it was asked to.
    struct Stopped: Error, CustomStringConvertible {
        var description: String { "interrupted" }
    }
}
