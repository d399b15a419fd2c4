import Synchronization
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT) or SIGTERM during a long run: the first asks the run to stop after the batch in
/// flight, so that what it computed is kept (`embed encode` keeps it for `--resume`); a second one
/// ends the process at once, as the default handling would.
enum Interruption {
    /// Signals received.
    private static let received = Atomic<Int>(0)

    /// Routes SIGINT and SIGTERM here for the rest of the process; returns once they are.
    static func install() async {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        Task.detached {
            for await signal in signals {
                if received.add(1, ordering: .relaxed).newValue > 1 { _exit(128 + signal.rawValue) }
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
