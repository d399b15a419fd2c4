import COpenBLAS

/// The only door to OpenBLAS: the matrix product the forward pass needs.
///
/// Row-major throughout. A linear layer stores its weight `[out, in]`, so `y = x·Wᵀ` is
/// ``multiplyTransposed(rows:columns:depth:_:leading:_:leading:into:leading:)``.
enum BLAS {
    /// Puts OpenBLAS in single-threaded mode, once per process.
    ///
    /// The encoder parallelises across sequences itself: two single-threaded GEMMs on separate
    /// batches beat one two-threaded GEMM (Benchmarks/README.md), and OpenBLAS' own threads would
    /// fight ours. The setting is process-wide; OpenBLAS' calls are
    /// safe from several threads at once in this mode.
    static let singleThreaded: Void = openblas_set_num_threads(1)

    /// OpenBLAS' current thread count.
    static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Computes `C = A·Bᵀ + beta·C` for `A` (`rows`×`depth`), `B` (`columns`×`depth`) and
    /// `C` (`rows`×`columns`), each with its own leading dimension.
    @inline(__always)
    static func multiplyTransposed(
        rows: Int, columns: Int, depth: Int,
        _ a: UnsafePointer<Float>, leading lda: Int,
        _ b: UnsafePointer<Float>, leading ldb: Int,
        into c: UnsafeMutablePointer<Float>, leading ldc: Int, beta: Float = 0
    ) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                    blasint(rows), blasint(columns), blasint(depth),
                    1, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}
