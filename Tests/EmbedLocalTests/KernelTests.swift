@testable import EmbedLocal
import Foundation
import Testing

/// Runs `body` on a mutable copy of `values` and returns the result.
private func transformed(_ values: [Float], _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
    var copy = values
    copy.withUnsafeMutableBufferPointer { body($0.baseAddress.unsafelyUnwrapped) }
    return copy
}

private func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-6,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (index, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > tolerance {
        Issue.record("element \(index): \(a) vs expected \(e)", sourceLocation: sourceLocation)
    }
}

@Suite("Element-wise kernels", .offThePool)
struct KernelTests {
    @Test func layerNormUsesTheBiasedVarianceAndEpsilon() async {
        // mean 2.5, biased variance 1.25
        let gamma: [Float] = [1, 2, 1, 0.5]
        let beta: [Float] = [0, 0, 1, -1]
        let result = transformed([1, 2, 3, 4]) { row in
            Kernels.layerNorm(row, rows: 1, columns: 4, gamma: gamma, beta: beta, epsilon: 0)
        }
        let s = Float(1.25).squareRoot()
        expectClose(result, [-1.5 / s, 2 * -0.5 / s, 0.5 / s + 1, 0.5 * 1.5 / s - 1])

        // epsilon enters under the square root: constant rows give beta, not NaN.
        let constant = transformed([3, 3, 3, 3]) { row in
            Kernels.layerNorm(row, rows: 1, columns: 4, gamma: gamma, beta: beta, epsilon: 1e-12)
        }
        expectClose(constant, beta)
    }

    @Test func geluMatchesTheExactErfForm() async {
        // Reference values of 0.5·x·(1 + erf(x/√2)).
        let inputs: [Float] = [-6, -3, -1, -0.5, 0, 0.5, 1, 3, 6]
        let expected: [Float] = [-5.9e-9, -0.0040496, -0.15865525, -0.15426877, 0, 0.34573123, 0.84134475, 2.9959502, 6]
        expectClose(inputs.map(VectorMath.gelu), expected, tolerance: 1e-6)

        // Error relative to max(1, |x|): a couple of float ulps of the output.
        var worst: Double = 0
        for step in -10000...10000 {
            let x = Float(step) / 1000
            let exact = 0.5 * Double(x) * (1 + Foundation.erf(Double(x) / 2.0.squareRoot()))
            worst = max(worst, abs(Double(VectorMath.gelu(x)) - exact) / max(1, abs(Double(x))))
        }
        #expect(worst < 3e-7, "worst GELU error \(worst)")
    }

    @Test func tanhGELUMatchesTheApproximation() async {
        for step in -600...600 {
            let x = Double(step) / 100
            let exact = 0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
            #expect(abs(Double(VectorMath.geluTanh(Float(x))) - exact) < 1e-6, "x = \(x)")
        }
    }

