import EmbedConfiguration
import EmbedCore
import EmbedKit
import Foundation
import Testing

@Suite("Configuration files: JSON or YAML in mem0's shape, and errors that say where", .offThePool)
struct ConfigurationFileTests {
    /// Writes `text` to a file named `name` and reads it as a configuration.
    private func load(_ text: String, name: String) throws -> EmbedderConfiguration {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)-\(name)")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data(text.utf8).write(to: url)
        return try EmbedderFactory.loadConfiguration(path: url.path)
    }

    private func failure(_ text: String, name: String) throws -> ConfigurationFileError {
        try #require(throws: ConfigurationFileError.self) { try load(text, name: name) }
    }

    @Test("YAML scalars keep their types: plain numbers and booleans, quoted strings")
    func yamlScalars() async throws {
        let yaml = """
            embedder:
              provider: ollama
              config:
                model: '1.5'
                batch_size: 8
                auto_pull: yes
                timeout: 2.5
            """
        let configuration = try load(yaml, name: "mem0.yaml")
        #expect(configuration.provider == .ollama)
        #expect(configuration.model == "1.5")
        #expect(configuration.batchSize == 8)
        #expect(configuration.autoPull == true)
        #expect(configuration.timeout == 2.5)
        #expect(try load(#"{"embedder": {"provider": "ollama", "config": {"batch_size": 8}}}"#, name: "mem0.json").batchSize == 8)
    }

    @Test("A YAML syntax error gives its line")
    func yamlSyntax() async throws {
        let error = try failure("embedder:\n  provider: [openai\n", name: "mem0.yaml")
        #expect(error.reason.hasPrefix("invalid YAML: "), "\(error)")
        #expect(error.reason.contains("line 2") || error.reason.contains("2:"), "\(error)")
        let neither = try failure("embedder: {provider: [\n", name: "mem0.conf")
        #expect(neither.reason.hasPrefix("neither valid JSON nor valid YAML: "), "\(neither)")
    }

    @Test("A YAML value of the wrong type is named by its key path")
    func yamlWrongType() async throws {
        let error = try failure("embedder:\n  provider: ollama\n  config:\n    batch_size: many\n", name: "mem0.yml")
        #expect(error.reason.contains("embedder.config.batch_size"), "\(error)")
        #expect(!error.reason.contains("YAML"), "a valid YAML file: \(error)")
    }

    @Test("An empty file or a lone value is not a configuration, and the error shows the shape")
    func notAMapping() async throws {
        for (text, name) in [("", "empty.yaml"), ("hello\n", "word.yaml"), ("[1, 2]", "list.json")] {
            let error = try failure(text, name: name)
            #expect(error.reason.contains(#"expected an object like {"embedder""#), "\(name): \(error)")
        }
    }
}
