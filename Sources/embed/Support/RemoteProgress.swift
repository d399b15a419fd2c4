import EmbedCore
import Foundation
import Synchronization

/// Shows on stderr what a provider's requests are doing while a call to it runs, so that a slow
/// provider is not mistaken for a hung command: a line as soon as a failed request is retried,
/// and while requests are in flight, a line every ``interval`` with the requests answered and in
/// flight and how long the call has waited. A local model makes no requests and prints nothing.
final class RemoteProgress: Sendable {
    /// How long requests may be in flight before a line says so, and between two such lines:
    /// short enough that a silent terminal never looks hung, long enough not to flood it.
    static let interval: Duration = .seconds(3)

    private struct State {
        var answered = 0
        var failed = 0
        var inFlight = 0
        var service = ""
        var callStarted = ContinuousClock.now
        var lastLine = ContinuousClock.now
    }

    /// What each line starts with (`encode`, `compare`).
    private let command: String
    private let isEnabled: Bool
    private let state = Mutex(State())

    /// - Parameters:
    ///   - command: The command's name, which starts every line.
    ///   - enabled: `false` (for `--quiet`) prints nothing.
    init(command: String, enabled: Bool) {
        self.command = command
        self.isEnabled = enabled
    }

    /// Runs `body` (one call to an embedder), reporting its requests.
    func run<T>(_ body: () async throws -> T) async throws -> T {
        guard isEnabled else { return try await body() }
        state.withLock {
            $0 = State()
        }
        let ticker = Task { [self] in
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(250))
                if let line = heartbeat() { printError(line) }
            }
        }
        defer { ticker.cancel() }
        return try await RemoteRequestProgress.$observer.withValue({ [self] event in
            if let line = record(event) { printError(line) }
        }) {
            try await body()
        }
    }

    /// Counts `event`; returns the line to print at once, if any.
    private func record(_ event: RemoteRequestEvent) -> String? {
        state.withLock { state in
            switch event {
            case .started(let service):
                state.service = service
                state.inFlight += 1
                return nil
            case .finished(_, let succeeded):
                state.inFlight -= 1
                if succeeded { state.answered += 1 } else { state.failed += 1 }
                return nil
            case .retrying(let service, let attempt, let delay, let reason):
                state.lastLine = .now
                return "\(command): \(service): attempt \(attempt) failed (\(reason)); retrying in \(Self.format(delay))"
            }
        }
    }

    /// The periodic line, when requests have been in flight for ``interval`` since the last line.
    private func heartbeat() -> String? {
        state.withLock { state in
            let now = ContinuousClock.now
            guard state.inFlight > 0, now - state.lastLine >= Self.interval else { return nil }
            state.lastLine = now
            var line = "\(command): waiting for \(state.service): \(state.answered) request\(state.answered == 1 ? "" : "s") answered, "
            line += "\(state.inFlight) in flight"
            if state.failed > 0 { line += ", \(state.failed) failed" }
            return line + ", \(Self.format(now - state.callStarted)) so far"
        }
    }

    /// `0.5 s`, `12 s`, `3 min 5 s`.
    private static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        if seconds < 10 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        return whole < 90 ? "\(whole) s" : "\(whole / 60) min \(whole % 60) s"
    }
}
