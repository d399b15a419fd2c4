/// The BPE model as Hugging Face `tokenizers` runs it (`models/bpe/model.rs` and `word.rs`):
/// each character of a word becomes its vocabulary id, then merges apply by rank.
///
/// The merge order is upstream's priority queue exactly: the lowest rank first, the leftmost
/// among equal ranks, an entry skipped when its pair no longer yields the same token. Unknown
/// characters use `byte_fallback` (`<0xXX>` pieces) when all their bytes exist, else the unknown
/// token (fused with a neighbouring unknown when `fuse_unk`), else they are dropped, as upstream.
/// Dropout is a training device and is ignored.
struct BPEModel: Sendable {
    let table: VocabularyTable
    let merges: MergeTable
    let unknownID: Int32?
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool
    let continuingPrefix: [UInt32]
    let endOfWordSuffix: [UInt32]
    /// The id of each single-scalar token below ``directLimit``, or -1: the per-character lookup
    /// without hashing when there is no prefix or suffix to add (byte-level alphabets live here).
    private let directIDs: [Int32]
    private let byteIDs: [Int32]
    private static let directLimit: UInt32 = 0x800

    init(
        table: VocabularyTable, merges: [(left: Int32, right: Int32, merged: Int32)], unknownID: Int32?,
        fuseUnknown: Bool, byteFallback: Bool, ignoreMerges: Bool, continuingPrefix: [UInt32], endOfWordSuffix: [UInt32]
    ) {
        self.table = table
        self.merges = MergeTable(merges)
        self.unknownID = unknownID
        self.fuseUnknown = fuseUnknown
        self.byteFallback = byteFallback
        self.ignoreMerges = ignoreMerges
        self.continuingPrefix = continuingPrefix
        self.endOfWordSuffix = endOfWordSuffix
        var direct = [Int32](repeating: -1, count: Int(Self.directLimit))
        for value in 0..<Self.directLimit {
            guard let scalar = Unicode.Scalar(value) else { continue }
            direct[Int(value)] = table.id(of: String(scalar)) ?? -1
        }
        directIDs = direct
        byteIDs = ByteFallback.ids(lookingUpIn: table.id(of:))
    }

    struct Symbol {
        var id: Int32
        var previous: Int32
        var next: Int32
        /// Zero once merged into its left neighbour.
        var length: Int32
    }

    /// A queued merge: a pair at `position` (its left symbol) that makes `merged`.
    struct QueuedMerge {
        var rank: UInt32
        var position: Int32
        var merged: Int32

        @inline(__always)
        func precedes(_ other: QueuedMerge) -> Bool {
            rank != other.rank ? rank < other.rank : position < other.position
        }
    }

    /// Buffers reused across words.
    struct Scratch {
        var symbols: [Symbol] = []
        var queue: [QueuedMerge] = []
        var piece: [UInt32] = []
        var bytes: [UInt8] = []
        var fallback: [Int32] = []
    }

    /// Appends the ids of the word `text[start..<end]` to `ids`.
    func encode(
        _ text: UnsafeBufferPointer<UInt32>, from start: Int, to end: Int, into ids: inout [Int32],
        scratch: inout Scratch
    ) {
        guard start < end else { return }
        if ignoreMerges, let id = table.id(of: text, from: start, to: end) {
            ids.append(id)
            return
        }
        scratch.symbols.removeAll(keepingCapacity: true)
        var pendingUnknown: (id: Int32, length: Int32)?
        func add(_ id: Int32, length: Int32, to symbols: inout [Symbol]) {
            let index = Int32(symbols.count)
            symbols.append(Symbol(id: id, previous: index - 1, next: index + 1, length: length))
        }
        for index in start..<end {
            let id = characterID(text, at: index, start: start, end: end, piece: &scratch.piece)
            if id >= 0 {
                if let unknown = pendingUnknown {
                    add(unknown.id, length: unknown.length, to: &scratch.symbols)
                    pendingUnknown = nil
                }
                add(id, length: 1, to: &scratch.symbols)
                continue
            }
            if byteFallback {
                // Upstream falls back on the bytes of the piece as looked up, prefix and suffix
                // included, and leaves a pending unknown token pending.
                fillPiece(text, at: index, start: start, end: end, piece: &scratch.piece)
                scratch.fallback.removeAll(keepingCapacity: true)
                let found = scratch.piece.withUnsafeBufferPointer { piece in
                    ByteFallback.append(
                        piece, from: 0, to: piece.count, byteIDs: byteIDs, into: &scratch.fallback,
                        bytes: &scratch.bytes)
                }
                if found {
                    for id in scratch.fallback { add(id, length: 1, to: &scratch.symbols) }
                    continue
                }
            }
            guard let unknownID else { continue }  // no unknown token: the character is dropped
            if let unknown = pendingUnknown {
                if fuseUnknown {
                    pendingUnknown = (unknown.id, unknown.length + 1)
                    continue
                }
                add(unknown.id, length: unknown.length, to: &scratch.symbols)
            }
            pendingUnknown = (unknownID, 1)
        }
        if let unknown = pendingUnknown { add(unknown.id, length: unknown.length, to: &scratch.symbols) }
        guard !scratch.symbols.isEmpty else { return }
        scratch.symbols[scratch.symbols.count - 1].next = -1
        mergeAll(&scratch.symbols, queue: &scratch.queue)
        for symbol in scratch.symbols where symbol.length != 0 { ids.append(symbol.id) }
    }

