/// SentencePiece's Unigram model as Hugging Face `tokenizers` runs it (`models/unigram/model.rs`,
/// its optimized Viterbi): the segmentation of a word into vocabulary pieces whose scores sum
/// highest.
///
/// Details that change ids, kept as upstream has them: a character no piece starts with becomes
/// an unknown node scored `min_score - 10`; consecutive unknown nodes are fused into one token;
/// ties keep the first candidate found (positions left to right, shorter pieces first); with
/// `byte_fallback` an unknown run becomes its UTF-8 bytes as `<0xXX>` pieces when all exist.
struct UnigramModel: Sendable {
    let trie: ScalarTrie
    let unknownID: Int32?
    /// Upstream's `min_score - K_UNK_PENALTY`.
    let unknownScore: Double
    let byteFallback: Bool
    /// The id of `<0xXX>` for each byte, or -1.
    let byteIDs: [Int32]

    init(vocabulary: [String], scores: [Double], unknownID: Int32?, byteFallback: Bool) {
        trie = ScalarTrie(tokens: vocabulary, scores: scores)
        self.unknownID = unknownID
        unknownScore = scores.reduce(Double.infinity) { min($0, $1) } - 10
        self.byteFallback = byteFallback
        byteIDs = ByteFallback.ids(lookingUpIn: trie.id(of:))
    }

    /// Buffers reused across words.
    struct Scratch {
        var best: [Double] = []
        var from: [Int32] = []
        var nodeIDs: [Int32] = []
        var path: [(start: Int32, end: Int32, id: Int32)] = []
        var bytes: [UInt8] = []
    }

    /// Appends the ids of the word `text[start..<end]` to `ids`.
    func encode(
        _ text: UnsafeBufferPointer<UInt32>, from start: Int, to end: Int, into ids: inout [Int32],
        scratch: inout Scratch
    ) {
        let count = end - start
        guard count > 0 else { return }
        // The lattice arrays leave the scratch for the loop so that it can run on raw pointers.
        var best: [Double] = []
        var from: [Int32] = []
        var nodeIDs: [Int32] = []
        swap(&best, &scratch.best)
        swap(&from, &scratch.from)
        swap(&nodeIDs, &scratch.nodeIDs)
        best.removeAll(keepingCapacity: true)
        best.append(contentsOf: repeatElement(0, count: count + 1))
        from.removeAll(keepingCapacity: true)
        from.append(contentsOf: repeatElement(-1, count: count + 1))
        nodeIDs.removeAll(keepingCapacity: true)
        nodeIDs.append(contentsOf: repeatElement(-1, count: count + 1))
        best.withUnsafeMutableBufferPointer { best in
            from.withUnsafeMutableBufferPointer { from in
                nodeIDs.withUnsafeMutableBufferPointer { nodeIDs in
                    viterbi(text, from: start, count: count, best: best, origins: from, nodeIDs: nodeIDs)
                }
            }
        }
        swap(&best, &scratch.best)
        swap(&from, &scratch.from)
        swap(&nodeIDs, &scratch.nodeIDs)
        // Without an unknown id a character no piece covers leaves the end unreachable; upstream
        // fails on such a word, and here it produces no ids.
        scratch.path.removeAll(keepingCapacity: true)
        var position = count
        while position > 0 {
            let from = Int(scratch.from[position])
            guard from >= 0 else { return }
            scratch.path.append((Int32(from), Int32(position), scratch.nodeIDs[position]))
            position = from
        }
        var fusedStart = -1
        var fusedEnd = -1
        for node in scratch.path.reversed() {
            if let unknownID, node.id == unknownID {
                if fusedStart < 0 { fusedStart = Int(node.start) }
                fusedEnd = Int(node.end)
                continue
            }
            if fusedStart >= 0 {
                appendUnknown(text, from: start + fusedStart, to: start + fusedEnd, into: &ids, bytes: &scratch.bytes)
                fusedStart = -1
            }
            ids.append(node.id)
        }
        if fusedStart >= 0 {
            appendUnknown(text, from: start + fusedStart, to: start + fusedEnd, into: &ids, bytes: &scratch.bytes)
        }
    }

