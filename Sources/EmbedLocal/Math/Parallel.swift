import Dispatch

/// Splits one piece of work across threads, for a batch too small to split into chunks (a
/// single long text): each matrix product is cut into column blocks, attention into groups of
/// heads, and row-wise steps into groups of rows.
enum Parallel {
    /// Runs `body(part)` for every part in `0..<parts`: concurrently when `parts > 1`, inline
    /// otherwise (so the single-threaded path pays nothing).
    @inline(__always)
    static func forEach(_ parts: Int, _ body: @Sendable (Int) -> Void) {
        if parts <= 1 {
            body(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: parts, execute: body)
        }
    }

    /// Returns part `part` of `0..<count` cut into `parts` nearly equal ranges whose bounds are
    /// multiples of `granularity` (except the end), so GEMM column blocks stay kernel-friendly.
    static func share(_ part: Int, of parts: Int, count: Int, granularity: Int = 1) -> Range<Int> {
        guard parts > 1 else { return 0..<count }
        let units = (count + granularity - 1) / granularity
        let start = Swift.min(count, part * units / parts * granularity)
        let end = Swift.min(count, (part + 1) * units / parts * granularity)
        return start..<end
    }
}

/// A pointer handed to the parts of one parallel step.
struct SendablePointer: @unchecked Sendable {
    // @unchecked: the parts of a step write disjoint ranges through it, and the step finishes
    // (concurrentPerform returns) before the buffer is used otherwise.
    let pointer: UnsafeMutablePointer<Float>

    init(_ pointer: UnsafeMutablePointer<Float>) { self.pointer = pointer }
}