    @Test func expIsAccurateToAFewUlpAndExactlyZeroFarBelow() async {
        var worst: Double = 0
        for step in 0...87_000 {
            let x = -Float(step) / 1000
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(VectorMath.expNonPositive(x)) - exact) / exact)
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        #expect(VectorMath.expNonPositive(0) == 1)
        #expect(VectorMath.expNonPositive(-100) == 0)
        #expect(VectorMath.expNonPositive(-.infinity) == 0)
    }

    @Test func erfTanhAndSigmoidAreAccurate() async {
        var worstErf: Double = 0, worstTanh: Double = 0, worstSigmoid: Double = 0
        for step in -10000...10000 {
            let x = Float(step) / 1000
            let d = Double(x)
            worstErf = max(worstErf, abs(Double(VectorMath.erf(x)) - Foundation.erf(d)))
            worstTanh = max(worstTanh, abs(Double(VectorMath.tanh(x)) - Foundation.tanh(d)))
            worstSigmoid = max(worstSigmoid, abs(Double(VectorMath.sigmoid(x)) - 1 / (1 + Foundation.exp(-d))))
        }
        #expect(worstErf < 5e-7, "erf \(worstErf)")
        #expect(worstTanh < 3e-7, "tanh \(worstTanh)")
        #expect(worstSigmoid < 3e-7, "sigmoid \(worstSigmoid)")
    }

    @Test("Reductions handle every length", arguments: [1, 7, 8, 9, 16, 23, 384])
    func reductions(count: Int) async {
        let values = (0..<count).map { Float(($0 * 37) % 11) - 4.5 }
        values.withUnsafeBufferPointer { pointer in
            let base = pointer.baseAddress.unsafelyUnwrapped
            #expect(Kernels.sum(base, count: count) == values.reduce(0, +))
            let squares = values.reduce(Float(0)) { $0 + ($1 - 0.5) * ($1 - 0.5) }
            #expect(abs(Kernels.sumOfSquares(base, count: count, centredOn: 0.5) - squares) <= 1e-4 * squares)
        }
    }

    @Test func normalizeRowsScalesToUnitLengthAndLeavesZeroAlone() async {
        let result = transformed([3, 4, 0, 0]) { rows in Kernels.normalizeRows(rows, rows: 2, columns: 2) }
        expectClose(result, [0.6, 0.8, 0, 0])
    }

    @Test func denseActivations() async {
        let inputs: [Float] = [-2, -0.5, 0, 1.5]
        #expect(transformed(inputs) { Kernels.activate($0, count: 4, activation: .identity) } == inputs)
        expectClose(transformed(inputs) { Kernels.activate($0, count: 4, activation: .tanh) }, inputs.map { Foundation.tanh($0) })
        expectClose(transformed(inputs) { Kernels.activate($0, count: 4, activation: .relu) }, [0, 0, 0, 1.5])
        expectClose(transformed(inputs) { Kernels.activate($0, count: 4, activation: .sigmoid) }, inputs.map { 1 / (1 + Foundation.exp(-$0)) })
        expectClose(transformed(inputs) { Kernels.activate($0, count: 4, activation: .gelu) }, inputs.map(VectorMath.gelu))
    }

    @Test func hiddenActivationsAndBias() async {
        let relu = transformed([-0.5, 0.5, -2, 3]) { Kernels.activateHidden($0, count: 4, activation: .relu) }
        #expect(relu == [0, 0.5, 0, 3])
        expectClose(transformed([-1, 1]) { Kernels.activateHidden($0, count: 2, activation: .gelu) }, [-0.15865525, 0.84134475])
        expectClose(transformed([-1, 1]) { Kernels.activateHidden($0, count: 2, activation: .geluTanh) }, [-0.15880801, 0.84119199])
        // A linear layer adds its bias row by row (the residual projections do, before
        // accumulating the product).
        func weight(_ values: [Float], shape: [Int]) -> Weight {
            let buffer = TensorBuffer(array: values, shape: shape)
            return Weight(storage: buffer, pointer: buffer.pointer.baseAddress!)
        }
        let layer = Linear(rows: 0..<2, of: .float(weight([0, 0, 0, 0], shape: [2, 2])), bias: weight([1, -1], shape: [2]), input: 2)
        let shifted = transformed([1, 2, 3, 4]) { layer.addBias(to: $0, rows: 2, columns: 0..<2) }
        #expect(shifted == [2, 1, 4, 3])
    }
}

@Suite("Pooling", .offThePool)
struct PoolingTests {
    /// Three tokens of two dimensions: [1, 2], [3, −4], [5, 6].
    static let tokens: [Float] = [1, 2, 3, -4, 5, 6]

    private func pool(_ modes: [PoolingConfiguration.Mode], promptLength: Int = 0, includesPrompt: Bool = true,
                      tokens: [Float] = Self.tokens, length: Int = 3) -> [Float] {
        let pooler = Pooler(PoolingConfiguration(modes: modes, embeddingDimension: 2, includesPrompt: includesPrompt))
        var output = [Float](repeating: .nan, count: pooler.outputDimension)
        var accumulator = [Double](repeating: 0, count: 2)
        tokens.withUnsafeBufferPointer { tokens in
            output.withUnsafeMutableBufferPointer { output in
                accumulator.withUnsafeMutableBufferPointer { accumulator in
                    pooler.pool(tokens.baseAddress.unsafelyUnwrapped, length: length, promptLength: promptLength,
                                into: output.baseAddress.unsafelyUnwrapped, accumulator: accumulator.baseAddress.unsafelyUnwrapped)
                }
            }
        }
        return output
    }

