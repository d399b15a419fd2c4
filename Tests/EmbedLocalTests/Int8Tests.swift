import CEmbedKernels
import EmbedCore
@testable import EmbedLocal
import EmbedTestSupport
import Foundation
import Testing

/// The int8 instruction sets this CPU runs, portable first.
private let int8InstructionSets: [embed_int8_isa] = [
    EMBED_INT8_PORTABLE, EMBED_INT8_AVX2, EMBED_INT8_AVX_VNNI, EMBED_INT8_AVX512_VNNI, EMBED_INT8_NEON_DOTPROD,
].filter { embed_int8_supports($0) != 0 }

/// One product's inputs, already quantized, and the plain reference of the kernels' result.
private struct ProductCase: CustomStringConvertible {
    let m: Int, n: Int, k: Int
    /// Activations in [-128, 127] (`m × k`) with a scale per row.
    var activations: [Int8]
    var activationScales: [Float]
    /// Weights in [-127, 127] (`n × k`) with a scale per row.
    var weights: [Int8]
    var weightScales: [Float]
    var bias: [Float]

    var description: String { "m \(m) n \(n) k \(k)" }

    /// `kind` 0: random; 1: activations all -128, weights all 127; 2: activations all 127,
    /// weights all -127; 3: extremes alternating.
    init(m: Int, n: Int, k: Int, kind: Int, seed: UInt64) {
        self.m = m
        self.n = n
        self.k = k
        var generator = SeededGenerator(seed: seed)
        func activation(_ index: Int) -> Int8 {
            switch kind {
            case 1: -128
            case 2: 127
            case 3: index % 2 == 0 ? -128 : 127
            default: Int8.random(in: -128...127, using: &generator)
            }
        }
        func weight(_ index: Int) -> Int8 {
            switch kind {
            case 1: 127
            case 2: -127
            case 3: index % 3 == 0 ? 127 : -127
            default: Int8.random(in: -127...127, using: &generator)
            }
        }
        activations = (0..<(m * k)).map(activation)
        weights = (0..<(n * k)).map(weight)
        activationScales = (0..<m).map { _ in Float.random(in: 0.001...0.1, using: &generator) }
        weightScales = (0..<n).map { _ in Float.random(in: 0.001...0.1, using: &generator) }
        bias = (0..<n).map { _ in Float.random(in: -1...1, using: &generator) }
    }

    /// The exact int32 sum of row `i` and feature `j`, computed in Int64 so that it cannot wrap.
    func sum(_ i: Int, _ j: Int) -> Int64 {
        var total: Int64 = 0
        for index in 0..<k { total += Int64(activations[i * k + index]) * Int64(weights[j * k + index]) }
        return total
    }

    /// The kernels' documented result: `(float)s · (a_scale · w_scale)`, then `+ bias`, then
    /// `+ c` when accumulating, each rounded in that order.
    func expected(_ i: Int, _ j: Int, bias useBias: Bool, onto start: Float?) -> Float {
        let s = sum(i, j)
        precondition(s >= Int64(Int32.min) && s <= Int64(Int32.max))
        var y = Float(Int32(s)) * (activationScales[i] * weightScales[j])
        if useBias { y = y + bias[j] }
        if let start { y = start + y }
        return y
    }
}

