import EmbedCore
import EmbedGGUF
import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

/// The reader against well-formed files and against every kind of damage: each bad file is a
/// ``GGUFError`` saying what is wrong, never a crash or a silent misread.
@Suite("GGUF files: reading and refusing damaged ones", .offThePool)
struct GGUFFileTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-file-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func write(_ bytes: [UInt8], name: String = "test.gguf") throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func error(_ bytes: [UInt8]) throws -> GGUFError? {
        let path = try write(bytes)
        do {
            _ = try GGUFFile(path: path)
            return nil
        } catch {
            return error
        }
    }

    static let tiny = Fixtures.url("gguf/tiny-cls-normalize.f32.gguf")

    @Test("A file made by llama.cpp's converter: version, metadata, tensors and the data offset")
    func realFile() throws {
        let file = try GGUFFile(path: Self.tiny.path)
        #expect(file.version == 3)
        #expect(file.architecture == "bert")
        #expect(file.metadata.count == 29)  // gguf-dump shows 32: it adds the version and both counts
        #expect(file["bert.pooling_type"]?.int == 2)
        #expect(file["tokenizer.ggml.tokens"]?.array?.count == 3000)
        #expect(file.alignment == 32)
        #expect(file.dataOffset == 60_160)
        let words = try #require(file.tensorsByName["token_embd.weight"])
        #expect(words.dimensions == [32, 3000])
        #expect(words.shape == [3000, 32])
        #expect(words.type == .f32)
        #expect(file.tensors.allSatisfy { $0.offset >= file.dataOffset && $0.offset % 32 == 0 })
        let built = try GGUFFile(path: try write(GGUFBuilder.valid.bytes))
        #expect(built.tensors.map(\.shape) == [[2, 4]])
    }

    @Test("Bad magic, version 1, a big-endian file and a future version are refused by name")
    func headers() throws {
        var builder = GGUFBuilder.valid
        builder.magic = Array("GGML".utf8)
        #expect(try error(builder.bytes)?.description.contains("not a GGUF file") == true)
        for (version, words) in [(UInt32(1), "version 1"), (0x0300_0000, "big-endian"), (4, "version 4")] {
            builder = .valid
            builder.version = version
            let found = try error(builder.bytes)
            #expect(found?.description.contains(words) == true, "\(String(describing: found))")
        }
        builder = .valid
        builder.version = 2
        #expect(try error(builder.bytes) == nil)
        #expect(try error([])?.description.contains("truncated") == true)
    }

    @Test("Absurd counts are refused before anything is allocated")
    func absurdCounts() throws {
        var builder = GGUFBuilder.valid
        builder.tensorCount = 1 << 60
        #expect(try error(builder.bytes)?.reason == .absurdCount(what: "the tensor count", count: 1 << 60))
        builder = .valid
        builder.keyCount = UInt64.max
        #expect(try error(builder.bytes).map { if case .absurdCount = $0.reason { true } else { false } } == true)
        builder = .valid
        builder.metadata.append(("x", .rawString(length: 1 << 50, bytes: [])))
        #expect(try error(builder.bytes).map { if case .absurdCount = $0.reason { true } else { false } } == true)
        builder = .valid
        builder.metadata.append(("x", .array(elementType: 8, count: 1 << 40, payload: [])))
        #expect(try error(builder.bytes).map { if case .absurdCount = $0.reason { true } else { false } } == true)
    }

    /// Applies the damage `name` describes to a valid file.
    static func damage(_ name: String, _ b: inout GGUFBuilder) {
        switch name {
        case "a BOOL of 2": b.metadata.append(("flag", .bool(2)))
        case "an unknown value type": b.metadata.append(("x", .raw(type: 13, payload: [0])))
        case "invalid UTF-8": b.metadata.append(("x", .rawString(length: 2, bytes: [0xC3, 0x28])))
        case "a duplicate key": b.metadata.append(("general.architecture", .string("again")))
        case "arrays nested too deep":
            let inner = GGUFBuilder.le(UInt32(9)) + GGUFBuilder.le(UInt64(1)) + GGUFBuilder.le(UInt32(4)) + GGUFBuilder.le(UInt64(0))
            b.metadata.append(("x", .array(elementType: 9, count: 1, payload: inner)))
        case "an alignment of 3": b.metadata.append(("general.alignment", .u32(3)))
        case "five dimensions": b.tensors[0].dimensions = [1, 1, 1, 1, 8]
        case "a zero dimension": b.tensors[0].dimensions = [4, 0]
        case "a duplicate tensor": b.tensors.append(b.tensors[0])
        case "an offset past the end": b.tensors[0].offset = 1 << 40
        case "an unaligned offset": b.tensors[0].offset = 4
        case "data running past the end": b.tensors[0].dimensions = [4, 3]
        case "overlapping tensors": b.tensors.append(.init(name: "u.weight", dimensions: [4], offset: 0))
        case "Q8_0 rows that are not whole blocks": b.tensors[0].type = 8
        default: Issue.record("no damage called \(name)")
        }
    }

    @Test(
        "Malformed metadata and tensor infos are errors naming the problem",
        arguments: [
            ("a BOOL of 2", "BOOL of value 2"), ("an unknown value type", "unknown value type 13"),
            ("invalid UTF-8", "not valid UTF-8"), ("a duplicate key", "appears twice"), ("arrays nested too deep", "nests arrays"),
            ("an alignment of 3", "power of two"), ("five dimensions", "5 dimensions"), ("a zero dimension", "dimension of 0"),
            ("a duplicate tensor", "appears twice"), ("an offset past the end", "offset"),
            ("an unaligned offset", "not a multiple of the alignment"), ("data running past the end", "run past the end"),
            ("overlapping tensors", "overlaps"), ("Q8_0 rows that are not whole blocks", "not whole Q8_0 blocks"),
        ])
    func malformed(name: String, words: String) throws {
        var builder = GGUFBuilder.valid
        Self.damage(name, &builder)
        let found = try error(builder.bytes)
        #expect(found?.description.contains(words) == true, "\(name): \(String(describing: found))")
    }

    @Test("A file cut anywhere is refused: in the header, the metadata, the tensor infos or the data")
    func truncated() throws {
        let bytes = Array(try Data(contentsOf: Self.tiny))
        let file = try GGUFFile(path: Self.tiny.path)
        var cuts = Array(0..<64) + Array(stride(from: 64, to: file.dataOffset, by: 487)) + [file.dataOffset - 1]
        cuts += [file.dataOffset, file.dataOffset + 1000, bytes.count - 1]
        for cut in cuts {
            let found = try error(Array(bytes.prefix(cut)))
            #expect(found != nil, "a file cut at byte \(cut) of \(bytes.count) was read")
        }
    }

    @Test("A tensor whose shape disagrees with the metadata, or a changed hyper-parameter, is refused when converting")
    func wrongShapes() throws {
        let original = Array(try Data(contentsOf: Self.tiny))
        // The tensor info of blk.0.attn_q.weight: name, n_dims, then ne[0] (32) as a UInt64.
        let name = Array("blk.0.attn_q.weight".utf8)
        let start = try #require(Self.find(name, in: original))
        var damaged = original
        damaged[start + name.count + 4] = 16  // ne[0] 32 → 16: the rows are too short
        let path = try write(damaged)
        let problem = #expect(throws: GGUFError.self) { try GGUFModel(file: GGUFFile(path: path)) }
        #expect(problem?.description.contains("blk.0.attn_q.weight: has shape [32, 16]") == true, "\(String(describing: problem))")

        // bert.feed_forward_length 64 → 65: the ffn tensors no longer fit.
        let key = Array("bert.feed_forward_length".utf8)
        let keyStart = try #require(Self.find(key, in: original))
        damaged = original
        damaged[keyStart + key.count + 4] = 65
        let path2 = try write(damaged, name: "ffn.gguf")
        let problem2 = #expect(throws: GGUFError.self) { try GGUFModel(file: GGUFFile(path: path2)) }
        #expect(problem2?.description.contains("ffn_") == true, "\(String(describing: problem2))")
    }

    @Test("An unsupported architecture, tokenizer or tensor type names what is supported")
    func unsupported() throws {
        var builder = GGUFBuilder.valid
        builder.metadata = [("general.architecture", .string("llama"))]
        let path = try write(builder.bytes)
        let problem = #expect(throws: GGUFError.self) { try GGUFModel(file: GGUFFile(path: path)) }
        #expect(problem?.description.contains("unsupported GGUF architecture llama; supported: bert, nomic-bert") == true)

        // Q4_0 weights: a type this runtime does not convert.
        var bytes = Array(try Data(contentsOf: Self.tiny))
        let name = Array("blk.1.ffn_up.weight".utf8)
        let start = try #require(Self.find(name, in: bytes))
        let typeOffset = start + name.count + 4 + 2 * 8
        bytes[typeOffset] = 2
        let q4 = try write(bytes, name: "q4.gguf")
        let typeProblem = #expect(throws: GGUFError.self) { try GGUFModel(file: GGUFFile(path: q4)) }
        #expect(typeProblem?.description.contains("stored as Q4_0, which is not supported; supported tensor types: F32, F16, BF16, Q8_0") == true,
                "\(String(describing: typeProblem))")
    }

    @Test("Fuzzed files: random damage is read or refused with a GGUFError, never a crash")
    func fuzz() throws {
        let original = Array(try Data(contentsOf: Self.tiny))
        let headerEnd = try GGUFFile(path: Self.tiny.path).dataOffset
        var random = SeededGenerator(seed: 22)
        var refused = 0, read = 0, converted = 0
        for iteration in 0..<400 {
            var bytes = original
            switch iteration % 4 {
            case 0:  // flip a few bytes of the header
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<headerEnd, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                }
            case 1:  // overwrite a UInt64 with a large value
                let at = Int.random(in: 8..<(headerEnd - 8), using: &random)
                bytes.replaceSubrange(at..<(at + 8), with: GGUFBuilder.le(UInt64.random(in: 1 << 20...UInt64.max, using: &random)))
            case 2:  // cut
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
            default:  // insert junk
                let at = Int.random(in: 0..<headerEnd, using: &random)
                bytes.insert(contentsOf: (0..<Int.random(in: 1...16, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
            }
            let path = try write(bytes, name: "fuzz.gguf")
            do {
                let file = try GGUFFile(path: path)
                read += 1
                let model = try GGUFModel(file: file)
                for name in model.tensors.tensorNames { _ = try model.tensors.floats(name) }
                converted += 1
            } catch is GGUFError {
                refused += 1
            }
        }
        print("fuzz: \(refused) refused, \(read) read, \(converted) converted")
        #expect(refused > 200)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
