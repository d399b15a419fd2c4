import CEmbedKernels

/// The instruction sets of the C kernels (attention, GELU, few-row products, int8 products), as
/// `embed --version` reports them: an operator copying one binary onto many servers needs to know
/// which code path each CPU takes.
public enum KernelInstructionSets {
    /// The int8 products' sets this build contains, fastest first.
    public static var int8Built: [String] {
        #if arch(x86_64)
        ["AVX-512 VNNI", "AVX-VNNI", "AVX2", "portable"]
        #elseif arch(arm64)
        ["NEON dot product", "portable"]
        #else
        ["portable"]
        #endif
    }

    /// The int8 products' set this process uses, and why when it is the portable one.
    public static var int8InUse: String {
        switch Kernels.int8InstructionSet {
        case EMBED_INT8_AVX512_VNNI: return "AVX-512 VNNI"
        case EMBED_INT8_AVX_VNNI: return "AVX-VNNI" + (int8Forced ? " (EMBED_KERNELS=avx-vnni)" : "")
        case EMBED_INT8_AVX2: return "AVX2" + (int8Forced ? " (EMBED_KERNELS=avx2)" : "")
        case EMBED_INT8_NEON_DOTPROD: return "NEON dot product"
        default:
            return embed_int8_best_isa() != EMBED_INT8_PORTABLE
                ? "portable (EMBED_KERNELS=portable)" : "none: int8 models run in fp32 (this CPU has no int8 dot products)"
        }
    }

    /// Whether `EMBED_KERNELS` chose a lesser int8 set than the CPU's best.
    static var int8Forced: Bool {
        Kernels.int8InstructionSet != embed_int8_best_isa()
    }

    /// The sets this build contains, fastest first.
    public static var built: [String] {
        #if arch(x86_64)
        ["AVX2+FMA", "portable"]
        #else
        ["portable"]
        #endif
    }

    /// The set this process uses, and why when it is not the fastest built: the CPU lacks it or
    /// `EMBED_KERNELS=portable` forced it.
    public static var inUse: String {
        switch Kernels.instructionSet {
        case EMBED_KERNELS_AVX2_FMA: return "AVX2+FMA"
        default:
            #if arch(x86_64)
            return embed_kernels_supports(EMBED_KERNELS_AVX2_FMA) != 0
                ? "portable (EMBED_KERNELS=portable)" : "portable (this CPU has no AVX2+FMA)"
            #else
            return "portable"
            #endif
        }
    }
}
