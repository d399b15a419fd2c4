import EmbedHub
import AsyncHTTPClient
import EmbedConfiguration
import EmbedCore
import EmbedLocal
import EmbedProviders
import EmbedTokenizer
import Foundation
import Yams

/// Builds the ``Embedder`` a user asked for: a local model, a provider, or a mem0-style
/// configuration file.
///
/// Precedence: a configuration file, else `--provider` (with credentials and endpoints from the
/// environment as mem0 reads them), else the local model. With no configuration at all the
/// default is the local model — never a hosted API.
public enum EmbedderFactory {
    /// Returns the embedder selected by the CLI's options.
    ///
    /// - Parameters:
    ///   - model: `--model`: a local model (path or name), or the provider's model name.
    ///   - provider: `--provider`: a provider name (`openai`, `ollama`, …, or `local`).
    ///   - configurationFile: `--config`: a JSON or YAML file in mem0's shape.
    ///   - threads: `--threads`: the local forward pass's threads; `nil` reads `EMBED_THREADS`
    ///     from `environment`, else uses every core the process may run on. Remote providers
    ///     have no use for it.
    ///   - environment: Where credentials, endpoints, `EMBED_MODEL`, `EMBED_HOME` and
    ///     `EMBED_THREADS` are read.
    ///   - httpClient: The client remote providers use; ``EmbedProviders/ProviderHTTPClient/shared``
    ///     by default, which reports a server that cannot be reached within seconds.
    public static func make(
        model: String?, provider: String?, configurationFile: String?, threads: Int? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: HTTPClient = ProviderHTTPClient.shared
    ) throws -> any Embedder {
        // One selection path for every command: `resolve` also names the embedder for the
        // vector cache and lets an explicit prompt reach remote providers.
        try resolve(
            model: model, provider: provider, configurationFile: configurationFile, threads: threads,
            environment: environment, httpClient: httpClient
        ).embedder
    }

    /// Loads a local model by path or name (see ``ModelLocator``).
    ///
    /// - Parameters:
    ///   - requested: `--model`, if given.
    ///   - threads: The forward pass's threads; `nil` reads `EMBED_THREADS` from `environment`,
    ///     else uses every core the process may run on.
    ///   - environment: Where `EMBED_MODEL`, `EMBED_HOME` and `EMBED_THREADS` are read.
    public static func loadModel(
        _ requested: String?, threads: Int? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> LocalModel {
        let url = try ModelLocator(environment: environment).resolve(requested)
        return try LocalModel(contentsOf: url, encoderOptions: SentenceEncoder.Options(threadCount: threads, environment: environment))
    }

    /// Loads only what tokenizing needs from a local model.
    public static func loadTokenizer(
        model requested: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> any TextTokenizer {
        try loadModel(requested, environment: environment).tokenizer
    }

    /// Reads a configuration file in mem0's shape, JSON or YAML (chosen by the extension
    /// `.yaml`/`.yml`, else by content).
    ///
    /// - Throws: ``ConfigurationFileError`` when the file cannot be read or parsed (saying where:
    ///   the line and column of a YAML syntax error, the key path of a value that does not fit),
    ///   or the configuration's own error for unknown providers or keys.
    public static func loadConfiguration(path: String) throws -> EmbedderConfiguration {
        try loadDocument(path: path) { json in try EmbedderConfiguration(json: json) }
    }

    /// Reads a JSON or YAML file (chosen by the extension `.yaml`/`.yml`, else by content) into a
    /// ``EmbedCore/JSONValue`` tree and builds a value from it with `make`.
    ///
    /// - Throws: ``ConfigurationFileError`` when the file cannot be read or parsed (saying where:
    ///   the line and column of a YAML syntax error), or when `make` throws a
    ///   ``ConfigurationError``, whose message it carries.
    static func loadDocument<Value>(path: String, _ make: (JSONValue) throws -> Value) throws -> Value {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationFileError(path: path, reason: "cannot read the file")
        }
        let isYAML = path.hasSuffix(".yaml") || path.hasSuffix(".yml")
        do {
            if !isYAML, let json = try? JSONDecoder().decode(JSONValue.self, from: data) {
                return try make(json)
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConfigurationFileError(path: path, reason: "the file is not valid UTF-8")
            }
            // An empty file is no configuration at all (not an empty one), as an empty JSON file is.
            if text.allSatisfy(\.isWhitespace) { return try make(.null) }
            return try make(YAMLDecoder().decode(JSONValue.self, from: text))
        } catch let error as ConfigurationFileError {
            throw error
        } catch let error as ConfigurationError {
            throw ConfigurationFileError(path: path, reason: error.description)
        } catch let error as DecodingError {
            // Yams hands on what the parser and the configuration threw inside its own error.
            if case .dataCorrupted(let context) = error {
                if let configuration = context.underlyingError as? ConfigurationError {
                    throw ConfigurationFileError(path: path, reason: configuration.description)
                }
                if let syntax = context.underlyingError as? YamlError {
                    // Yams' description gives the line and column, and the line itself.
                    throw ConfigurationFileError(
                        path: path, reason: isYAML ? "invalid YAML: \(syntax)" : "neither valid JSON nor valid YAML: \(syntax)")
                }
            }
            // A value with no JSON form (a binary scalar), at the path it names.
            throw ConfigurationFileError(path: path, reason: DecodingProblem(error).description(document: "the file"))
        }
    }
}

/// A configuration file that could not be used.
public struct ConfigurationFileError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The file.
    public let path: String
    /// What is wrong.
    public let reason: String

    /// Creates an error.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}
