/// A gated feed-forward network, `x += down(act(a·x) ⊙ (b·x))` — ModernBERT's GeGLU (`a`, `b`
/// the two halves of `Wi`) and NomicBERT's SwiGLU (`a` = `fc12`, `b` = `fc11`).
struct GatedFeedForward: Sendable {
    /// The projection the activation is applied to.
    let activated: Linear
    /// The projection it multiplies.
    let linear: Linear
    let down: Linear
    let activation: HiddenActivation

    /// Width of the gated activations.
    var width: Int { down.inputSize }

    /// Adds the network's output (and `down`'s bias, if any) to the `batch` rows of
    /// `workspace.hidden`, reading `input`. `workspace.intermediate` holds each row's two
    /// projections side by side (its feed-forward width is twice ``width``).
    func apply(_ input: UnsafePointer<Float>, rows: Int, workspace: Workspace, parts: Int) {
        let width = width
        // Column blocks of 16 keep OpenBLAS on its full-width kernels.
        let granularity = 16
        workspace.split(into: parts) { part in
            // Each part computes the same features of both projections.
            let columns = Parallel.share(part, of: parts, count: width, granularity: granularity)
            activated.apply(input, rows: rows, into: workspace.intermediate, columns: columns, outputStride: 2 * width)
            linear.apply(input, rows: rows, into: workspace.intermediate + width, columns: columns, outputStride: 2 * width)
            for row in 0..<rows {
                let values = workspace.intermediate + row * 2 * width
                Kernels.activateHidden(values + columns.lowerBound, count: columns.count, activation: activation)
                for index in columns { values[index] *= values[index + width] }
            }
        }
        down.addProduct(of: workspace.intermediate, rows: rows, onto: workspace.hidden, workspace: workspace, parts: parts,
                         inputStride: 2 * width)
    }
}
