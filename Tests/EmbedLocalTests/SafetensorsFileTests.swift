@testable import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

@Suite("Safetensors reader", .offThePool)
struct SafetensorsFileTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder() }

    private func open(_ data: Data, name: String = "model.safetensors") throws -> SafetensorsFile {
        try SafetensorsFile(url: try folder.write(name, data))
    }

    /// Opens `data` expecting failure and returns the error.
    private func failure(
        _ data: Data, name: String = "bad.safetensors", sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> SafetensorsError {
        let url = try folder.write(name, data)
        let error = try #require(throws: SafetensorsError.self, "opening \(name) succeeded", sourceLocation: sourceLocation) {
            try SafetensorsFile(url: url)
        }
        #expect(error.path == url.path)
        #expect(error.description.hasPrefix(url.path))
        return error
    }

    private func sample() -> SafetensorsBuilder {
        var builder = SafetensorsBuilder()
        builder.add("a.weight", floats: [1, -2, 3.5, 4, 5, 6], shape: [2, 3])
        builder.add("a.bias", floats: [0.25, -0.5], shape: [2])
        return builder
    }

    @Test func readsFloat32TensorsAsViewsIntoTheMapping() async throws {
        let file = try open(sample().build())
        #expect(file.tensorNames == ["a.bias", "a.weight"])
        #expect(file.shape(of: "a.weight") == [2, 3])
        #expect(file.shape(of: "missing") == nil)
        #expect(file.dataTypeName(of: "a.bias") == "F32")
        let weight = try file.floats("a.weight")
        #expect(weight.elements == [1, -2, 3.5, 4, 5, 6])
        #expect(weight.shape == [2, 3])
        #expect(try file.floats("a.bias").elements == [0.25, -0.5])
    }

    @Test func copiesFloat32DataThatIsNotFourByteAligned() async throws {
        var builder = sample()
        builder.headerPadding = 1  // the data buffer then starts at an odd file offset
        let data = builder.build()
        #expect((8 + Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })) % 4 != 0)
        let file = try open(data)
        #expect(try file.floats("a.weight").elements == [1, -2, 3.5, 4, 5, 6])
    }

    @Test func widensHalfAndBFloat16() async throws {
        var builder = SafetensorsBuilder()
        // fp16: 1.0 = 0x3C00, -2.5 = 0xC100, 65504 = 0x7BFF, smallest subnormal 2^-24 = 0x0001
        builder.add("half", dtype: "F16", shape: [4], bytes: [0x00, 0x3C, 0x00, 0xC1, 0xFF, 0x7B, 0x01, 0x00])
        // bf16: 1.0 = 0x3F80, -3.0 = 0xC040
        builder.add("brain", dtype: "BF16", shape: [2], bytes: [0x80, 0x3F, 0x40, 0xC0])
        let file = try open(builder.build())
        #expect(try file.floats("half").elements == [1, -2.5, 65504, 0x1p-24])
        #expect(try file.floats("brain").elements == [1, -3])
    }

    @Test func ignoresMetadataAndAllowsScalarsAndEmptyTensors() async throws {
        var builder = sample()
        builder.metadata = ["format": "pt", "note": "anything"]
        builder.add("scalar", floats: [7], shape: [])
        builder.add("empty", floats: [], shape: [0, 4])
        let file = try open(builder.build())
        #expect(!file.tensorNames.contains("__metadata__"))
        #expect(try file.floats("scalar").elements == [7])
        #expect(try file.floats("empty").count == 0)
    }

    @Test func missingTensorAndNonFloatTensorAreClearErrors() async throws {
        var builder = sample()
        builder.add("embeddings.position_ids", dtype: "I64", shape: [2], bytes: [UInt8](repeating: 0, count: 16))
        let file = try open(builder.build())
        #expect(throws: SafetensorsError(path: file.path, tensor: "nope", reason: .missingTensor)) { try file.floats("nope") }
        let error = #expect(throws: SafetensorsError.self) { try file.floats("embeddings.position_ids") }
        #expect(error?.reason == .notConvertibleToFloat32(dataType: "I64"))
        #expect(error?.description.contains("\"embeddings.position_ids\"") == true)
    }

    @Test func rejectsAFileShorterThanTheLengthPrefix() async throws {
        #expect(try failure(Data([1, 2, 3])).reason == .fileTooSmall(size: 3))
    }

    @Test func rejectsAHeaderLengthBeyondTheFile() async throws {
        var data = sample().build()
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(5000).littleEndian) { Data($0) })
        #expect(try failure(data).reason == .headerBeyondFile(declared: 5000, fileSize: data.count))
    }

    @Test func rejectsAHeaderLengthAboveTheLimit() async throws {
        var data = sample().build()
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(200_000_000).littleEndian) { Data($0) })
        #expect(try failure(data).reason == .headerTooLarge(declared: 200_000_000, limit: 100_000_000))
    }

    @Test func rejectsATruncatedDataBuffer() async throws {
        let data = sample().build().dropLast(4)
        let error = try failure(Data(data))
        #expect(error.tensor == "a.bias")
        #expect(error.reason == .offsetsOutOfRange(begin: 24, end: 32, bufferSize: 28))
        #expect(error.description.contains("truncated"))
    }

    @Test func rejectsOverlappingTensors() async throws {
        var builder = sample()
        builder.tensors[1].offsets = [16, 24]  // inside a.weight's 0..<24
        builder.tensors[1].data = Data()  // keep the buffer exactly 24 bytes
        let error = try failure(builder.build())
        #expect(error.tensor == "a.bias")
        #expect(error.reason == .overlappingTensors(other: "a.weight"))
    }

    @Test func rejectsOffsetsOutsideTheBuffer() async throws {
        var builder = sample()
        builder.tensors[1].offsets = [1000, 1008]
        let error = try failure(builder.build())
        #expect(error.tensor == "a.bias")
        #expect(error.reason == .offsetsOutOfRange(begin: 1000, end: 1008, bufferSize: 32))
    }

    @Test func rejectsHolesAndTrailingBytes() async throws {
        var builder = sample()
        builder.tensors[1].offsets = [28, 36]  // 4-byte hole after a.weight
        builder.tensors[1].data.append(contentsOf: [0, 0, 0, 0])
        #expect(try failure(builder.build()).reason == .incompleteBuffer(coveredUpTo: 24, bufferSize: 36))

        var trailing = sample().build()
        trailing.append(contentsOf: [9, 9, 9, 9])
        #expect(try failure(trailing, name: "trailing.safetensors").reason == .incompleteBuffer(coveredUpTo: 32, bufferSize: 36))
    }

    @Test func rejectsABytesSizeThatDisagreesWithDtypeAndShape() async throws {
        var builder = SafetensorsBuilder()
        builder.add("x", dtype: "F32", shape: [2], bytes: [0, 0, 0, 0])  // 2 × F32 needs 8 bytes
        let error = try failure(builder.build())
        #expect(error.tensor == "x")
        #expect(error.reason == .byteSizeMismatch(expected: 8, found: 4))
    }

    @Test func rejectsUnknownDtypesAndBadShapes() async throws {
        var builder = SafetensorsBuilder()
        builder.add("x", dtype: "F17", shape: [1], bytes: [0, 0])
        #expect(try failure(builder.build()).reason == .unknownDataType("F17"))

        var negative = SafetensorsBuilder()
        negative.add("x", dtype: "F32", shape: [-1], bytes: [])
        #expect(try failure(negative.build(), name: "negative.safetensors").reason == .invalidShape([-1]))

        var reversed = SafetensorsBuilder()
        reversed.add("x", dtype: "F32", shape: [1], bytes: [0, 0, 0, 0])
        reversed.tensors[0].offsets = [4, 0]
        #expect(try failure(reversed.build(), name: "reversed.safetensors").reason == .invalidOffsets([4, 0]))
    }

    @Test func rejectsHeadersThatAreNotJSONObjects() async throws {
        let builder = sample()
        let notJSON = try failure(builder.build(header: "{\"a.weight\": nonsense"), name: "garbage.safetensors")
        guard case .headerNotJSONObject = notJSON.reason else {
            Issue.record("expected headerNotJSONObject, got \(notJSON.reason)")
            return
        }
        let array = try failure(builder.build(header: "[1, 2, 3]"), name: "array.safetensors")
        guard case .headerNotJSONObject(let detail) = array.reason else {
            Issue.record("expected headerNotJSONObject, got \(array.reason)")
            return
        }
        #expect(detail.contains("0x5b"))
    }

    @Test func namesTheEntryWithAMissingField() async throws {
        let header = "{\"a.weight\":{\"dtype\":\"F32\",\"shape\":[2,3]}}"
        let error = try failure(sample().build(header: header))
        #expect(error.tensor == "a.weight")
        guard case .invalidEntry(let detail) = error.reason else {
            Issue.record("expected invalidEntry, got \(error.reason)")
            return
        }
        #expect(detail.contains("data_offsets"))
    }

    @Test func reportsAMissingFile() async throws {
        let path = folder.url.appendingPathComponent("absent.safetensors").path
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: path) }
        guard case .cannotMap(.cannotOpen) = error?.reason else {
            Issue.record("expected cannotOpen, got \(String(describing: error))")
            return
        }
    }

    @Test(.requires(Fixtures.defaultModelFolder))
    func readsTheDefaultModelWithoutCopying() async throws {
        let url = Fixtures.defaultModelFolder.url.appendingPathComponent("model.safetensors")
        let file = try SafetensorsFile(url: url)
        #expect(file.tensorNames.count == 104)  // position_ids, 5 embedding, 6 × 16 layer and 2 pooler tensors
        let words = try file.floats("embeddings.word_embeddings.weight")
        #expect(words.shape == [30522, 384])
        #expect(words.count == 30522 * 384)
    }
}
