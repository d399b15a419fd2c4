import EmbedConfiguration
import EmbedCore
import Foundation

/// Where a provider's server is and how that address was chosen, so that a failure to reach it
/// can say which URL was tried and how to change it.
public struct ProviderEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The base URL as configured (`http://localhost:1234/v1`), not the full request URL.
    public var url: String
    /// Which configuration key, environment variable or default supplied ``url``.
    public var source: SettingSource
    /// What to check when nothing answers at ``url`` (`Is LM Studio's server running?`); `nil`
    /// for a generic question.
    public var serverAdvice: String?

    /// Creates an endpoint description.
    public init(url: String, source: SettingSource, serverAdvice: String? = nil) {
        self.url = url
        self.source = source
        self.serverAdvice = serverAdvice
    }

    /// Whether the URL is the provider's default.
    public var isDefault: Bool {
        if case .providerDefault = source { true } else { false }
    }

    /// `http://localhost:1234/v1 (the default; set lmstudio_base_url)`.
    public var description: String { "\(url) (\(source))" }
}

/// Why a connection to a provider's server could not be made, or was lost.
public enum ConnectionProblem: Sendable, Hashable, CustomStringConvertible {
    /// Nothing listens at the address: the server is not running, or the port is wrong.
    case refused
    /// The host name does not resolve.
    case unknownHost(String)
    /// The TLS handshake failed, as when a plain HTTP server is addressed with `https`, or the
    /// server's certificate is not trusted; the text is the TLS library's reason.
    case tls(String)
    /// The connection attempt got no answer within the client's connect timeout.
    case connectTimeout
    /// The connection failed otherwise, or was lost during the request; the text says how.
    case other(String)

    /// `connection refused`, `the host name example.invalid does not resolve`, …
    public var description: String {
        switch self {
        case .refused: "connection refused"
        case .unknownHost(let host): "the host name \(host) does not resolve"
        case .tls(let reason): "the TLS handshake failed (\(reason))"
        case .connectTimeout: "the connection attempt timed out"
        case .other(let detail): detail
        }
    }
}

extension Endpoint {
    /// Resolves a base URL as *configuration, then environment, then default* and records which
    /// one supplied it.
    ///
    /// - Parameters:
    ///   - configured: The value given in the configuration (under `key`).
    ///   - key: The configuration key, named in messages.
    ///   - variables: Environment variables read when `configured` is unset, in order.
    ///   - defaultURL: The provider's default.
    /// - Throws: ``ConfigurationError/invalidURL(_:setting:)`` naming where the bad value came from.
    static func resolve(
        _ configured: String?, key: String, environment: Environment = Environment([:]), variables: [String] = [],
        defaultURL: String
    ) throws(ConfigurationError) -> (url: String, source: SettingSource) {
        if let set = try resolveIfSet(configured, key: key, environment: environment, variables: variables) { return set }
        return (try base(defaultURL, setting: key), .providerDefault(key: key, variables: variables))
    }

    /// Like ``resolve(_:key:environment:variables:defaultURL:)`` for a setting without a default:
    /// `nil` when neither the configuration nor the environment sets it.
    static func resolveIfSet(
        _ configured: String?, key: String, environment: Environment, variables: [String]
    ) throws(ConfigurationError) -> (url: String, source: SettingSource)? {
        if let value = configured.nonEmpty {
            return (try base(value, setting: key), .configuration(key: key))
        }
        for variable in variables {
            if let value = environment.first(variable) {
                return (try base(value, setting: variable), .environment(variable: variable))
            }
        }
        return nil
    }
}