@Suite("int8: the product's kernels, quantization, storage and accuracy", .offThePool)
struct Int8Tests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder() }

    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (1, 16, 3), (3, 17, 5), (4, 33, 64), (7, 48, 67), (17, 31, 129), (6, 64, 384), (13, 40, 1536),
    ]

    @Test("Every instruction set gives the plain reference's result bit for bit: exact int32 sums, edge values, odd sizes, column ranges, bias, accumulation",
          arguments: int8InstructionSets.map { Int($0.rawValue) })
    func productMatchesReference(isaCode: Int) async throws {
        let isa = embed_int8_isa(rawValue: UInt32(isaCode))
        var checked = 0
        for (index, shape) in Self.shapes.enumerated() {
            for kind in 0..<4 {
                let product = ProductCase(m: shape.m, n: shape.n, k: shape.k, kind: kind, seed: UInt64(100 * index + kind))
                var packed = [UInt8](repeating: 0xAB, count: embed_int8_packed_size(shape.n, shape.k))
                var quantized = [UInt8](repeating: 0xCD, count: embed_int8_activation_size(shape.m, shape.k))
                product.weights.withUnsafeBufferPointer { w in
                    embed_int8_pack_weights(w.baseAddress, shape.n, shape.k, shape.k, &packed)
                }
                product.activations.withUnsafeBufferPointer { a in
                    product.activationScales.withUnsafeBufferPointer { scales in
                        embed_int8_store_rows(a.baseAddress, scales.baseAddress, shape.m, shape.k, shape.k, &quantized)
                    }
                }
                // Whole, a range starting inside a block of 16, and one ending inside one.
                let ranges = [0..<shape.n, min(5, shape.n)..<shape.n, 0..<max(0, shape.n - 3)]
                for columns in ranges {
                    for (useBias, accumulate) in [(false, false), (true, false), (true, true)] {
                        let stride = shape.n + 3  // a leading dimension wider than the row
                        let start = (0..<(shape.m * stride)).map { Float($0 % 7) - 3 }
                        var output = start
                        product.weightScales.withUnsafeBufferPointer { scales in
                            product.bias.withUnsafeBufferPointer { bias in
                                embed_int8_gemm(isa, shape.m, columns.lowerBound, columns.upperBound, shape.k, quantized, packed,
                                                scales.baseAddress, useBias ? bias.baseAddress : nil, &output, stride,
                                                accumulate ? 1 : 0)
                            }
                        }
                        for i in 0..<shape.m {
                            for j in 0..<stride {
                                let got = output[i * stride + j]
                                let want = columns.contains(j)
                                    ? product.expected(i, j, bias: useBias, onto: accumulate ? start[i * stride + j] : nil)
                                    : start[i * stride + j]  // outside the range nothing is written
                                if got.bitPattern != want.bitPattern {
                                    Issue.record("isa \(isaCode) \(product) kind \(kind) columns \(columns) bias \(useBias) accumulate \(accumulate): [\(i)][\(j)] = \(got), expected \(want)")
                                    return
                                }
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked > 50_000)
    }

    @Test("Activations are quantized the same by every instruction set, and as the weights are", arguments: [1, 5, 64, 100, 384, 1537])
    func activationQuantization(k: Int) async throws {
        var generator = SeededGenerator(seed: UInt64(k))
        let m = 5
        var rows = (0..<(m * k)).map { _ in Float.random(in: -3...3, using: &generator) }
        for index in 0..<k { rows[index] = 0 }  // a row of zeros: scale 0, every value 0
        if k > 1 { rows[k] = 1e-30; rows[k + 1] = -2e-30 }  // tiny values do not overflow the scale
        let stride = embed_int8_activation_stride(k)
        var reference: [UInt8]?
        for isa in int8InstructionSets {
            var quantized = [UInt8](repeating: 0, count: embed_int8_activation_size(m, k))
            embed_int8_quantize_rows(isa, rows, m, k, k, &quantized)
            if let reference { #expect(quantized == reference, "isa \(isa.rawValue)") } else { reference = quantized }
        }
        let bytes = try #require(reference)
        for row in 0..<m {
            var expected = [Int8](repeating: 0, count: k)
            let scale = rows.withUnsafeBufferPointer { values in
                expected.withUnsafeMutableBufferPointer { output in
                    QuantizedTensor.quantize(row: UnsafeBufferPointer(rebasing: values[(row * k)..<((row + 1) * k)]), into: output)
                }
            }
            let stored = bytes[(row * stride)..<(row * stride + k)].map { Int8(Int(exactly: $0)! - 128) }
            #expect(stored == expected, "row \(row)")
            let storedScale = bytes.withUnsafeBytes { $0.load(fromByteOffset: m * stride + row * 4, as: Float.self) }
            #expect(storedScale == scale, "row \(row)")
        }
    }

    @Test("Rows whose quantization loses too much get a second pass: only those rows, and their residual is what the first pass lost")
    func residualRows() async throws {
        // The lost share of a row's energy is at most k / (12 · 127²), so the default threshold
        // (1e-3) can flag only rows of 194 values or more: an encoder's, not a tiny test's.
        let k = 768
        var generator = SeededGenerator(seed: 3)
        var rows = (0..<(3 * k)).map { _ in Float.random(in: -1...1, using: &generator) }
        rows[k + 5] = 300  // row 1: one outlier channel; its other values round to zero
        var quantized = [UInt8](repeating: 0, count: embed_int8_activation_size(3, k))
        embed_int8_quantize_rows(EMBED_INT8_PORTABLE, rows, 3, k, k, &quantized)
        let block = embed_int8_activation_size(1, k)
        var residuals = [UInt8](repeating: 0, count: 3 * block)
        var indices = [Int](repeating: -1, count: 3)
        var scratch = [Float](repeating: 0, count: k)
        let count = embed_int8_quantize_residuals(Kernels.int8InstructionSet,
                                                  rows, 3, k, k, quantized, 1e-3, &residuals, &indices, &scratch)
        #expect(count == 1 && indices[0] == 1)
        // First pass plus second pass reconstruct the row far better than the first alone.
        let stride = embed_int8_activation_stride(k)
        let firstScale = quantized.withUnsafeBytes { $0.load(fromByteOffset: 3 * stride + 4, as: Float.self) }
        let secondScale = residuals.withUnsafeBytes { $0.load(fromByteOffset: stride, as: Float.self) }
        var firstError: Float = 0, bothError: Float = 0
        for p in 0..<k {
            let first = Float(Int(quantized[stride + p]) - 128) * firstScale
            let second = Float(Int(residuals[p]) - 128) * secondScale
            firstError = max(firstError, abs(rows[k + p] - first))
            bothError = max(bothError, abs(rows[k + p] - first - second))
        }
        #expect(bothError * 100 < firstError, "first pass \(firstError), both \(bothError)")
        #expect(try SentenceEncoder.Options(environment: ["EMBED_INT8_RESIDUAL": "0.5"]).threadCount >= 1)
        for bad in ["much", "-1", "2"] {
            #expect(throws: SentenceEncoderError.self) { try SentenceEncoder.Options(environment: ["EMBED_INT8_RESIDUAL": bad]) }
        }
    }

    /// The sample tensors with their 2-D ones quantized.
    static let quantizedNames: Set = ["embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight", "odd.sized"]

    func writeInt8Sample(_ name: String = "sample-int8.embed") throws -> URL {
        let url = folder.url.appendingPathComponent(name)
        try ModelFileWriter.write(metadata: ModelFileSample.metadata, tensors: ModelFileSample.tensors(),
                                  names: ModelFileSample.names, storage: .int8, quantizing: Self.quantizedNames, to: url)
        return url
    }

    @Test("int8 storage round trip: the file holds each matrix's rows as quantized, its scales, and the rest as fp32")
    func roundTrip() async throws {
        let url = try writeInt8Sample()
        let file = try ModelFile(path: url.path)
        let source = ModelFileSample.tensors()
        #expect(file.storage == .int8)
        #expect(file.formatVersion == 3)
        #expect(file.tensorNames == ModelFileSample.names)
        try file.validate(expected: ModelFileSample.shapes)
        for (name, shape) in ModelFileSample.shapes {
            let original = source.values(name)
            if Self.quantizedNames.contains(name) {
                let quantized = try #require(file.quantized(name))
                #expect(quantized.shape == shape)
                let columns = shape[1]
                for row in 0..<shape[0] {
                    var expected = [Int8](repeating: 0, count: columns)
                    let scale = original.withUnsafeBufferPointer { values in
                        expected.withUnsafeMutableBufferPointer { output in
                            QuantizedTensor.quantize(row: UnsafeBufferPointer(rebasing: values[(row * columns)..<((row + 1) * columns)]),
                                                     into: output)
                        }
                    }
                    #expect(quantized.scales[row] == scale)
                    #expect((0..<columns).map { quantized.values[row * columns + $0] } == expected)
                    // Dequantized, each value is within half a step of the original.
                    let dequantized = try file.elementsCopy(name)
                    for column in 0..<columns {
                        #expect(abs(dequantized[row * columns + column] - original[row * columns + column]) <= scale / 2 * 1.0001)
                    }
                }
                #expect(file.tensors.contains { $0.name == name + ".scale" && $0.dataType == .float32 && $0.shape == [shape[0]] })
            } else {
                #expect(file.quantized(name) == nil)
                #expect(try file.elementsCopy(name) == original, "\(name) is stored exactly")
            }
        }
        // A row of zeros quantizes to scale 0 and zeros, and reads back as zeros.
        var zeros = [Int8](repeating: 1, count: 4)
        let scale = [Float](repeating: 0, count: 4).withUnsafeBufferPointer { values in
            zeros.withUnsafeMutableBufferPointer { QuantizedTensor.quantize(row: values, into: $0) }
        }
        #expect(scale == 0 && zeros == [0, 0, 0, 0])
    }

    @Test("A linear layer runs its int8 weight in int8, or widened to fp32 (a CPU without int8 dot products): the two agree within the activations' quantization")
    func dequantizingLinear() async throws {
        let url = try writeInt8Sample("linear.embed")
        let file = try ModelFile(path: url.path)
        let weight = try #require(file.quantized("encoder.layer.0.attention.self.query.weight"))
        let int8 = Linear(weight: .int8(weight), bias: nil, input: 16, dequantizing: false)
        let float = Linear(weight: .int8(weight), bias: nil, input: 16, dequantizing: true)
        guard case .int8 = int8.storage, case .float = float.storage else {
            Issue.record("the layers' storage: \(int8.storage), \(float.storage)")
            return
        }
        var generator = SeededGenerator(seed: 7)
        let input = (0..<(3 * 16)).map { _ in Float.random(in: -1...1, using: &generator) }
        var a = [Float](repeating: 0, count: 3 * 16), b = a
        int8.apply(input, rows: 3, into: &a)
        float.apply(input, rows: 3, into: &b)
        let dequantized = try file.elementsCopy("encoder.layer.0.attention.self.query.weight")
        for row in 0..<3 {
            for feature in 0..<16 {
                var exact: Float = 0
                for k in 0..<16 { exact += input[row * 16 + k] * dequantized[feature * 16 + k] }
                #expect(abs(b[row * 16 + feature] - exact) <= 1e-5)
                // The int8 product differs by the activations' rounding: half a step per input.
                let step = input[(row * 16)..<(row * 16 + 16)].map(abs).max()! / 127
                let bound = (0..<16).reduce(Float(0)) { $0 + abs(dequantized[feature * 16 + $1]) } * step / 2
                #expect(abs(a[row * 16 + feature] - exact) <= bound * 1.001 + 1e-6)
            }
        }
    }

    /// Every tiny model with golden vectors: each architecture, NomicBERT and the pooling variants.
    static let tinyModelFolders = Fixtures.architectureModels.map { "arch/\($0)" } + ["nomic/tiny-nomic-bert"]
        + Fixtures.tinyModels.map { "tiny/\($0)" }

    @Test("Every architecture runs in int8: its matrices, and only those, are stored as int8, and its vectors stay close to sentence-transformers' fp32 ones",
          arguments: tinyModelFolders)
    func everyArchitecture(path: String) async throws {
        let file = folder.url.appendingPathComponent(path.replacingOccurrences(of: "/", with: "-") + ".embed")
        try LocalModel.export(folder: Fixtures.url(path), to: file, storage: .int8)
        let model = try LocalModel(contentsOf: file)
        let stored = try #require(model.file)
        #expect(stored.storage == .int8)
        let int8 = stored.tensors.filter { $0.dataType == .int8 }
        #expect(int8.contains { $0.name.hasSuffix("word_embeddings.weight") || $0.name.hasSuffix("tok_embeddings.weight") })
        for tensor in int8 {
            #expect(tensor.shape.count == 2 && tensor.name.hasSuffix(".weight"), "\(tensor.name)")
            #expect(!tensor.name.hasPrefix("dense.") && !tensor.name.contains("position") && !tensor.name.contains("token_type")
                && !tensor.name.contains("relative_attention_bias"), "\(tensor.name) should stay fp32")
        }
        // Every layer's projections are int8: at least four matrices a layer.
        let layers = model.metadata.model.encoder.layerCount
        #expect(int8.count >= 4 * layers + 1, "\(int8.count) int8 matrices for \(layers) layers")

        let records = try Fixtures.readJSONLines(Fixtures.url("\(path).jsonl.gz"), as: GoldenRecord.self)
        #expect(LocalEmbedder(model: model).weightDataType == "int8")  // TEI's /info model_dtype
        let embeddings = try await LocalEmbedder(model: model).embed(records.map(\.text))
        var report = ParityReport()
        for (embedding, record) in zip(embeddings, records) { report.add(embedding.vector, record) }
        print("\(path) in int8: \(report)")
        #expect(report.worstCosine >= 0.999, "\(report)")
    }

    @Test("all-MiniLM-L6-v2 in int8 against sentence-transformers' fp32 vectors on 603 texts: 1st percentile cosine ≥ 0.99, minimum ≥ 0.97",
          .requires(Fixtures.defaultModelFolder))
    func miniLMAccuracy() async throws {
        let file = folder.url.appendingPathComponent("minilm-int8.embed")
        try LocalModel.export(folder: Fixtures.defaultModelFolder.url, to: file, storage: .int8)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        #expect(size <= 30_000_000, "the int8 file is \(size) bytes")
        let records = try Fixtures.readJSONLines(Fixtures.url("reference/minilm-dev-embeddings.jsonl.gz"), as: GoldenRecord.self)
        let embeddings = try await LocalEmbedder(model: try LocalModel(contentsOf: file)).embed(records.map(\.text))
        let cosines = zip(embeddings, records).map { Similarity.preciseCosine($0.0.vector, $0.1.embedding) }.sorted()
        let first = cosines[cosines.count / 100]
        print("all-MiniLM-L6-v2 int8, \(cosines.count) texts: min \(cosines[0]), p1 \(first), median \(cosines[cosines.count / 2])")
        #expect(first >= 0.99)
        #expect(cosines[0] >= 0.97)
    }

    /// Overwrites bytes of the file at `url` at the table offset of tensor `name` plus `offset`.
    func damage(_ url: URL, tensor name: String, at offset: Int, with bytes: [UInt8]) throws {
        let target = try #require(try ModelFile(path: url.path).tensors.first { $0.name == name })
        var contents = try [UInt8](Data(contentsOf: url))
        contents.replaceSubrange((target.offset + offset)..<(target.offset + offset + bytes.count), with: bytes)
        try Data(contents).write(to: url)
    }

    @Test("Damaged scales or values are refused with the tensor named, even when the weights' checksum is not verified",
          arguments: [
              ("a NaN scale", "encoder.layer.0.attention.self.query.weight.scale", 8, Float.nan.bitPattern.littleEndianBytes, "has scale nan for row 2"),
              ("a negative scale", "odd.sized.scale", 0, Float(-0.5).bitPattern.littleEndianBytes, "has scale -0.5 for row 0"),
              ("an infinite scale", "embeddings.word_embeddings.weight.scale", 4 * 29, Float.infinity.bitPattern.littleEndianBytes, "for row 29"),
              ("a value of -128", "odd.sized", 7, [0x80], "holds -128 at row 1, column 2"),
          ])
    func corruptQuantization(label: String, tensor: String, offset: Int, bytes: [UInt8], message: String) async throws {
        let url = try writeInt8Sample("\(label).embed")
        try damage(url, tensor: tensor, at: offset, with: bytes)
        // With verification the checksum catches it first; without, the int8 checks do.
        #expect(throws: ModelFileError.self) { try ModelFile(path: url.path) }
        let error = try #require(#expect(throws: ModelFileError.self, "\(label)") {
            try ModelFile(path: url.path, verifyChecksum: false)
        })
        guard case .invalidQuantization(_, let name, _) = error else {
            Issue.record("\(label): \(error)")
            return
        }
        #expect(name == String(tensor.prefix { $0 != "." }) || tensor.hasPrefix(name), "\(label): \(error)")
        #expect(error.description.contains(message), "\(label): \(error)")
    }
}

private extension UInt32 {
    var littleEndianBytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}
