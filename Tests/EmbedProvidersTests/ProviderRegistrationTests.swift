import EmbedConfiguration
import EmbedCore
import Foundation
import Testing
@testable import EmbedProviders

@Suite("Providers and settings are registered once, and everything else derives from that")
struct ProviderRegistrationTests {
    @Test("Every provider but the local runtime has a registration; its own endpoint key is a known setting")
    func everyProviderRegistered() {
        for provider in EmbedderProvider.allCases {
            guard let remote = provider.remote else {
                #expect(provider == .local)
                continue
            }
            if let own = remote.ownEndpoint(in: EmbedderConfiguration(provider: provider)) {
                let topLevel = String(own.key.prefix { $0 != "." })
                #expect(EmbedderConfiguration.configurationKeys.contains(topLevel), "\(provider): \(own.key)")
            }
        }
        #expect(RemoteEmbedders.endpointVariables == [
            "AZURE_OPENAI_ENDPOINT", "EMBEDDING_AZURE_ENDPOINT", "HUGGINGFACE_BASE_URL", "OLLAMA_HOST", "OPENAI_API_BASE",
            "OPENAI_BASE_URL", "TOGETHER_API_BASE", "TOGETHER_BASE_URL",
        ])
    }

    @Test("Each key and alias is listed once")
    func keysUnique() {
        let spellings = EmbedderConfiguration.settings.flatMap { [$0.key] + $0.aliases }
        #expect(Set(spellings).count == spellings.count)
    }

    /// A value for each key, as a configuration file would hold it.
    static let sampleValues: [String: String] = [
        "model": #""m""#, "api_key": #""k""#, "base_url": #""http://a""#, "ollama_base_url": #""http://b""#,
        "openai_base_url": #""http://c""#, "lmstudio_base_url": #""http://d""#, "huggingface_base_url": #""http://e""#,
        "huggingface_api": #""tei""#, "azure_kwargs": #"{"azure_deployment": "dep"}"#, "vertex_credentials_json": #""/x.json""#,
        "project_id": #""p""#, "location": #""l""#, "access_token": #""t""#, "embedding_dims": "8", "output_dimensionality": "16",
        "normalize": "true", "replace_newlines": "false", "memory_add_embedding_type": #""A""#,
        "memory_update_embedding_type": #""U""#, "memory_search_embedding_type": #""S""#, "model_kwargs": #"{"x": 1}"#,
        "http_client_proxies": #"{"http": "p"}"#, "timeout": "2.5", "max_retries": "1", "batch_size": "3",
        "max_concurrency": "2", "auto_pull": "false",
    ]

    func configuration(_ settings: [String: String]) throws -> EmbedderConfiguration {
        let members = settings.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ")
        return try EmbedderConfiguration(jsonData: Data(#"{"provider": "openai", "config": {\#(members)}}"#.utf8))
    }

    @Test("Every registered key is read into the configuration, and sets something", arguments: EmbedderConfiguration.configurationKeys)
    func everyKeyRead(key: String) throws {
        let value = try #require(Self.sampleValues[key], "a sample value for \(key)")
        #expect(try configuration([key: value]) != EmbedderConfiguration(provider: .openAI), "\(key) was not read")
    }

    @Test("Settings that change vectors change the cache identity; credentials, timeouts and batching do not")
    func identity() throws {
        let unchanging: Set = [
            "model", "api_key", "vertex_credentials_json", "access_token", "http_client_proxies", "timeout", "max_retries",
            "batch_size", "max_concurrency", "auto_pull",
        ]
        for key in EmbedderConfiguration.configurationKeys {
            let identity = try configuration([key: Self.sampleValues[key] ?? "null"]).vectorIdentity
            #expect(identity.isEmpty == unchanging.contains(key), "\(key): \(identity)")
        }
        #expect(try configuration(["azure_kwargs": #"{"azure_deployment": "dep", "api_key": "secret"}"#]).vectorIdentity.map(\.name)
            == ["azure_deployment"])
    }
}
