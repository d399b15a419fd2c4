/// IEEE 754 binary16 ⇄ binary32 conversion on bit patterns.
///
/// Done by hand rather than with `Float16` because `Float16` is unavailable on Intel Macs, and
/// the file format must read the same on every platform the package builds for.
package enum HalfPrecision {
    /// The largest finite binary16 value.
    package static let largestFinite: Float = 65504

    /// Widens a binary16 bit pattern to `Float`; exact for every input (including subnormals,
    /// infinities and NaN payloads).
    ///
    /// Branch-free so that the widening loop vectorizes, which a `switch` on the exponent keeps
    /// it from doing: the exponent and mantissa are placed in a binary32 and rescaled by 2¹¹², which
    /// re-biases normals and normalizes subnormals exactly; only infinities and NaNs, which the
    /// multiplication cannot reach, get their exponent set explicitly.
    @inline(__always)
    package static func float(fromBits half: UInt16) -> Float {
        let rebias = Float(bitPattern: (254 - 15) << 23)  // 2¹¹²
        let infinityOrNaN = Float(bitPattern: (127 + 16) << 23)  // 2¹⁶: the scaled exponent 31
        var magnitude = Float(bitPattern: UInt32(half & 0x7FFF) << 13) * rebias
        if magnitude >= infinityOrNaN {
            magnitude = Float(bitPattern: magnitude.bitPattern | 0x7F80_0000)
        }
        return Float(bitPattern: magnitude.bitPattern | (UInt32(half & 0x8000) << 16))
    }

    /// Narrows `value` to the nearest binary16 (round half to even), or returns `nil` when it is
    /// not finite or rounds beyond ±65504, so a weight is never silently turned into infinity.
    package static func bits(from value: Float) -> UInt16? {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let biasedExponent = Int((bits >> 23) & 0xFF)
        let mantissa = bits & 0x007F_FFFF
        guard biasedExponent != 0xFF else { return nil }  // infinity or NaN
        let exponent = biasedExponent - 127 + 15
        if exponent >= 0x1F { return nil }
        if exponent <= 0 {
            // Subnormal (or zero) in binary16: the significand with its implicit bit, scaled so
            // that one unit is 2⁻²⁴. Binary32 subnormals (biasedExponent 0) are far below that
            // and round to zero through the same path.
            let significand = biasedExponent == 0 ? mantissa : (mantissa | 0x0080_0000)
            let shift = UInt32(14 - exponent)
            guard shift <= 24 else { return sign }
            let rounded = roundShifted(significand, by: shift)
            return sign | UInt16(rounded)  // 0x400 after carry is the smallest normal: correct
        }
        let rounded = roundShifted(mantissa, by: 13)
        // A carry out of the mantissa increments the exponent, which is the correct result.
        let result = (UInt32(exponent) << 10) + rounded
        guard result < 0x7C00 else { return nil }
        return sign | UInt16(result)
    }

    /// `value >> shift`, rounded to nearest, ties to even.
    @inline(__always)
    private static func roundShifted(_ value: UInt32, by shift: UInt32) -> UInt32 {
        let truncated = value >> shift
        let remainder = value & ((1 << shift) - 1)
        let halfway: UInt32 = 1 << (shift - 1)
        if remainder > halfway || (remainder == halfway && truncated & 1 == 1) {
            return truncated + 1
        }
        return truncated
    }
}
