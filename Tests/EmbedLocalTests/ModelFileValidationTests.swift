import EmbedLocal
import Foundation
import Testing

@Suite("Model file: matching the tensors a model needs", .offThePool)
struct ModelFileValidationTests {
    let directory: ModelFileTestDirectory
    let file: ModelFile

    init() throws {
        directory = try ModelFileTestDirectory()
        let url = directory.file("model.embed")
        try ModelFileSample.write(to: url)
        file = try ModelFile(path: url.path(percentEncoded: false))
    }

    @Test("exactly the expected tensors pass, in any order")
    func exactMatch() async throws {
        try file.validate(expected: ModelFileSample.shapes.reversed())
    }

    @Test("a missing tensor is named")
    func missing() async throws {
        let expected = ModelFileSample.shapes + [("encoder.layer.1.output.dense.weight", [16, 64])]
        #expect(throws: ModelFileError.tensorsDoNotMatchModel(
            path: file.path, missing: ["encoder.layer.1.output.dense.weight"], wrongShapes: [], unused: [])
        ) { try file.validate(expected: expected) }
    }

    @Test("a tensor of the wrong shape is named with both shapes")
    func wrongShape() async throws {
        var expected = ModelFileSample.shapes
        expected[2].shape = [16, 32]
        let error = try #require(throws: ModelFileError.self, "accepted a wrong shape") { try file.validate(expected: expected) }
        #expect(error == .tensorsDoNotMatchModel(
            path: file.path, missing: [],
            wrongShapes: [.init(tensor: "encoder.layer.0.attention.self.query.weight", expected: [16, 32], found: [16, 16])],
            unused: []))
        #expect(error.description.contains("encoder.layer.0.attention.self.query.weight is [16, 16], expected [16, 32]"))
    }

    @Test("tensors the model would not use are an error that names them")
    func unused() async throws {
        let expected = ModelFileSample.shapes.filter { $0.name != "odd.sized" && $0.name != "scalar" }
        let error = try #require(throws: ModelFileError.self, "accepted unused tensors") { try file.validate(expected: expected) }
        #expect(error == .tensorsDoNotMatchModel(path: file.path, missing: [], wrongShapes: [], unused: ["odd.sized", "scalar"]))
        #expect(error.description.contains("not used by the model: odd.sized, scalar"), "\(error)")
    }

    @Test("every kind of problem is reported at once")
    func allProblems() async throws {
        var expected = ModelFileSample.shapes.filter { $0.name != "scalar" }
        expected[0].shape = [31, 16]
        expected.append(("pooler.dense.weight", [16, 16]))
        let error = try #require(throws: ModelFileError.self, "accepted a mismatched model") { try file.validate(expected: expected) }
        guard case .tensorsDoNotMatchModel(_, let missing, let wrongShapes, let unused) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(missing == ["pooler.dense.weight"])
        #expect(wrongShapes.map(\.tensor) == ["embeddings.word_embeddings.weight"])
        #expect(unused == ["scalar"])
        #expect(error.description.contains(file.path))
    }
}
