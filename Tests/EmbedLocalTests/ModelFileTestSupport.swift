import EmbedCore
import EmbedLocal
import Foundation
import Testing

/// An in-memory `TensorSource` for writing synthetic model files.
struct ModelFileTestTensors: TensorSource {
    struct Entry: Sendable {
        var shape: [Int]
        var values: [Float]
    }

    private(set) var tensorNames: [String] = []
    private var entries: [String: Entry] = [:]

    init(_ tensors: [(name: String, shape: [Int], values: [Float])] = []) {
        for tensor in tensors { add(tensor.name, shape: tensor.shape, values: tensor.values) }
    }

    mutating func add(_ name: String, shape: [Int], values: [Float]) {
        if entries[name] == nil { tensorNames.append(name) }
        entries[name] = Entry(shape: shape, values: values)
    }

    func shape(of name: String) -> [Int]? { entries[name]?.shape }

    func values(_ name: String) -> [Float] { entries[name]?.values ?? [] }

    func floats(_ name: String) throws -> TensorBuffer {
        guard let entry = entries[name] else { throw MissingTensor(name: name) }
        return TensorBuffer(array: entry.values, shape: entry.shape)
    }

    struct MissingTensor: Error { let name: String }
}


/// A fresh directory under the system's temporary directory, removed with the value.
final class ModelFileTestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("ModelFileTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func path(_ name: String) -> String { file(name).path(percentEncoded: false) }

    /// Every entry of the directory, hidden ones included.
    func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path(percentEncoded: false)).sorted()
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A small BERT-like set of tensors with seeded values: sizes that are and are not multiples of
/// 64 bytes (so padding is exercised), a rank-0 and a rank-3 tensor.
enum ModelFileSample {
    static let metadata = Data(#"{"model":{"architecture":"bert","hidden_size":16},"tokenizer":{"vocab":["[PAD]","[UNK]","héllo"]},"source":"synthetic"}"#.utf8)

    static let shapes: [(name: String, shape: [Int])] = [
        ("embeddings.word_embeddings.weight", [30, 16]),
        ("embeddings.LayerNorm.weight", [16]),
        ("encoder.layer.0.attention.self.query.weight", [16, 16]),
        ("encoder.layer.0.attention.self.query.bias", [16]),
        ("odd.sized", [3, 5]),
        ("scalar", []),
        ("pooler.cube", [2, 3, 7]),
    ]

    static var names: [String] { shapes.map(\.name) }

    static func tensors(seed: UInt64 = 42) -> ModelFileTestTensors {
        var generator = SeededGenerator(seed: seed)
        var source = ModelFileTestTensors()
        for (name, shape) in shapes {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { _ in Float.random(in: -2...2, using: &generator) }
            source.add(name, shape: shape, values: values)
        }
        return source
    }

    /// Writes the sample and returns its bytes.
    @discardableResult
    static func write(to url: URL, storage: ModelFileStorage = .float32) throws -> [UInt8] {
        // int8 storage quantizes the matrices, as it does a model's linear weights and word table.
        let matrices: Set = ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight", "odd.sized"]
        try ModelFileWriter.write(metadata: metadata, tensors: tensors(), names: names, storage: storage,
                                  quantizing: matrices, to: url)
        return try Array(Data(contentsOf: url))
    }
}

extension Array where Element == UInt8 {
    func fieldUInt64(at offset: Int) -> UInt64 {
        withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    }

    func fieldUInt32(at offset: Int) -> UInt32 {
        withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }

    mutating func setField(_ value: UInt64, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { replaceSubrange(offset..<(offset + 8), with: $0) }
    }

    mutating func setField(_ value: UInt32, at offset: Int) {
        Swift.withUnsafeBytes(of: value.littleEndian) { replaceSubrange(offset..<(offset + 4), with: $0) }
    }
}

/// Opens `bytes` as a model file (written to `name` in `directory`) and returns the error, or
/// records an issue when the file opened.
func modelFileOpeningError(
    _ bytes: [UInt8], in directory: ModelFileTestDirectory, name: String = "case.embed", verifyChecksum: Bool = true,
    _ context: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) throws -> ModelFileError? {
    let url = directory.file(name)
    try Data(bytes).write(to: url)
    return #expect(throws: ModelFileError.self, "opened a damaged file: \(context())", sourceLocation: sourceLocation) {
        try ModelFile(path: url.path(percentEncoded: false), verifyChecksum: verifyChecksum)
    }
}

extension TensorSource {
    /// A copy of a tensor's elements, read while its buffer (and so the memory it views) is
    /// alive: a `TensorBuffer`'s pointer is only valid as long as the buffer itself.
    func elementsCopy(_ name: String) throws -> [Float] {
        let buffer = try floats(name)
        return withExtendedLifetime(buffer) { Array(buffer.pointer) }
    }
}