    /// The id of the character at `index` as upstream looks it up: with the continuation prefix
    /// when not first, with the end-of-word suffix when last; -1 when absent.
    @inline(__always)
    private func characterID(
        _ text: UnsafeBufferPointer<UInt32>, at index: Int, start: Int, end: Int, piece: inout [UInt32]
    ) -> Int32 {
        let usesPrefix = index > start && !continuingPrefix.isEmpty
        let usesSuffix = index == end - 1 && !endOfWordSuffix.isEmpty
        let value = text[index]
        if !usesPrefix, !usesSuffix {
            if value < Self.directLimit { return directIDs[Int(value)] }
            return table.id(of: text, from: index, to: index + 1) ?? -1
        }
        fillPiece(text, at: index, start: start, end: end, piece: &piece)
        return piece.withUnsafeBufferPointer { table.id(of: $0, from: 0, to: $0.count) } ?? -1
    }

    private func fillPiece(
        _ text: UnsafeBufferPointer<UInt32>, at index: Int, start: Int, end: Int, piece: inout [UInt32]
    ) {
        piece.removeAll(keepingCapacity: true)
        if index > start { piece.append(contentsOf: continuingPrefix) }
        piece.append(text[index])
        if index == end - 1 { piece.append(contentsOf: endOfWordSuffix) }
    }

    /// Upstream's `Word::merge_all` without dropout.
    private func mergeAll(_ symbols: inout [Symbol], queue: inout [QueuedMerge]) {
        queue.removeAll(keepingCapacity: true)
        for index in 0..<(symbols.count - 1) {
            if let (rank, merged) = merges.lookup(symbols[index].id, symbols[index + 1].id) {
                push(QueuedMerge(rank: rank, position: Int32(index), merged: merged), to: &queue)
            }
        }
        while let top = pop(&queue) {
            let position = Int(top.position)
            let current = symbols[position]
            if current.length == 0 || current.next < 0 { continue }
            let nextPosition = Int(current.next)
            let right = symbols[nextPosition]
            guard let (_, merged) = merges.lookup(current.id, right.id), merged == top.merged else { continue }
            symbols[position].id = top.merged
            symbols[position].length += right.length
            symbols[position].next = right.next
            symbols[nextPosition].length = 0
            if right.next >= 0, Int(right.next) < symbols.count {
                symbols[Int(right.next)].previous = Int32(position)
            }
            let updated = symbols[position]
            if updated.previous >= 0 {
                let previous = symbols[Int(updated.previous)]
                if let (rank, merged) = merges.lookup(previous.id, updated.id) {
                    push(QueuedMerge(rank: rank, position: updated.previous, merged: merged), to: &queue)
                }
            }
            if updated.next >= 0, Int(updated.next) < symbols.count {
                let next = symbols[Int(updated.next)]
                if let (rank, merged) = merges.lookup(updated.id, next.id) {
                    push(QueuedMerge(rank: rank, position: Int32(position), merged: merged), to: &queue)
                }
            }
        }
    }

    // A binary min-heap on (rank, position) in a reused array.

    private func push(_ merge: QueuedMerge, to heap: inout [QueuedMerge]) {
        heap.append(merge)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private func pop(_ heap: inout [QueuedMerge]) -> QueuedMerge? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            var smallest = left
            if left + 1 < heap.count, heap[left + 1].precedes(heap[left]) { smallest = left + 1 }
            guard heap[smallest].precedes(heap[parent]) else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}

/// Merges by pair of ids, in an open-addressing table keyed by the two ids: one multiply and
/// usually one probe per lookup.
struct MergeTable: Sendable {
    private let keys: [UInt64]
    /// `rank << 32 | merged id`.
    private let values: [UInt64]
    private let mask: Int
    private static let empty = UInt64.max

    /// Builds the table; when a pair appears twice the later merge wins, as in upstream's map.
    init(_ merges: [(left: Int32, right: Int32, merged: Int32)]) {
        var capacity = 16
        while capacity < merges.count * 2 { capacity *= 2 }
        var keys = [UInt64](repeating: Self.empty, count: capacity)
        var values = [UInt64](repeating: 0, count: capacity)
        let mask = capacity - 1
        for (rank, merge) in merges.enumerated() {
            let key = Self.key(merge.left, merge.right)
            var slot = Self.slot(of: key, mask: mask)
            while keys[slot] != Self.empty, keys[slot] != key { slot = (slot + 1) & mask }
            keys[slot] = key
            values[slot] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: merge.merged))
        }
        self.keys = keys
        self.values = values
        self.mask = mask
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private static func slot(of key: UInt64, mask: Int) -> Int {
        let mixed = key &* 0x9E37_79B9_7F4A_7C15
        return Int(truncatingIfNeeded: mixed >> 32) & mask
    }

    /// The rank and the merged id of the pair, if it is a merge.
    @inline(__always)
    func lookup(_ left: Int32, _ right: Int32) -> (rank: UInt32, merged: Int32)? {
        let key = Self.key(left, right)
        var slot = Self.slot(of: key, mask: mask)
        return keys.withUnsafeBufferPointer { keys in
            while true {
                let found = keys[slot]
                if found == key {
                    let value = values[slot]
                    return (UInt32(truncatingIfNeeded: value >> 32), Int32(bitPattern: UInt32(truncatingIfNeeded: value)))
                }
                if found == Self.empty { return nil }
                slot = (slot + 1) & mask
            }
        }
    }
}
