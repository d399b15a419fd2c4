@testable import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

/// A temporary folder removed when the value is deinitialized.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("EmbedLocalTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `contents` (a String or Data) to `name` below the folder, creating subfolders.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> URL {
        try write(name, Data(contents.utf8))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> URL {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
        return file
    }

    /// Copies a fixture folder (e.g. `tiny/tiny-cls-normalize`) into `name`, shared files
    /// (symbolic links) as ordinary ones, and returns its URL.
    func copyFixture(_ fixture: String, as name: String = "model") throws -> URL {
        let destination = url.appendingPathComponent(name)
        try Fixtures.copy(Fixtures.url(fixture), to: destination)
        return destination
    }
}

/// Builds safetensors files byte by byte, including broken ones.
struct SafetensorsBuilder {
    struct Tensor {
        var name: String
        var dtype: String
        var shape: [Int]
        var data: Data
        /// Overrides the computed `data_offsets`.
        var offsets: [Int]? = nil
    }

    var tensors: [Tensor] = []
    var metadata: [String: String]? = ["format": "pt"]
    /// Extra spaces after the JSON (to test alignment handling); `nil` pads to a multiple of 8.
    var headerPadding: Int? = nil

    mutating func add(_ name: String, floats: [Float], shape: [Int]) {
        var data = Data()
        for value in floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        tensors.append(Tensor(name: name, dtype: "F32", shape: shape, data: data))
    }

    mutating func add(_ name: String, dtype: String, shape: [Int], bytes: [UInt8]) {
        tensors.append(Tensor(name: name, dtype: dtype, shape: shape, data: Data(bytes)))
    }

    /// The header JSON text.
    func headerJSON() -> String {
        var entries: [String] = []
        if let metadata {
            let pairs = metadata.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
            entries.append("\"__metadata__\":{\(pairs)}")
        }
        var offset = 0
        for tensor in tensors {
            let offsets = tensor.offsets ?? [offset, offset + tensor.data.count]
            offset += tensor.data.count
            entries.append("\"\(tensor.name)\":{\"dtype\":\"\(tensor.dtype)\",\"shape\":\(tensor.shape),\"data_offsets\":\(offsets)}")
        }
        return "{" + entries.joined(separator: ",") + "}"
    }

    /// The file's bytes.
    func build(header: String? = nil) -> Data {
        var headerBytes = Data((header ?? headerJSON()).utf8)
        let padding = headerPadding ?? ((8 - headerBytes.count % 8) % 8)
        headerBytes.append(contentsOf: [UInt8](repeating: 0x20, count: padding))
        var data = Data()
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(headerBytes)
        for tensor in tensors { data.append(tensor.data) }
        return data
    }
}

/// A tensor source that hides or reshapes tensors of another, for error tests.
struct EditedTensorSource: TensorSource {
    let base: any TensorSource
    var hidden: Set<String> = []
    var reshaped: [String: [Int]] = [:]

    var tensorNames: [String] { base.tensorNames.filter { !hidden.contains($0) } }

    func shape(of name: String) -> [Int]? {
        guard !hidden.contains(name) else { return nil }
        return reshaped[name] ?? base.shape(of: name)
    }

    func floats(_ name: String) throws -> TensorBuffer {
        let buffer = try base.floats(name)
        return TensorBuffer(pointer: buffer.pointer, shape: reshaped[name] ?? buffer.shape, owner: BufferOwner(buffer))
    }

    private final class BufferOwner: Sendable {
        let buffer: TensorBuffer
        init(_ buffer: TensorBuffer) { self.buffer = buffer }
    }
}

/// Reads a JSON file into a mutable dictionary, applies `edit`, and writes it back.
func editJSON(_ url: URL, _ edit: (inout [String: Any]) -> Void) throws {
    let data = try Data(contentsOf: url)
    var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    edit(&object)
    try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url)
}

/// Loads a tiny fixture model.
func tinyEncoder(_ name: String, options: SentenceEncoder.Options = .init()) throws -> SentenceEncoder {
    try SentenceEncoder(folder: Fixtures.url("tiny/\(name)"), options: options)
}

/// The golden records of a tiny fixture model.
func tinyGolden(_ name: String) throws -> [GoldenRecord] {
    try Fixtures.readJSONLines(Fixtures.url("tiny/\(name).jsonl.gz"), as: GoldenRecord.self)
}
