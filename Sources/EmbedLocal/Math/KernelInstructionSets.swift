import CEmbedKernels

/// The instruction sets of the C kernels (attention, GELU, few-row products), as `embed --version`
/// reports them: an operator copying one binary onto many servers needs to know which code path
/// each CPU takes.
public enum KernelInstructionSets {
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