    /// Fills the best path ending at each position: its score, where its last piece starts, and
    /// that piece's id.
    @inline(__always)
    private func viterbi(
        _ text: UnsafeBufferPointer<UInt32>, from start: Int, count: Int,
        best: UnsafeMutableBufferPointer<Double>, origins: UnsafeMutableBufferPointer<Int32>,
        nodeIDs: UnsafeMutableBufferPointer<Int32>
    ) {
        for position in 0..<count {
            let base = best[position]
            var hasSingleNode = false
            var node = ScalarTrie.root
            var pieceEnd = position
            while pieceEnd < count, let next = trie.step(from: node, text[start + pieceEnd]) {
                node = next.node
                pieceEnd += 1
                guard next.id >= 0 else { continue }
                let candidate = next.score + base
                if origins[pieceEnd] < 0 || candidate > best[pieceEnd] {
                    best[pieceEnd] = candidate
                    origins[pieceEnd] = Int32(position)
                    nodeIDs[pieceEnd] = next.id
                }
                if pieceEnd == position + 1 { hasSingleNode = true }
            }
            if !hasSingleNode, let unknownID {
                let candidate = unknownScore + base
                let target = position + 1
                if origins[target] < 0 || candidate > best[target] {
                    best[target] = candidate
                    origins[target] = Int32(position)
                    nodeIDs[target] = unknownID
                }
            }
        }
    }

    /// A fused run of unknown nodes: the token it spells if that is in the vocabulary (upstream
    /// looks the run up by its text), else its bytes with `byte_fallback`, else the unknown id.
    private func appendUnknown(
        _ text: UnsafeBufferPointer<UInt32>, from start: Int, to end: Int, into ids: inout [Int32], bytes: inout [UInt8]
    ) {
        if let id = trie.id(of: text, from: start, to: end) {
            ids.append(id)
            return
        }
        if byteFallback, ByteFallback.append(text, from: start, to: end, byteIDs: byteIDs, into: &ids, bytes: &bytes) {
            return
        }
        if let unknownID { ids.append(unknownID) }
    }
}

/// The `<0xXX>` pieces that SentencePiece models with `byte_fallback` spell unknown text with.
enum ByteFallback {
    /// The id of `<0x00>` … `<0xFF>` as `lookup` finds it, or -1 for each one missing.
    static func ids(lookingUpIn lookup: (String) -> Int32?) -> [Int32] {
        let digits = Array("0123456789ABCDEF")
        return (0..<256).map { byte in
            lookup("<0x\(digits[byte >> 4])\(digits[byte & 15])>") ?? -1
        }
    }

    /// Appends the byte pieces of the UTF-8 encoding of `text[start..<end]` and returns true, or
    /// appends nothing and returns false when one of them is missing.
    static func append(
        _ text: UnsafeBufferPointer<UInt32>, from start: Int, to end: Int, byteIDs: [Int32], into ids: inout [Int32],
        bytes: inout [UInt8]
    ) -> Bool {
        bytes.removeAll(keepingCapacity: true)
        for index in start..<end { UTF8Bytes.append(text[index], to: &bytes) }
        for byte in bytes where byteIDs[Int(byte)] < 0 { return false }
        for byte in bytes { ids.append(byteIDs[Int(byte)]) }
        return true
    }
}

/// UTF-8 encoding of scalar values into a byte buffer, without going through `String`.
enum UTF8Bytes {
    @inline(__always)
    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        switch value {
        case 0..<0x80:
            bytes.append(UInt8(value))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | (value >> 6)))
            bytes.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | (value >> 12)))
            bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (value & 0x3F)))
        default:
            bytes.append(UInt8(0xF0 | ((value >> 18) & 0x07)))
            bytes.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (value & 0x3F)))
        }
    }

    /// The number of UTF-8 bytes of a scalar value.
    @inline(__always)
    static func count(_ value: UInt32) -> Int {
        value < 0x80 ? 1 : value < 0x800 ? 2 : value < 0x10000 ? 3 : 4
    }
}
