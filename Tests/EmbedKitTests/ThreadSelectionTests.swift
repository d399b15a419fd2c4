import EmbedCore
import EmbedKit
import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

@Suite("The forward pass's threads: --threads, then EMBED_THREADS, then the available cores", .requires(Fixtures.defaultModel), .offThePool)
struct ThreadSelectionTests {
    let model = Fixtures.defaultModel.url.path

    @Test func explicitThenEnvironmentThenCores() async throws {
        let explicit = try EmbedderFactory.loadModel(model, threads: 2, environment: ["EMBED_THREADS": "1"])
        #expect(explicit.encoder.options.threadCount == 2)
        let fromEnvironment = try EmbedderFactory.loadModel(model, environment: ["EMBED_THREADS": "1"])
        #expect(fromEnvironment.encoder.options.threadCount == 1)
        let byDefault = try EmbedderFactory.loadModel(model, environment: [:])
        #expect(byDefault.encoder.options.threadCount == AvailableCores.count)
        let resolved = try EmbedderFactory.resolve(
            model: model, provider: nil, configurationFile: nil, environment: ["EMBED_THREADS": "1"])
        #expect((resolved.embedder as? LocalEmbedder)?.model.encoder.options.threadCount == 1)
    }

    @Test("An invalid EMBED_THREADS is an error unless --threads overrides it")
    func invalidEnvironment() async throws {
        #expect(throws: SentenceEncoderError.invalidThreadCount(variable: "EMBED_THREADS", value: "many")) {
            try EmbedderFactory.loadModel(model, environment: ["EMBED_THREADS": "many"])
        }
        let overridden = try EmbedderFactory.loadModel(model, threads: 1, environment: ["EMBED_THREADS": "many"])
        #expect(overridden.encoder.options.threadCount == 1)
    }
}
