import EmbedCore
/// Where a resolved setting's value came from, so that a message about it can say how to change
/// it: a configuration key, an environment variable, or the provider's default.
///
/// Settings resolve in the order *explicit configuration, then environment, then default*; the
/// source records which of the three supplied the value.
public enum SettingSource: Sendable, Hashable, CustomStringConvertible {
    /// The configuration's `key` (for example `lmstudio_base_url`, or `base_url`).
    case configuration(key: String)
    /// The environment variable `variable` (for example `OLLAMA_HOST`).
    case environment(variable: String)
    /// The provider's default: nothing set `key` or any of `variables`.
    case providerDefault(key: String, variables: [String] = [])

    /// `set by lmstudio_base_url in the configuration`, `set by the environment variable
    /// OLLAMA_HOST`, or `the default; set lmstudio_base_url` (naming the variables too, when the
    /// setting reads any).
    public var description: String {
        switch self {
        case .configuration(let key):
            return "set by \(key) in the configuration"
        case .environment(let variable):
            return "set by the environment variable \(variable)"
        case .providerDefault(let key, let variables):
            let alternatives = variables.isEmpty ? key : "\(key) or \(variables.joined(separator: " or "))"
            return "the default; set \(alternatives)"
        }
    }
}

/// A value the configuration set, with the key it was read from.
public struct ConfiguredSetting: Sendable, Hashable {
    /// The key, as a path inside the `config` object (`ollama_base_url`, `azure_kwargs.azure_endpoint`).
    public var key: String
    /// The value.
    public var value: String

    /// Creates a setting.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// Where the value came from.
    public var source: SettingSource { .configuration(key: key) }
}

extension EmbedderConfiguration {
    /// The endpoint the configuration sets for its provider, with the key that set it: the
    /// provider's own key (`ollama_base_url`, `openai_base_url`, `lmstudio_base_url`,
    /// `huggingface_base_url`, `azure_kwargs.azure_endpoint`) when present, else `base_url`.
    /// `nil` when neither is set (the provider then reads the environment or uses its default).
    public var configuredEndpoint: ConfiguredSetting? {
        let own: (String, String?)? =
            switch provider {
            case .ollama: ("ollama_base_url", ollamaBaseURL)
            case .openAI: ("openai_base_url", openAIBaseURL)
            case .lmStudio: ("lmstudio_base_url", lmStudioBaseURL)
            case .huggingFace: ("huggingface_base_url", huggingFaceBaseURL)
            case .azureOpenAI: ("azure_kwargs.azure_endpoint", azure?.endpoint)
            case .gemini, .vertexAI, .together, .local: nil
            }
        if let (key, value) = own, let value = Self.nonEmpty(value) { return ConfiguredSetting(key: key, value: value) }
        if let value = Self.nonEmpty(baseURL) { return ConfiguredSetting(key: "base_url", value: value) }
        return nil
    }

    /// `nil` for `nil`, empty or blank text: an empty string in a file means "unset".
    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, value.contains(where: { !$0.isWhitespace }) else { return nil }
        return value
    }
}
