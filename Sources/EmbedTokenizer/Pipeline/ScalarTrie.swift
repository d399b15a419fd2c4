/// A trie of vocabulary tokens over Unicode scalar values, its edges in one open-addressing hash
/// table keyed by (parent node, scalar).
///
/// The Unigram lattice walks every prefix from every position; here each step is one probe whose
/// key is compared whole, so a match is exact without re-reading the token's text (which
/// ``VocabularyTable`` must do to verify a token), and the token's id and score travel with the
/// edge: one memory access per step on a vocabulary too large for the cache.
struct ScalarTrie: Sendable {
    /// One edge: `parent << 32 | scalar` → child node, and the id and score of the token the
    /// child spells.
    private struct Edge {
        var key: UInt64
        var child: Int32
        var id: Int32
        var score: Double
    }

    private static let emptyKey = UInt64.max
    private let edges: [Edge]
    private let mask: Int

    /// The root node, where every walk starts.
    static let root: Int32 = 0

    /// Builds the trie from tokens in id order, with their scores (zeros when `scores` is shorter);
    /// empty strings are left out, and a token given twice keeps its larger id (upstream's map keeps
    /// the last insertion).
    init(tokens: [String], scores: [Double] = []) {
        var map: [UInt64: (child: Int32, id: Int32)] = [:]
        var nodeCount: Int32 = 1
        for (id, token) in tokens.enumerated() where !token.isEmpty {
            var node = Self.root
            var remaining = token.unicodeScalars.count
            for scalar in token.unicodeScalars {
                remaining -= 1
                let key = Self.key(node, scalar.value)
                var entry = map[key] ?? (nodeCount, -1)
                if entry.child == nodeCount { nodeCount += 1 }
                if remaining == 0 { entry.id = Int32(id) }
                map[key] = entry
                node = entry.child
            }
        }
        var capacity = 16
        while capacity < map.count * 2 { capacity *= 2 }
        let mask = capacity - 1
        var edges = [Edge](repeating: Edge(key: Self.emptyKey, child: -1, id: -1, score: 0), count: capacity)
        for (key, entry) in map {
            var slot = Self.slot(of: key, mask: mask)
            while edges[slot].key != Self.emptyKey { slot = (slot + 1) & mask }
            let score = entry.id >= 0 && Int(entry.id) < scores.count ? scores[Int(entry.id)] : 0
            edges[slot] = Edge(key: key, child: entry.child, id: entry.id, score: score)
        }
        self.edges = edges
        self.mask = mask
    }

    @inline(__always)
    private static func key(_ parent: Int32, _ scalar: UInt32) -> UInt64 {
        UInt64(UInt32(bitPattern: parent)) << 32 | UInt64(scalar)
    }

    @inline(__always)
    private static func slot(of key: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// The child of `node` along `scalar` and the id (-1 when it only starts tokens) and score of
    /// the token it spells, or nil when no token continues that way.
    @inline(__always)
    func step(from node: Int32, _ scalar: UInt32) -> (node: Int32, id: Int32, score: Double)? {
        let key = Self.key(node, scalar)
        var slot = Self.slot(of: key, mask: mask)
        return edges.withUnsafeBufferPointer { edges in
            while true {
                let edge = edges[slot]
                if edge.key == key { return (edge.child, edge.id, edge.score) }
                if edge.key == Self.emptyKey { return nil }
                slot = (slot + 1) & mask
            }
        }
    }

    /// The id of the token spelt `text[start..<end]`, or nil.
    func id(of text: UnsafeBufferPointer<UInt32>, from start: Int, to end: Int) -> Int32? {
        guard start < end else { return nil }
        var node = Self.root
        var id: Int32 = -1
        for index in start..<end {
            guard let next = step(from: node, text[index]) else { return nil }
            (node, id) = (next.node, next.id)
        }
        return id >= 0 ? id : nil
    }

    /// The id of `token`, or nil.
    func id(of token: String) -> Int32? {
        let scalars = token.unicodeScalars.map(\.value)
        return scalars.withUnsafeBufferPointer { id(of: $0, from: 0, to: $0.count) }
    }
}
