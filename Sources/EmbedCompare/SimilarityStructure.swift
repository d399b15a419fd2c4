import EmbedCore
import Foundation

/// The text pairs whose similarities are correlated: every pair `i < j`, or a uniform sample of
/// distinct pairs, grouped by their first text so that one pass over the rows finds them all.
struct PairList: Sendable {
    /// `rowStart[i]..<rowStart[i + 1]` are the positions of the pairs whose first text is `i`.
    let rowStart: [Int]
    /// The second text of each pair, ascending within a row.
    let partner: [Int32]

    var count: Int { partner.count }

    /// Every pair of `n` texts when there are at most `limit`, else `limit` distinct pairs drawn
    /// uniformly with `generator`.
    init(textCount n: Int, limit: Int, generator: inout SeededGenerator) {
        let total = n * (n - 1) / 2
        var rowStart = [Int](repeating: 0, count: n + 1)
        var partner: [Int32] = []
        if total <= limit {
            partner.reserveCapacity(total)
            for i in 0..<n {
                rowStart[i] = partner.count
                for j in (i + 1)..<n { partner.append(Int32(j)) }
            }
            rowStart[n] = partner.count
        } else {
            // Pair number p enumerates (0,1), (0,2), …, (0,n−1), (1,2), …; row i starts at
            // i(n−1) − i(i−1)/2. The sample is sorted, so one walk assigns every pair its row.
            let sample = generator.sampleSorted(limit, from: UInt64(total))
            partner.reserveCapacity(limit)
            var row = 0
            var first = 0  // pair number of (row, row + 1)
            for p in sample.map({ Int($0) }) {
                while p >= first + (n - 1 - row) {
                    first += n - 1 - row
                    row += 1
                    rowStart[row] = partner.count
                }
                partner.append(Int32(row + 1 + (p - first)))
            }
            for r in (row + 1)...n { rowStart[r] = partner.count }
        }
        self.rowStart = rowStart
        self.partner = partner
    }
}

/// What one pass over the cosines of both sides yields: the nearest neighbours of the query
/// texts, and the similarities of the listed pairs.
struct StructurePass: Sendable {
    /// The `kMax` nearest neighbours in A of each query text, in query order, best first.
    var neighboursA: [Int32]
    /// The same for B.
    var neighboursB: [Int32]
    /// The width of a row of ``neighboursA`` / ``neighboursB``.
    var kMax: Int
    /// The cosine within A of each pair of the ``PairList``, in its order.
    var pairSimilarityA: [Float]
    /// The same within B.
    var pairSimilarityB: [Float]

