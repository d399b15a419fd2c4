/// A ``ServerConfiguration`` that cannot be served, thrown when the application starts.
///
/// ``buildApplication(configuration:embedder:logger:)`` does not throw, so that the CLI and the
/// tests share one signature; an invalid configuration fails the application's startup instead,
/// before any port is bound.
public struct ServerConfigurationError: Error, CustomStringConvertible, Sendable, Hashable {
    /// Every problem found, one sentence each (see ``ServerConfiguration/problems``).
    public let problems: [String]

    /// Creates the error from the configuration's problems.
    public init(problems: [String]) {
        self.problems = problems
    }

    /// Every problem in one message, for logs and the CLI.
    public var description: String {
        "Invalid server configuration: " + problems.joined(separator: " ")
    }
}
