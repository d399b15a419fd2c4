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
