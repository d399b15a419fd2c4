/// Branch-free transcendental functions for the forward pass's element-wise steps.
///
/// The forward pass calls `exp` for every attention weight and `erf` for every feed-forward
/// activation — about 20,000 calls per token for a 256-token MiniLM input — so these avoid libm
/// calls: each is straight-line arithmetic on one float with no branches or traps, which the
/// optimizer vectorizes when a loop applies it to a buffer (and which stays quick in debug builds,
/// unlike generic SIMD code). Accuracy is checked against `Double` libm in the tests: `exp`
/// within 3e-7 relative, `erf` within 5e-7 absolute, far inside the 1e-5 parity budget.
enum VectorMath {
    /// Below this, `e^x` is subnormal; softmax and erf want exactly 0 there.
    static let expLowerLimit: Float = -87.336_54

    /// `e^x` for `x ≤ 0`; positive inputs are treated as 0, inputs below −87.34 give exactly 0.
    ///
    /// Cephes' `expf`: `x = n·ln2 + r` with `|r| ≤ ln2/2` (ln2 split in two so `n·ln2` is
    /// exact), a degree-6 polynomial for `e^r`, and `2^n` built in the exponent bits.
    @inline(__always)
    static func expNonPositive(_ x: Float) -> Float {
        let clamped = x > 0 ? 0 : (x < expLowerLimit ? expLowerLimit : x)
        // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits.
        let shifter: Float = 12_582_912
        let shifted = clamped * 1.442_695_04 + shifter
        let n = shifted - shifter
        let r = (clamped - n * 0.693_359_375) + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * (r * r) + r + 1
        // The low bits of `shifted` hold n (in −126...0) as a two's-complement offset.
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
        return x < expLowerLimit ? 0 : y * scale
    }

    /// The error function, with absolute error below 5e-7 (1.5e-7 from the formula, the rest
    /// from float rounding).
    ///
    /// Abramowitz & Stegun 7.1.26: `erf(|x|) = 1 − t·P(t)·e^{−x²}`, `t = 1/(1 + 0.3275911·|x|)`.
    @inline(__always)
    static func erf(_ x: Float) -> Float {
        let a = Float(bitPattern: x.bitPattern & 0x7FFF_FFFF)
        let t = 1 / (1 + 0.327_591_1 * a)
        var p: Float = 1.061_405_429
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        let magnitude = 1 - p * t * expNonPositive(-(a * a))
        return Float(bitPattern: magnitude.bitPattern | (x.bitPattern & 0x8000_0000))
    }

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