    static let modeCases: [(PoolingConfiguration.Mode, [Float])] = [
        (.cls, [1, 2]),
        (.max, [5, 6]),
        (.mean, [3, 4.0 / 3]),
        (.meanSquareRootLength, [9 / Float(3).squareRoot(), 4 / Float(3).squareRoot()]),
        (.weightedMean, [22.0 / 6, 12.0 / 6]),  // weights 1, 2, 3
        (.lastToken, [5, 6]),
    ]

    static let promptCases: [(PoolingConfiguration.Mode, [Float])] = [
        (.cls, [3, -4]),  // the first token left in the mask
        (.max, [5, 6]),
        (.mean, [4, 1]),
        (.meanSquareRootLength, [8 / Float(2).squareRoot(), 2 / Float(2).squareRoot()]),
        (.weightedMean, [21.0 / 5, 10.0 / 5]),  // weights 2, 3 keep their positions
        (.lastToken, [5, 6]),
    ]

    @Test("Each mode on hand-computed values", arguments: modeCases)
    func mode(mode: PoolingConfiguration.Mode, expected: [Float]) async {
        expectClose(pool([mode]), expected)
    }

    @Test("Excluding a one-token prompt", arguments: promptCases)
    func excludingPrompt(mode: PoolingConfiguration.Mode, expected: [Float]) async {
        expectClose(pool([mode], promptLength: 1, includesPrompt: false), expected)
        // With include_prompt true the prompt length changes nothing.
        #expect(pool([mode], promptLength: 1, includesPrompt: true) == pool([mode]))
    }

    @Test func aPromptCoveringEveryTokenStillPoolsTheLastToken() async {
        expectClose(pool([.mean, .cls], promptLength: 10, includesPrompt: false), [5, 6, 5, 6])
    }

    @Test func maxIgnoresTokensOutsideTheSequence() async {
        // Only the first two tokens belong to the sequence; the third must not count.
        expectClose(pool([.max, .lastToken], length: 2), [3, 2, 3, -4])
    }

    @Test func modesConcatenateInConfiguredOrder() async {
        expectClose(pool([.max, .mean]), [5, 6, 3, 4.0 / 3])
        expectClose(pool([.mean, .max]), [3, 4.0 / 3, 5, 6])
    }
}

@Suite("Batch planning", .offThePool)
struct BatchPlanTests {
    @Test func chunksCoverEverySequenceOnceLongestFirst() async {
        let lengths = [5, 80, 12, 12, 3, 40, 7, 200, 9, 9, 30]
        let plan = BatchPlan(lengths: lengths, workers: 2, tokensPerChunk: 100, hiddenSize: 384, intermediateSize: 1536)
        #expect(plan.chunks.flatMap { $0 }.sorted() == Array(lengths.indices))
        let flattened = plan.chunks.flatMap { $0 }.map { lengths[$0] }
        #expect(flattened == flattened.sorted(by: >))
        #expect(plan.chunks.count >= 2)
    }

    @Test func twoWorkersGetTwoChunksOfSimilarCost() async {
        let lengths = Array(repeating: 10, count: 20)
        let plan = BatchPlan(lengths: lengths, workers: 2, tokensPerChunk: 10_000, hiddenSize: 32, intermediateSize: 64)
        #expect(plan.chunks.map(\.count) == [10, 10])
    }

    @Test func aSingleSequenceIsOneChunk() async {
        let plan = BatchPlan(lengths: [7], workers: 2, tokensPerChunk: 4, hiddenSize: 32, intermediateSize: 64)
        #expect(plan.chunks == [[0]])
        #expect(BatchPlan(lengths: [], workers: 2, tokensPerChunk: 4, hiddenSize: 32, intermediateSize: 64).chunks.isEmpty)
    }

    @Test func largeCallsSplitIntoAMultipleOfTheWorkerCount() async {
        let lengths = Array(repeating: 50, count: 100)  // 5,000 tokens, 1,000 per chunk → 5 → rounded up to 6
        let plan = BatchPlan(lengths: lengths, workers: 2, tokensPerChunk: 1000, hiddenSize: 32, intermediateSize: 64)
        #expect(plan.chunks.count == 6)
    }
}
