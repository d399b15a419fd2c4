import EmbedCore
import EmbedHub
import EmbedKit
import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

@Suite("Listing local models", .offThePool)
struct InstalledModelsTests {
    @Test("models in every search folder are described from their metadata; shadowed, damaged and partial ones are flagged")
    func scan() async throws {
        let home = try temporaryHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let models = home.appendingPathComponent("models")
        let second = home.appendingPathComponent("second")
        for folder in [models, second] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        try LocalModel.export(folder: Fixtures.url("tiny/tiny-cls-normalize"), to: models.appendingPathComponent("tiny.embed"))
        try LocalModel.export(
            folder: Fixtures.url("tiny/tiny-sqrtlen-dense"), to: second.appendingPathComponent("tiny.embed"), storage: .float16)
        try LocalModel.export(folder: Fixtures.url("tiny/tiny-maxmean-cased"), to: second.appendingPathComponent("cased.embed"))
        try Data("not a model".utf8).write(to: models.appendingPathComponent("broken.embed"))
        try Data("x".utf8).write(to: models.appendingPathComponent("notes.txt"))
        let partial = home.appendingPathComponent("downloads/org--model/abc")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        try Data(count: 1234).write(to: partial.appendingPathComponent("model.safetensors.incomplete"))

        let directories = [models, second]
        let scan = InstalledModels.scan(searchDirectories: directories, home: EmbedHome(url: home))

        #expect(scan.models.map(\.name) == ["tiny", "cased", "tiny"])
        let first = scan.models[0], shadowed = scan.models[2]
        #expect(!first.isShadowed && shadowed.isShadowed)
        #expect(first.dimensions == (try LocalModel(contentsOf: models.appendingPathComponent("tiny.embed"))).encoder.outputDimension)
        #expect(first.normalized)
        #expect(first.pooling == ["cls"])
        #expect(first.storage == "f32" && shadowed.storage == "f16")
        #expect(first.source == Fixtures.url("tiny/tiny-cls-normalize").standardizedFileURL.path)
        #expect(first.fileSize == (try FileManager.default.attributesOfItem(atPath: first.path)[.size] as? Int))
        #expect(scan.models[1].maxSequenceLength > 0)
        #expect(scan.unreadable.map { URL(fileURLWithPath: $0.path).lastPathComponent } == ["broken.embed"])
        let download = try #require(scan.partialDownloads.first)
        #expect(scan.partialDownloads.count == 1)
        #expect(download.repository == "org/model")
        #expect(download.path == home.appendingPathComponent("downloads/org--model").path)
        #expect(download.bytes == 1234)
    }
}
