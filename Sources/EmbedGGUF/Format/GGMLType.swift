import EmbedLocal

/// A ggml tensor element type, as GGUF tensor infos name it by number.
public struct GGMLType: Sendable, Hashable, CustomStringConvertible {
    /// The number stored in the file.
    public let id: UInt32

    /// The types this runtime converts.
    public static let f32 = GGMLType(id: 0)
    public static let f16 = GGMLType(id: 1)
    public static let q8_0 = GGMLType(id: 8)
    public static let bf16 = GGMLType(id: 30)

    /// The types converted, in the order errors list them.
    public static let supported: [GGMLType] = [.f32, .f16, .bf16, .q8_0]

    /// ggml's names of every type it defines (ggml.h), so that an unsupported one is named.
    static let names: [UInt32: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K",
        12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S",
        20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64",
        29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
    ]

    public var description: String { Self.names[id] ?? "type \(id)" }

    /// Whether this runtime converts tensors of this type.
    public var isSupported: Bool { Self.supported.contains(self) }

    /// Elements per block and bytes per block, for the supported types.
    var block: (elements: Int, bytes: Int)? {
        switch id {
        case 0: (1, 4)
        case 1, 30: (1, 2)
        case 8: (32, 34)  // an f16 scale, then 32 int8 values
        default: nil
        }
    }

    /// The element type our model files store a converted model in by default: what keeps the
    /// file's precision without inventing any (BF16 widens to f32 exactly; f16 could not hold its
    /// range).
    var naturalStorage: ModelFileStorage {
        switch id {
        case 1: .float16
        case 8: .int8
        default: .float32
        }
    }
}
