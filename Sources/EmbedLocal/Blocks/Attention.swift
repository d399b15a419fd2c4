import CEmbedKernels

/// Multi-head self-attention: the Q, K and V projections and the fused per-head kernel. Q, K, V
/// may be separate tensors or row ranges of one fused tensor.
struct SelfAttention: Sendable {
    let query: Linear
    let key: Linear
    let value: Linear
    let headCount: Int
    let headSize: Int

    /// Q, K, V = hidden·Wᵀ + b for the heads in `heads` (their columns only).
    @inline(__always)
    func project(_ input: UnsafePointer<Float>, rows: Int, heads: Range<Int>, workspace: Workspace) {
        let columns = heads.lowerBound * headSize..<heads.upperBound * headSize
        query.apply(input, rows: rows, into: workspace.query, columns: columns)
        key.apply(input, rows: rows, into: workspace.key, columns: columns)
        value.apply(input, rows: rows, into: workspace.value, columns: columns)
    }

    /// Q, K and V of `input`, rotated when `rotary` is given, then the attention context in
    /// place of Q (see ``attend(_:workspace:heads:scratch:biased:)``), split over `parts`
    /// threads by groups of heads: a head reads only its own columns of Q, K and V, so one step
    /// does it all, without a hand-off between.
    func run(_ input: UnsafePointer<Float>, _ batch: PackedBatch, workspace: Workspace, parts: Int,
             rotary: RotaryEmbedding? = nil, biased: Bool = false) {
        let rows = batch.tokenCount
        let stride = headCount * headSize
        workspace.split(into: parts) { part in
            let heads = Parallel.share(part, of: parts, count: headCount)
            project(input, rows: rows, heads: heads, workspace: workspace)
            if let rotary {
                rotary.apply(workspace.query, stride: stride, batch: batch, heads: heads)
                rotary.apply(workspace.key, stride: stride, batch: batch, heads: heads)
            }
            attend(batch, workspace: workspace, heads: heads, scratch: workspace.scratch(part: part), biased: biased)
        }
    }

    /// Replaces Q in the workspace by the attention context, `softmax(Q_h·K_hᵀ/√d + B_h)·V_h`,
    /// for the heads in `heads` of every packed sequence, using `scratch` (the part's kernel
    /// scratch). With `biased`, `B_h` is the workspace's position-bias row of head `h`.
    ///
    /// One fused kernel call per head and sequence: most sequences are short, and for a 20-token
    /// head the two small GEMMs and the softmax cost more in calls and packing than in arithmetic.
    func attend(_ batch: PackedBatch, workspace: Workspace, heads: Range<Int>,
                scratch: UnsafeMutablePointer<Float>, biased: Bool = false) {
        let hidden = headCount * headSize
        let scale = 1 / Float(headSize).squareRoot()
        let instructionSet = Kernels.instructionSet
        for sequence in 0..<batch.count {
            let length = batch.lengths[sequence]
            let start = batch.offsets[sequence] * hidden
            for head in heads {
                let column = start + head * headSize
                let bias: UnsafePointer<Float>? = biased ? UnsafePointer(workspace.positionBias(head: head)) : nil
                embed_attention_head(instructionSet, workspace.query + column, workspace.key + column,
                                     workspace.value + column, workspace.query + column,
                                     length, headSize, hidden, scale, bias, scratch)
            }
        }
    }
}
