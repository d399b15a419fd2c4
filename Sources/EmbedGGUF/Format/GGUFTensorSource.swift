import EmbedLocal

/// A GGUF file's tensors under our canonical names (those of the Hugging Face checkpoint the file
/// was converted from), widened to fp32: F32 as a view of the mapping, F16 and BF16 exactly,
/// Q8_0 blocks as ggml dequantizes them (`scale × q`, the scale an f16 widened to f32).
public struct GGUFTensorSource: TensorSource {
    /// The file.
    public let file: GGUFFile
    /// GGUF tensor names by canonical name.
    let names: [String: String]
    /// Zero rows put back before a tensor's first row, by canonical name (see
    /// ``GGUFArchitecture/droppedRows(_:)``).
    let droppedRows: [String: Int]

    public var tensorNames: [String] { names.keys.sorted() }

    public func shape(of name: String) -> [Int]? {
        guard var shape = names[name].flatMap({ file.tensorsByName[$0]?.shape }) else { return nil }
        if let rows = droppedRows[name] { shape[0] += rows }
        return shape
    }

    public func floats(_ name: String) throws -> TensorBuffer {
        let stored = try storedFloats(name)
        guard let rows = droppedRows[name], rows > 0 else { return stored }
        let width = stored.shape.dropFirst().reduce(1, *)
        let padded = [Float](repeating: 0, count: rows * width) + stored.elements
        return TensorBuffer(array: padded, shape: [stored.shape[0] + rows] + stored.shape.dropFirst())
    }

    private func storedFloats(_ name: String) throws -> TensorBuffer {
        guard let ggufName = names[name], let tensor = file.tensorsByName[ggufName] else {
            throw GGUFError(path: file.path, .tensor(name: name, detail: "missing"))
        }
        guard let bytes = file.data(of: tensor) else {
            throw GGUFError(path: file.path, .unsupported(Self.unsupportedMessage(tensor)))
        }
        let count = tensor.elementCount
        switch tensor.type {
        case .f32:
            // The file is mapped read-only and `file` (the owner) keeps the mapping alive.
            return TensorBuffer.float32(bytes, count: count, shape: tensor.shape, owner: file)
        case .f16:
            return TensorBuffer(array: TensorBuffer.converting(bytes, count: count, as: UInt16.self, HalfPrecision.float(fromBits:)), shape: tensor.shape)
        case .bf16:
            return TensorBuffer(array: TensorBuffer.converting(bytes, count: count, as: UInt16.self) { Float(bitPattern: UInt32($0) << 16) }, shape: tensor.shape)
        case .q8_0:
            return TensorBuffer(array: Self.dequantizeQ8_0(bytes, count: count), shape: tensor.shape)
        default:
            throw GGUFError(path: file.path, .unsupported(Self.unsupportedMessage(tensor)))
        }
    }

    /// Q8_0: blocks of 34 bytes, an f16 scale `d` then 32 signed bytes `q`; each value is `d × q`
    /// in f32, as ggml's `dequantize_row_q8_0` computes it.
    static func dequantizeQ8_0(_ bytes: UnsafeRawBufferPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { output, initialized in
            for block in 0..<(count / 32) {
                let base = block * 34
                let scale = HalfPrecision.float(fromBits: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: base, as: UInt16.self)))
                for index in 0..<32 {
                    output[block * 32 + index] = scale * Float(Int8(bitPattern: bytes[base + 2 + index]))
                }
            }
            initialized = count
        }
    }

    static func unsupportedMessage(_ tensor: GGUFFile.Tensor) -> String {
        "tensor \(tensor.name) is stored as \(tensor.type), which is not supported; supported tensor types: "
            + GGMLType.supported.map(\.description).joined(separator: ", ")
            + ". Convert the model again with llama.cpp's convert_hf_to_gguf.py --outtype f16 (or q8_0), or use its Hugging Face folder."
    }
}
