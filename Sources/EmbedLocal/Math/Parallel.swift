/// How one piece of work is cut between the threads of a ``WorkerTeam``, for a batch too small
/// to split into chunks (a single text): each matrix product into column blocks, attention into
/// groups of heads, and row-wise steps into groups of rows.
enum Parallel {
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
