import CEmbedKernels

/// Branch-free transcendental functions for the forward pass's element-wise steps.
///
/// `exp` and `erf` are the C kernels' own (`embed_expf_nonpositive`, `embed_erff` in
/// `embed_kernels.h`), so that Swift and C compute the same polynomials from one definition; the
/// rest are built on them here. Each is straight-line arithmetic on one float with no branches or
/// traps, which the optimizer vectorizes when a loop applies it to a buffer. Accuracy is checked
/// against `Double` libm in the tests: `exp` within 3e-7 relative, `erf` within 5e-7 absolute, far
/// inside the 1e-5 parity budget.
enum VectorMath {
    /// `e^x` for `x ≤ 0`; positive inputs are treated as 0, inputs below −87.34 give exactly 0.
    @inline(__always)
    static func expNonPositive(_ x: Float) -> Float { embed_expf_nonpositive(x) }

    /// The error function, with absolute error below 5e-7.
    @inline(__always)
    static func erf(_ x: Float) -> Float { embed_erff(x) }

    /// The hyperbolic tangent, with absolute error below 3e-7: `(1 − e^{−2|x|}) / (1 + e^{−2|x|})`
    /// with the sign of `x`.
    @inline(__always)
    static func tanh(_ x: Float) -> Float {
        let a = Float(bitPattern: x.bitPattern & 0x7FFF_FFFF)
        let e = expNonPositive(-2 * a)
        let magnitude = (1 - e) / (1 + e)
        return Float(bitPattern: magnitude.bitPattern | (x.bitPattern & 0x8000_0000))
    }

    /// The exact GELU, `0.5·x·(1 + erf(x/√2))`, as PyTorch's `gelu(approximate="none")`.
    @inline(__always)
    static func gelu(_ x: Float) -> Float {
        x * 0.5 * (1 + erf(x * 0.707_106_781_186_547_5))
    }

    /// The tanh GELU, `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`, as `gelu_new`.
    @inline(__always)
    static func geluTanh(_ x: Float) -> Float {
        let inner = 0.797_884_560_802_865_4 * (x + 0.044_715 * (x * x * x))
        return 0.5 * x * (1 + tanh(inner))
    }

    /// `1 / (1 + e^{−x})`, computed without overflow for either sign.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        let e = expNonPositive(-Float(bitPattern: x.bitPattern & 0x7FFF_FFFF))  // e^{−|x|}
        return x < 0 ? e / (1 + e) : 1 / (1 + e)
    }

    /// `max(0, x)`.
    @inline(__always)
    static func relu(_ x: Float) -> Float { x > 0 ? x : 0 }
}
