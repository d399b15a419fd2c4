import EmbedLocal
import Foundation
import Testing

@Suite("Model file: writing and reading back", .offThePool)
struct ModelFileRoundTripTests {
    @Test("fp32 round trip is bit-exact, keeps metadata bytes and order, and views the mapping")
    func float32RoundTrip() async throws {
        let directory = try ModelFileTestDirectory()
        let url = directory.file("model.embed")
        let source = ModelFileSample.tensors()
        let summary = try ModelFileWriter.write(
            metadata: ModelFileSample.metadata, tensors: source, names: ModelFileSample.names, to: url)

        let file = try ModelFile(path: url.path(percentEncoded: false))
        #expect(file.metadata == ModelFileSample.metadata)
        #expect(file.formatVersion == 2)  // f32 and f16 files are written in version 2
        #expect(file.storage == .float32)
        #expect(file.tensorNames == ModelFileSample.names)
        #expect(file.weightsVerified)
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path(percentEncoded: false))
        #expect(file.fileSize == (attributes[.size] as? Int))
        #expect(summary.fileSize == file.fileSize)
        #expect(summary.checksum == file.checksum)
        #expect(summary.weightsChecksum == file.weightsChecksum)
        #expect(summary.tensorCount == ModelFileSample.names.count)
        #expect(file.checksum.count == 16 && file.checksum.allSatisfy(\.isHexDigit))
        #expect(file.checksum != file.weightsChecksum)

