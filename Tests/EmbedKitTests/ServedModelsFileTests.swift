import EmbedConfiguration
import EmbedCore
import EmbedKit
import Foundation
import Testing

@Suite("Models to serve: --model [NAME=]MODEL and models files")
struct ServedModelsFileTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("served-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func write(_ text: String, name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("--model reads NAME=MODEL, PROVIDER:MODEL and bare models")
    func arguments() throws {
        let named = try ServedModelSpec(argument: "all-minilm=all-MiniLM-L6-v2", fileExists: { _ in false })
        #expect(named.name == "all-minilm")
        #expect(named.source == .spec(try EmbedderSpec("all-MiniLM-L6-v2", fileExists: { _ in false })))

        let provider = try ServedModelSpec(argument: "small=openai:text-embedding-3-small", fileExists: { _ in false })
        #expect(provider.name == "small")
        guard case .spec(let spec) = provider.source, case .provider(let kind, let model) = spec.kind else {
            Issue.record("expected a provider spec: \(provider)")
            return
        }
        #expect(kind == .openAI)
        #expect(model == "text-embedding-3-small")

        let bare = try ServedModelSpec(argument: "ollama:nomic-embed-text", fileExists: { _ in false })
        #expect(bare.name == nil)

        // A path that exists is a model even with '=' in it.
        let odd = try ServedModelSpec(argument: "models/a=b.embed", fileExists: { $0 == "models/a=b.embed" })
        #expect(odd.name == nil)
        #expect(odd.source == .spec(try EmbedderSpec("models/a=b.embed", fileExists: { _ in true })))

        #expect(throws: EmbedderSpecError.self) { try ServedModelSpec(argument: "=all-MiniLM-L6-v2", fileExists: { _ in false }) }
        #expect(throws: EmbedderSpecError.self) { try ServedModelSpec(argument: "x=nosuchprovider:model", fileExists: { _ in false }) }
    }

    @Test("A YAML models file gives each model's source, name, aliases and limits, in order")
    func yamlFile() throws {
        let path = try write(
            """
            tei_model: all-minilm
            models:
              - model: all-MiniLM-L6-v2
                name: all-minilm
                aliases: [all-MiniLM-L6-v2, minilm]
                max_batch_size: 32
              - name: text-embedding-3-small
                embedder:
                  provider: openai
                  config: {model: text-embedding-3-small, embedding_dims: 512}
                max_concurrent_batches: 8
                max_batch_wait_ms: 0
              - model: ollama:nomic-embed-text
            """, name: "models.yaml")
        let file = try #require(try ServedModelsFile.load(path: path, fileExists: { _ in false }))
        #expect(file.teiModel == "all-minilm")
        #expect(file.models.count == 3)
        #expect(file.models[0].name == "all-minilm")
        #expect(file.models[0].aliases == ["all-MiniLM-L6-v2", "minilm"])
        #expect(file.models[0].maxBatchSize == 32)
        guard case .configuration(let configuration) = file.models[1].source else {
            Issue.record("expected an inline embedder: \(file.models[1])")
            return
        }
        #expect(configuration.provider == .openAI)
        #expect(configuration.model == "text-embedding-3-small")
        #expect(file.models[1].maxConcurrentBatches == 8)
        #expect(file.models[1].maxBatchWaitMilliseconds == 0)
        #expect(file.models[2].name == nil)
    }

    @Test("A JSON models file reads the same; a mem0 file (no 'models') is not a models file")
    func jsonAndMem0() throws {
        let json = try write(#"{"models": [{"model": "all-MiniLM-L6-v2"}]}"#, name: "models.json")
        #expect(try ServedModelsFile.load(path: json, fileExists: { _ in false })?.models.count == 1)
        let mem0 = try write(#"{"embedder": {"provider": "openai", "config": {"model": "text-embedding-3-small"}}}"#, name: "mem0.json")
        #expect(try ServedModelsFile.load(path: mem0) == nil)
    }

    @Test(
        "Mistakes in a models file are errors naming the file and the place",
        arguments: [
            (#"{"models": []}"#, "models"),
            (#"{"models": [{"name": "x"}]}"#, "models[0]"),
            (#"{"models": [{"model": "a", "embedder": {"provider": "openai"}}]}"#, "models[0]"),
            (#"{"models": [{"model": "a", "colour": "red"}]}"#, "models[0].colour"),
            (#"{"models": [{"model": "a", "max_batch_size": 0}]}"#, "models[0].max_batch_size"),
            (#"{"models": [{"model": "a", "aliases": "b"}]}"#, "models[0].aliases"),
            (#"{"models": [{"model": "a"}], "tei": "a"}"#, "tei"),
            (#"{"models": [{"model": 3}]}"#, "models[0].model"),
            (#"{"models": [{"embedder": {"provider": "nosuch"}}]}"#, "nosuch"),
        ])
    func mistakes(text: String, place: String) throws {
        let path = try write(text, name: "bad.json")
        let error = #expect(throws: ConfigurationFileError.self) { try ServedModelsFile.load(path: path, fileExists: { _ in false }) }
        #expect(error?.path == path)
        #expect(error?.reason.contains(place) == true, "\(String(describing: error))")
    }
}
