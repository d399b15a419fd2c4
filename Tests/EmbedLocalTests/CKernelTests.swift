import EmbedCore
import CEmbedKernels
@testable import EmbedLocal
import Foundation
import Testing

/// The C kernels, each instruction set this CPU runs, against plain Double arithmetic.
@Suite("C kernels: attention, small products, GELU, exp", .offThePool)
struct CKernelTests {
    /// The instruction sets to check here: the portable one always, AVX2 + FMA where the CPU has it.
    static let instructionSets: [embed_kernels_isa] =
        [EMBED_KERNELS_PORTABLE, EMBED_KERNELS_AVX2_FMA].filter { embed_kernels_supports($0) != 0 }

    /// A deterministic pseudo-random matrix in [−scale, scale].
    static func matrix(rows: Int, columns: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var random = SeededGenerator(seed: seed)
        return (0..<rows * columns).map { _ in (Float(random.next() % 20_001) / 10_000 - 1) * scale }
    }

    /// softmax(scale·QKᵀ)·V in Double for one head at column `offset` of `[length × stride]` matrices.
    /// With `bias`, `bias(j − i)` is added to each scaled score (`-infinity` masks the key out).
    static func reference(_ q: [Float], _ k: [Float], _ v: [Float], length: Int, headSize: Int, stride: Int,
                          offset: Int, bias: ((Int) -> Double)? = nil) -> [Double] {
        let scale = 1 / Double(headSize).squareRoot()
        var context = [Double](repeating: 0, count: length * headSize)
        for i in 0..<length {
            let scores = (0..<length).map { j in
                (0..<headSize).reduce(0.0) { $0 + Double(q[i * stride + offset + $1]) * Double(k[j * stride + offset + $1]) } * scale
                    + (bias?(j - i) ?? 0)
            }
            let top = scores.max()!
            let weights = scores.map { Foundation.exp($0 - top) }
            let total = weights.reduce(0, +)
            for j in 0..<length {
                for d in 0..<headSize { context[i * headSize + d] += weights[j] / total * Double(v[j * stride + offset + d]) }
            }
        }
        return context
    }

    static let shapes: [(length: Int, headSize: Int)] = [
        (1, 32), (2, 32), (3, 32), (5, 32), (8, 32), (17, 32), (64, 32), (257, 32), (9, 64), (33, 64), (6, 24), (7, 8),
    ]

    @Test("Attention equals softmax(QKᵀ/√d)·V, context written over Q", arguments: instructionSets, shapes)
    func attention(isa: embed_kernels_isa, shape: (length: Int, headSize: Int)) async {
        let (length, headSize) = shape
        let heads = 3
        let stride = heads * headSize
        let head = 1  // a middle head: neighbouring columns must stay untouched
        let offset = head * headSize
        var q = Self.matrix(rows: length, columns: stride, seed: UInt64(length * 7 + headSize), scale: 2)
        let k = Self.matrix(rows: length, columns: stride, seed: UInt64(length * 11 + headSize), scale: 2)
        let v = Self.matrix(rows: length, columns: stride, seed: UInt64(length * 13 + headSize))
        let expected = Self.reference(q, k, v, length: length, headSize: headSize, stride: stride, offset: offset)
        let original = q
        var scratch = [Float](repeating: .nan, count: embed_attention_scratch_count(length, headSize))
        q.withUnsafeMutableBufferPointer { q in
            k.withUnsafeBufferPointer { k in
                v.withUnsafeBufferPointer { v in
                    scratch.withUnsafeMutableBufferPointer { scratch in
                        let q = q.baseAddress! + offset
                        embed_attention_head(isa, q, k.baseAddress! + offset, v.baseAddress! + offset, q, length, headSize,
                                             stride, 1 / Float(headSize).squareRoot(), nil, scratch.baseAddress!)
                    }
                }
            }
        }
        var worst = 0.0
        for i in 0..<length {
            for column in 0..<stride {
                let value = q[i * stride + column]
                if column >= offset && column < offset + headSize {
                    worst = max(worst, abs(Double(value) - expected[i * headSize + column - offset]))
                } else {
                    #expect(value == original[i * stride + column], "row \(i) column \(column) outside the head changed")
                }
            }
        }
        #expect(worst < 2e-6, "worst |Δ| \(worst)")
    }

    @Test("A relative-position bias and a sliding window are added to the scores", arguments: instructionSets,
          [(length: 1, headSize: 32), (5, 32), (19, 32), (40, 64), (23, 8)])
    func positionBias(isa: embed_kernels_isa, shape: (length: Int, headSize: Int)) async {
        let (length, headSize) = shape
        let scale = 1 / Float(headSize).squareRoot()
        for window in [nil, 3] as [Int?] {
            // Bias by relative distance d = j − i (as MPNet's buckets give), and −∞ beyond the window.
            func bias(_ d: Int) -> Double {
                if let window, abs(d) > window { return -.infinity }
                return sin(Double(d) * 0.7) * 2
            }
            let q0 = Self.matrix(rows: length, columns: headSize, seed: UInt64(length * 7 + headSize))
            let k = Self.matrix(rows: length, columns: headSize, seed: UInt64(length * 3 + headSize), scale: 2)
            let v = Self.matrix(rows: length, columns: headSize, seed: UInt64(length * 5 + headSize))
            let expected = Self.reference(q0, k, v, length: length, headSize: headSize, stride: headSize, offset: 0, bias: bias)
            // The kernel adds the bias before scaling: pass it divided by the scale.
            let row = (-(length - 1)...(length - 1)).map { Float(bias($0)) / scale }
            var q = q0
            var scratch = [Float](repeating: .nan, count: embed_attention_scratch_count(length, headSize))
            row.withUnsafeBufferPointer { row in
                q.withUnsafeMutableBufferPointer { q in
                    let centre = row.baseAddress! + (length - 1)
                    // The context is written over Q, as the encoder calls it.
                    embed_attention_head(isa, q.baseAddress!, k, v, q.baseAddress!, length, headSize, headSize, scale,
                                         centre, &scratch)
                }
            }
            let worst = zip(q, expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst < 2e-6, "window \(String(describing: window)): worst |Δ| \(worst)")
        }
    }