        for (name, shape) in ModelFileSample.shapes {
            #expect(file.shape(of: name) == shape)
            let buffer = try file.floats(name)
            defer { withExtendedLifetime(buffer) {} }
            #expect(buffer.shape == shape)
            #expect(buffer.pointer.map(\.bitPattern) == source.values(name).map(\.bitPattern), "\(name)")
            // A view: 64-byte aligned, and the same memory every time.
            let address = Int(bitPattern: buffer.pointer.baseAddress)
            #expect(address % 64 == 0, "\(name) at \(address)")
            #expect(try file.floats(name).pointer.baseAddress == buffer.pointer.baseAddress)
        }
        let described = try #require(file.tensors.first { $0.name == "odd.sized" })
        #expect(described.dataType == .float32)
        #expect(described.byteLength == 60)
        #expect(described.offset % 64 == 0)
    }

    @Test("fp16 round trip is within fp16 rounding and halves the weights")
    func float16RoundTrip() async throws {
        let directory = try ModelFileTestDirectory()
        var source = ModelFileSample.tensors()
        // Values at the edges of the fp16 range: largest finite, a subnormal, a tie, zeros.
        source.add("edges", shape: [7], values: [65504, -65504, 6e-8, 1 + 0x1p-11, 0, -0.0, 1e-10])
        let names = ModelFileSample.names + ["edges"]
        let wide = directory.file("wide.embed")
        let narrow = directory.file("narrow.embed")
        try ModelFileWriter.write(metadata: ModelFileSample.metadata, tensors: source, names: names, to: wide)
        try ModelFileWriter.write(
            metadata: ModelFileSample.metadata, tensors: source, names: names, storage: .float16, to: narrow)

        let file = try ModelFile(path: narrow.path(percentEncoded: false))
        let wideFile = try ModelFile(path: wide.path(percentEncoded: false))
        #expect(file.storage == .float16)
        #expect(file.metadata == ModelFileSample.metadata)
        #expect(file.tensors.allSatisfy { $0.dataType == .float16 })
        let weightBytes = { (model: ModelFile) in model.tensors.reduce(0) { $0 + $1.byteLength } }
        #expect(weightBytes(file) * 2 == weightBytes(wideFile))
        #expect(file.fileSize < wideFile.fileSize)

        for name in names {
            let stored = try file.elementsCopy(name)
            let original = source.values(name)
            #expect(file.shape(of: name) == source.shape(of: name))
            #expect(stored.count == original.count)
            for (value, reference) in zip(stored, original) {
                // Half an fp16 ulp: 2⁻¹¹ relative for normals, 2⁻²⁵ absolute for subnormals.
                let tolerance = max(abs(reference) * 0x1p-11, 0x1p-25)
                #expect(abs(value - reference) <= tolerance, "\(name): \(reference) → \(value)")
            }
        }
        let edges = try file.elementsCopy("edges")
        #expect(edges == [65504, -65504, 0x1p-24, 1, 0, -0.0, 0])
        #expect(edges[5].sign == .minus)
    }

    @Test("writing the same input twice gives the same bytes")
    func deterministic() async throws {
        let directory = try ModelFileTestDirectory()
        let first = try ModelFileSample.write(to: directory.file("a.embed"))
        let second = try ModelFileSample.write(to: directory.file("b.embed"))
        #expect(first == second)
    }

    @Test("a file with no tensors and an empty-object metadata is valid")
    func empty() async throws {
        let directory = try ModelFileTestDirectory()
        let url = directory.file("empty.embed")
        try ModelFileWriter.write(metadata: Data("{}".utf8), tensors: ModelFileTestTensors(), names: [], to: url)
        let file = try ModelFile(path: url.path(percentEncoded: false))
        #expect(file.tensors.isEmpty)
        #expect(file.metadata == Data("{}".utf8))
        try file.validate(expected: [])
    }

    @Test("an existing file is replaced atomically, and only by a good file")
    func atomicReplace() async throws {
        let directory = try ModelFileTestDirectory()
        let url = directory.file("model.embed")
        let original = try ModelFileSample.write(to: url)

        var bad = ModelFileSample.tensors()
        bad.add("embeddings.LayerNorm.weight", shape: [16], values: Array(repeating: .nan, count: 16))
        let error = #expect(throws: ModelFileError.self, "wrote a NaN weight") {
            try ModelFileWriter.write(metadata: ModelFileSample.metadata, tensors: bad, names: ModelFileSample.names, to: url)
        }
        if let error {
            guard case .unrepresentableValue("embeddings.LayerNorm.weight", 0, let value, .float32) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(value.isNaN)
        }
        #expect(try Array(Data(contentsOf: url)) == original)
        #expect(try directory.contents() == ["model.embed"], "no partial file left behind")

        var changed = ModelFileSample.tensors(seed: 7)
        changed.add("scalar", shape: [], values: [123])
        try ModelFileWriter.write(metadata: ModelFileSample.metadata, tensors: changed, names: ModelFileSample.names, to: url)
        #expect(try ModelFile(path: url.path(percentEncoded: false)).elementsCopy("scalar") == [123])
        #expect(try directory.contents() == ["model.embed"])
    }

    @Test("asking for a tensor the file lacks names it")
    func missingTensor() async throws {
        let directory = try ModelFileTestDirectory()
        let url = directory.file("model.embed")
        try ModelFileSample.write(to: url)
        let file = try ModelFile(path: url.path(percentEncoded: false))
        #expect(file.shape(of: "nope") == nil)
        #expect(throws: ModelFileError.tensorNotFound(path: file.path, tensor: "nope")) { try file.floats("nope") }
    }
}

