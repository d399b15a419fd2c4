import AsyncHTTPClient
import EmbedConfiguration
import EmbedCore
import Foundation

/// Builds the HTTP embedder an ``EmbedderConfiguration`` describes.
///
/// ```swift
/// let configuration = try EmbedderConfiguration(jsonData: data)   // mem0's {"embedder": …}
/// if let embedder = try RemoteEmbedders.make(configuration) {
///     let vectors = try await embedder.vectors(["hello"])
/// } else {
///     // The configuration means the local runtime.
/// }
/// ```
public enum RemoteEmbedders {
    /// Returns the provider's embedder, or `nil` when the configuration means the local runtime
    /// (`local`, or `huggingface` with neither `huggingface_base_url` nor `huggingface_api`).
    ///
    /// Each setting is resolved as *configuration, then `environment`, then the provider's
    /// default*; see the provider configuration types for the variables read.
    ///
    /// - Parameters:
    ///   - configuration: The parsed configuration.
    ///   - environment: Where environment variables are read; the process environment by default.
    ///   - httpClient: The client every request goes through; ``ProviderHTTPClient/shared`` by
    ///     default, which reports a server that cannot be reached within seconds. The embedder
    ///     never shuts it down.
    ///   - transport: Base transport options (logger, retry clock, caps); the configuration's
    ///     `timeout`, `max_retries`, `batch_size` and `max_concurrency` override them.
    ///   - ollamaPullProgress: Receives progress while Ollama downloads a missing model.
    /// - Throws: ``ConfigurationError`` when a required setting is missing or invalid, naming the
    ///   configuration key and environment variables that would supply it.
    public static func make(
        _ configuration: EmbedderConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: HTTPClient = ProviderHTTPClient.shared,
        transport: TransportOptions = TransportOptions(),
        ollamaPullProgress: (@Sendable (OllamaPullProgress) -> Void)? = nil
    ) throws(ConfigurationError) -> (any Embedder)? {
        guard let provider = configuration.provider.remote else { return nil }
        if configuration.replaceNewlines != nil && provider.replacesNewlinesByDefault == nil {
            let applicable = EmbedderProvider.allCases.filter { $0.remote?.replacesNewlinesByDefault != nil }
            throw ConfigurationError.unsupported(
                "replace_newlines applies to \(applicable.map(\.rawValue).joined(separator: ", ")), not \(configuration.provider.rawValue).")
        }
        let context = RemoteProviderContext(
            environment: environment, httpClient: httpClient, transport: Self.transport(transport, from: configuration),
            // The key that set the endpoint (the provider's own or `base_url`), so that an
            // unreachable server is reported with the key to change.
            endpoint: configuration.configuredEndpoint, ollamaPullProgress: ollamaPullProgress)
        return try provider.embedder(for: configuration, context: context)
    }

    /// Every environment variable that moves some provider's endpoint, sorted.
    public static var endpointVariables: [String] {
        Set(EmbedderProvider.allCases.flatMap { $0.remote?.endpointVariables ?? [] }).sorted()
    }

    private static func transport(_ base: TransportOptions, from c: EmbedderConfiguration) -> TransportOptions {
        var options = base
        if let seconds = c.timeout { options.timeout = .milliseconds(Int64((seconds * 1000).rounded())) }
        if let retries = c.maxRetries { options.retry.maxRetries = retries }
        if let size = c.batchSize { options.batchSize = size }
        if let width = c.maxConcurrency { options.maxConcurrency = width }
        return options
    }
}