    @Test("Huge scores do not overflow: only differences matter", arguments: instructionSets)
    func largeScores(isa: embed_kernels_isa) async {
        // Two keys whose scores differ by ln 2 at a magnitude of about 1,000: weights 1/3 and 2/3.
        let headSize = 32
        var q = [Float](repeating: 0, count: 2 * headSize)
        q[0] = 1000; q[headSize] = 1000
        var k = [Float](repeating: 0, count: 2 * headSize)
        k[0] = 1; k[headSize] = 1 + Float(log(2.0)) / 1000
        var v = [Float](repeating: 0, count: 2 * headSize)
        v[1] = 3; v[headSize + 1] = 6
        var scratch = [Float](repeating: 0, count: embed_attention_scratch_count(2, headSize))
        var context = [Float](repeating: .nan, count: 2 * headSize)
        embed_attention_head(isa, &q, &k, &v, &context, 2, headSize, headSize, 1, nil, &scratch)
        #expect(abs(context[1] - 5) < 1e-3, "\(context[1])")  // 3·⅓ + 6·⅔
        #expect(context.allSatisfy { $0.isFinite })
    }

    @Test("The small product adds A·Bᵀ onto C, edges included", arguments: [
        // Every remainder of rows after the 4-row blocks (0...3), depths that are odd multiples of 8
        // (the 1- and 2-row blocks take 16 floats a step), widths with and without a next block to
        // prefetch.
        (1, 1, 8), (1, 7, 384), (2, 6, 24), (3, 3, 16), (4, 3, 8), (5, 10, 64), (6, 9, 40), (9, 14, 384),
        (17, 384, 384), (18, 7, 8), (19, 11, 1536), (40, 5, 1536),
    ])
    func smallProduct(shape: (rows: Int, columns: Int, depth: Int)) async throws {
        let (rows, columns, depth) = shape
        // Leading dimensions wider than the matrices, as for a column block of a wider output.
        let lda = depth + 8, ldb = depth + 16, ldc = columns + 3
        let a = Self.matrix(rows: rows, columns: lda, seed: UInt64(rows * 3 + depth))
        let b = Self.matrix(rows: columns, columns: ldb, seed: UInt64(columns * 5 + depth))
        var c = Self.matrix(rows: rows, columns: ldc, seed: UInt64(rows + columns))
        let before = c
        let isa = embed_kernels_best_isa()
        let done = embed_small_gemm_accumulate(isa, rows, columns, depth, a, lda, b, ldb, &c, ldc)
        guard isa == EMBED_KERNELS_AVX2_FMA else {
            #expect(done == 0, "only the AVX2 path has a small-product kernel")
            return
        }
        try #require(done == 1)
        var worst = 0.0
        for i in 0..<rows {
            for j in 0..<ldc {
                guard j < columns else {
                    #expect(c[i * ldc + j] == before[i * ldc + j], "padding column \(j) changed")
                    continue
                }
                let dot = (0..<depth).reduce(0.0) { $0 + Double(a[i * lda + $1]) * Double(b[j * ldb + $1]) }
                worst = max(worst, abs(Double(c[i * ldc + j]) - (Double(before[i * ldc + j]) + dot)))
            }
        }
        #expect(worst < 1e-5 * Double(depth).squareRoot(), "worst |Δ| \(worst)")
        // A depth the vector loop cannot cover is left to BLAS.
        #expect(embed_small_gemm_accumulate(isa, rows, columns, 12, a, lda, b, ldb, &c, ldc) == 0)
    }

    @Test("GELU equals the exact erf form", arguments: instructionSets)
    func gelu(isa: embed_kernels_isa) async {
        var values = (-10_000...10_000).map { Float($0) / 1000 }
        let inputs = values
        embed_gelu(isa, &values, values.count)
        var worst = 0.0
        for (x, y) in zip(inputs, values) {
            let exact = 0.5 * Double(x) * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))
            worst = max(worst, abs(Double(y) - exact) / max(1, abs(Double(x))))
        }
        #expect(worst < 3e-7, "worst GELU error \(worst)")
        // The portable path rounds exactly as the Swift reference implementation.
        if isa == EMBED_KERNELS_PORTABLE { #expect(values == inputs.map(VectorMath.gelu)) }
    }

    @Test("exp is accurate, exactly 0 far below and for −∞", arguments: instructionSets)
    func exp(isa: embed_kernels_isa) async {
        let inputs = (0...87_000).map { -Float($0) / 1000 } + [-87.4, -100, -.infinity, 0]
        var outputs = [Float](repeating: .nan, count: inputs.count)
        embed_exp_nonpositive(isa, inputs, &outputs, inputs.count)
        var worst = 0.0
        for (x, y) in zip(inputs, outputs) where x > -87.3 {
            worst = max(worst, abs(Double(y) - Foundation.exp(Double(x))) / Foundation.exp(Double(x)))
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        #expect(outputs.suffix(4) == [0, 0, 0, 1])
    }

    @Test func theBestInstructionSetRunsHere() async {
        #expect(embed_kernels_supports(embed_kernels_best_isa()) != 0)
        #expect(embed_kernels_supports(EMBED_KERNELS_PORTABLE) != 0)
    }
}