@Suite("Model file writer: bad input is refused and nothing is written", .offThePool)
struct ModelFileWriterInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let metadata: Data
        let names: [String]
        let storage: ModelFileStorage
        let mutate: @Sendable (inout ModelFileTestTensors) -> Void
        let expected: ModelFileError?
        let fragment: String

        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "metadata is not JSON", metadata: Data("model: bert".utf8), names: ModelFileSample.names,
             storage: .float32, mutate: { _ in }, expected: nil, fragment: "it is not valid JSON: "),
        Case(label: "metadata is a JSON array", metadata: Data("[1, 2]".utf8), names: ModelFileSample.names,
             storage: .float32, mutate: { _ in },
             expected: .invalidMetadataInput(reason: "its top-level JSON value is not an object"), fragment: "not an object"),
        Case(label: "metadata is not UTF-8", metadata: Data([0x7B, 0xFF, 0x7D]), names: ModelFileSample.names,
             storage: .float32, mutate: { _ in },
             expected: .invalidMetadataInput(reason: "it is not valid UTF-8"), fragment: "UTF-8"),
        Case(label: "a name is listed twice", metadata: ModelFileSample.metadata, names: ModelFileSample.names + ["scalar"],
             storage: .float32, mutate: { _ in },
             expected: .invalidTensorName(name: "scalar", reason: "is listed twice"), fragment: "listed twice"),
        Case(label: "an empty name", metadata: ModelFileSample.metadata, names: [""], storage: .float32,
             mutate: { _ in }, expected: .invalidTensorName(name: "", reason: "is empty"), fragment: "is empty"),
        Case(label: "a name with a control character", metadata: ModelFileSample.metadata, names: ["bad\u{0}name"],
             storage: .float32, mutate: { _ in },
             expected: .invalidTensorName(name: "bad\u{0}name", reason: "contains a control character"),
             fragment: "control character"),
        Case(label: "a name the source lacks", metadata: ModelFileSample.metadata, names: ["scalar", "ghost"],
             storage: .float32, mutate: { _ in }, expected: .sourceTensorMissing(tensor: "ghost"), fragment: "ghost"),
        Case(label: "an infinite weight", metadata: ModelFileSample.metadata, names: ["scalar"], storage: .float32,
             mutate: { $0.add("scalar", shape: [], values: [.infinity]) },
             expected: .unrepresentableValue(tensor: "scalar", index: 0, value: .infinity, storage: .float32),
             fragment: "not finite"),
        Case(label: "a weight beyond fp16", metadata: ModelFileSample.metadata, names: ["odd.sized"], storage: .float16,
             mutate: { $0.add("odd.sized", shape: [3, 5], values: Array(repeating: 1, count: 14) + [70000]) },
             expected: .unrepresentableValue(tensor: "odd.sized", index: 14, value: 70000, storage: .float16),
             fragment: "outside the f16 range"),
        Case(label: "a source whose data disagrees with its shape", metadata: ModelFileSample.metadata,
             names: ["odd.sized"], storage: .float32,
             mutate: { $0.add("odd.sized", shape: [3, 5], values: [1, 2, 3]) }, expected: nil,
             fragment: "produced 3 elements"),
    ]

    @Test("refused with a clear error", arguments: cases)
    func refused(_ testCase: Case) async throws {
        let directory = try ModelFileTestDirectory()
        var source = ModelFileSample.tensors()
        testCase.mutate(&source)
        let url = directory.file("model.embed")
        let error = #expect(throws: ModelFileError.self, "wrote a file from bad input") {
            try ModelFileWriter.write(
                metadata: testCase.metadata, tensors: source, names: testCase.names, storage: testCase.storage, to: url)
        }
        if let error {
            if let expected = testCase.expected { #expect(error == expected) }
            #expect(error.description.contains(testCase.fragment), "\(error)")
        }
        #expect(try directory.contents().isEmpty, "nothing may be left behind")
    }

    @Test("a destination folder that does not exist")
    func missingFolder() async throws {
        let directory = try ModelFileTestDirectory()
        let url = directory.url.appendingPathComponent("no/such/folder/model.embed")
        let error = try #require(throws: ModelFileError.self, "wrote into a missing folder") { try ModelFileSample.write(to: url) }
        guard case .cannotWrite(let path, let reason) = error else {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(path == url.path(percentEncoded: false))
        #expect(reason.contains("No such file or directory"), "\(reason)")
    }

    @Test("a destination that is a directory")
    func destinationIsDirectory() async throws {
        let directory = try ModelFileTestDirectory()
        let url = directory.file("taken")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        #expect(throws: ModelFileError.self) { try ModelFileSample.write(to: url) }
        #expect(try directory.contents() == ["taken"])
    }
}