    /// Runs the pass, splitting the query rows over the available cores.
    ///
    /// Each query row `i` computes its cosines to all `n` texts in both spaces once, keeps the
    /// `kMax` best (ties go to the lower index, so both sides break ties alike), and picks out
    /// the listed pairs of that row; pairs in other rows are then computed one by one. Cost:
    /// `O(queries · n · (dA + dB))` time, `O(queries · kMax + pairs)` memory — no `n × n`
    /// matrix is ever held.
    ///
    /// - Parameter queries: Ascending text indices whose neighbours are wanted.
    init(a: UnitVectors, b: UnitVectors, kMax: Int, queries: [Int], pairs: PairList) {
        let n = a.count
        self.kMax = kMax
        let neighboursA = UnsafeMutableBufferPointer<Int32>.allocate(capacity: queries.count * kMax)
        let neighboursB = UnsafeMutableBufferPointer<Int32>.allocate(capacity: queries.count * kMax)
        let pairA = UnsafeMutableBufferPointer<Float>.allocate(capacity: pairs.count)
        let pairB = UnsafeMutableBufferPointer<Float>.allocate(capacity: pairs.count)
        defer {
            neighboursA.deallocate()
            neighboursB.deallocate()
            pairA.deallocate()
            pairB.deallocate()
        }
        let output = RowOutput(neighboursA: neighboursA, neighboursB: neighboursB, pairA: pairA, pairB: pairB)

        // A few chunks per core balance the load without much scheduling overhead; small inputs
        // stay on the calling thread.
        let cores = AvailableCores.count
        let work = queries.count * n * (a.dimensions + b.dimensions)
        let chunkCount = work < 4_000_000 ? 1 : min(queries.count, cores * 4)
        let perChunk = (queries.count + chunkCount - 1) / max(chunkCount, 1)
        DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
            let slots = (chunk * perChunk)..<min(queries.count, (chunk + 1) * perChunk)
            Self.process(slots: slots, queries: queries, a: a, b: b, kMax: kMax, pairs: pairs, into: output)
        }
        Self.fillRemainingPairs(skipping: queries, a: a, b: b, pairs: pairs, into: output)
        self.neighboursA = Array(neighboursA)
        self.neighboursB = Array(neighboursB)
        self.pairSimilarityA = Array(pairA)
        self.pairSimilarityB = Array(pairB)
    }

    /// The pass's output buffers, shared by the concurrent chunks.
    ///
    /// Invariant (why `@unchecked Sendable` is sound): chunk `c` writes only the neighbour slots
    /// of its own queries and the pair positions of their rows, queries are distinct rows split
    /// into disjoint chunks, the remaining pairs are written after `concurrentPerform` returns,
    /// and nothing reads the buffers before that.
    private struct RowOutput: @unchecked Sendable {
        let neighboursA: UnsafeMutableBufferPointer<Int32>
        let neighboursB: UnsafeMutableBufferPointer<Int32>
        let pairA: UnsafeMutableBufferPointer<Float>
        let pairB: UnsafeMutableBufferPointer<Float>
    }

    /// Rows are handled in tiles of this many: each column vector is then read from memory once
    /// per tile instead of once per row, which is what bounds the speed once `n × d` no longer
    /// fits in the cache (2,000 × 1,536 floats are 12 MB).
    private static let tileRows = 16

    /// Handles `queries[slots]`.
    private static func process(
        slots: Range<Int>, queries: [Int], a: UnitVectors, b: UnitVectors, kMax: Int, pairs: PairList,
        into output: RowOutput
    ) {
        guard !slots.isEmpty else { return }
        let n = a.count
        var tileA = [Float](repeating: 0, count: tileRows * n)
        var tileB = [Float](repeating: 0, count: tileRows * n)
        var best = TopK(capacity: kMax)
        a.storage.withUnsafeBufferPointer { storageA in
            b.storage.withUnsafeBufferPointer { storageB in
                guard let baseA = storageA.baseAddress, let baseB = storageB.baseAddress else { return }
                for tileStart in stride(from: slots.lowerBound, to: slots.upperBound, by: tileRows) {
                    let tile = queries[tileStart..<min(tileStart + tileRows, slots.upperBound)]
                    Self.fillTile(tile, base: baseA, vectors: a, into: &tileA)
                    Self.fillTile(tile, base: baseB, vectors: b, into: &tileB)
                    for (t, slot) in (tileStart..<(tileStart + tile.count)).enumerated() {
                        let i = queries[slot]
                        let offset = t * n
                        let rowA = tileA[offset..<(offset + n)], rowB = tileB[offset..<(offset + n)]

                        best.collect(rowA, excluding: i)
                        best.write(to: output.neighboursA, at: slot * kMax)
                        best.collect(rowB, excluding: i)
                        best.write(to: output.neighboursB, at: slot * kMax)

                        for position in pairs.rowStart[i]..<pairs.rowStart[i + 1] {
                            let j = Int(pairs.partner[position])
                            output.pairA[position] = rowA[offset + j]
                            output.pairB[position] = rowB[offset + j]
                        }
                    }
                }
            }
        }
    }

    /// Fills `sims[t · n + j]` with the cosine of texts `tile[t]` and `j` (unit vectors, so a
    /// dot product).
    private static func fillTile(_ tile: ArraySlice<Int>, base: UnsafePointer<Float>, vectors: UnitVectors, into sims: inout [Float]) {
        let d = vectors.dimensions, n = vectors.count
        sims.withUnsafeMutableBufferPointer { out in
            // Invariant: tile rows and j are < n, so every row pointer addresses d floats inside
            // the storage, and t < tileRows, so every write lands inside `out`.
            for j in 0..<n {
                let vj = base + j * d
                for (t, i) in tile.enumerated() {
                    out[t * n + j] = UnitVectors.dot(base + i * d, vj, count: d)
                }
            }
        }
    }

    /// Computes the listed pairs whose row is not a query row, one dot product each.
    private static func fillRemainingPairs(
        skipping queries: [Int], a: UnitVectors, b: UnitVectors, pairs: PairList, into output: RowOutput
    ) {
        let n = a.count
        guard queries.count < n else { return }
        var isQuery = [Bool](repeating: false, count: n)
        for i in queries { isQuery[i] = true }
        a.storage.withUnsafeBufferPointer { storageA in
            b.storage.withUnsafeBufferPointer { storageB in
                guard let baseA = storageA.baseAddress, let baseB = storageB.baseAddress else { return }
                let dA = a.dimensions, dB = b.dimensions
                for i in 0..<n where !isQuery[i] {
                    for position in pairs.rowStart[i]..<pairs.rowStart[i + 1] {
                        let j = Int(pairs.partner[position])
                        // Invariant: i, j < n, so both row pointers stay inside the storage.
                        output.pairA[position] = UnitVectors.dot(baseA + i * dA, baseA + j * dA, count: dA)
                        output.pairB[position] = UnitVectors.dot(baseB + i * dB, baseB + j * dB, count: dB)
                    }
                }
            }
        }
    }
}

/// The `capacity` largest values of a row with their indices, best first; equal values keep the
/// lower index first.
private struct TopK {
    let capacity: Int
    private(set) var values: [Float] = []
    private(set) var indices: [Int32] = []

    init(capacity: Int) {
        self.capacity = capacity
        values.reserveCapacity(capacity)
        indices.reserveCapacity(capacity)
    }

    /// Keeps the best of `row`, whose positions (from `row.startIndex`) are the text indices.
    mutating func collect(_ row: ArraySlice<Float>, excluding excluded: Int) {
        values.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
        guard capacity > 0 else { return }
        let start = row.startIndex
        for j in 0..<row.count where j != excluded {
            let value = row[start + j]
            if values.count == capacity {
                // j only grows, so an equal value ranks below the one already kept.
                guard let last = values.last, value > last else { continue }
                values.removeLast()
                indices.removeLast()
            }
            var position = values.count
            while position > 0, values[position - 1] < value { position -= 1 }
            values.insert(value, at: position)
            indices.insert(Int32(j), at: position)
        }
    }

    func write(to buffer: UnsafeMutableBufferPointer<Int32>, at offset: Int) {
        for slot in 0..<capacity {
            buffer[offset + slot] = slot < indices.count ? indices[slot] : -1
        }
    }
}
