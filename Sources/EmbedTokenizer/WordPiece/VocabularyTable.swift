/// A hash table of every prefix of every vocabulary token, over Unicode scalar values, built once.
///
/// WordPiece needs the longest vocabulary token at the start of the rest of a word. Instead of
/// trying every length from the longest down (one hash and one `String` per try, as upstream
/// does), the matcher walks the word forward: each step extends the hash by one scalar and looks
/// the prefix up; the walk stops as soon as no token starts that way, and the last prefix that is
/// a whole token is the match. The result is the same, found in one pass without allocating.
///
/// Continuation pieces (`##ing`) need no concatenation: the walk starts from the hash of the
/// prefix, and the comparison reads the prefix and then the word.
struct VocabularyTable: Sendable {
    /// FNV-1a over scalar values: simple and incremental, which the forward walk needs.
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    @inline(__always)
    static func hash(_ state: UInt64, _ value: UInt32) -> UInt64 {
        (state ^ UInt64(value)) &* prime
    }

    /// What a lookup found.
    enum Match {
        /// No token starts with these scalars: the walk can stop.
        case none
        /// Some token starts with these scalars, but none is exactly them.
        case prefix
        /// A token is exactly these scalars.
        case token(Int32)
    }

    /// One distinct prefix (at a scalar boundary) of some token, stored in its hash slot so that
    /// a probe touches one cache line. 16 bytes.
    private struct Node {
        /// The high 32 bits of the prefix hash (the low bits chose the slot).
        var tag: UInt32
        /// The prefix length in scalars; 0 marks an empty slot.
        var length: UInt32
        /// Where in `keyScalars` a token starting with this prefix begins, to verify a match.
        var keyStart: Int32
        /// The id of the token equal to the prefix, or -1.
        var id: Int32
    }

    /// The scalars of every token, concatenated.
    private let keyScalars: [UInt32]
    /// Open addressing with linear probing; the count is a power of two.
    private let nodes: [Node]
    private let slotMask: Int

    /// Builds the table from tokens in id order. Empty strings (holes in the id space) are left
    /// out; when a token appears twice, the larger id wins, as in Hugging Face's vocabulary maps.
    init(tokens: [String]) {
        var scalars: [UInt32] = []
        var ranges: [(start: Int, end: Int, id: Int32)] = []
        for (id, token) in tokens.enumerated() where !token.isEmpty {
            let start = scalars.count
            for scalar in token.unicodeScalars { scalars.append(scalar.value) }
            ranges.append((start, scalars.count, Int32(id)))
        }
        var capacity = 16
        while capacity < scalars.count * 2 { capacity *= 2 }  // nodes ≤ scalars: load factor ≤ 0.5
        var mask = capacity - 1
        var nodes = [Node](repeating: Node(tag: 0, length: 0, keyStart: 0, id: -1), count: capacity)
        for (start, end, id) in ranges {
            var state = Self.offsetBasis
            for position in start..<end {
                state = Self.hash(state, scalars[position])
                let length = position + 1 - start
                var slot = Self.slot(of: state, mask: mask)
                while nodes[slot].length != 0 {
                    let node = nodes[slot]
                    if node.tag == Self.tag(of: state), Int(node.length) == length,
                        scalars[Int(node.keyStart)..<Int(node.keyStart) + length] == scalars[start...position]
                    {
                        break
                    }
                    slot = (slot + 1) & mask
                }
                if nodes[slot].length == 0 {
                    nodes[slot] = Node(tag: Self.tag(of: state), length: UInt32(length), keyStart: Int32(start), id: -1)
                }
                if position == end - 1 {
                    nodes[slot].id = id  // tokens come in id order: a later duplicate wins
                }
            }
        }
        // The table was sized for one node per scalar; prefixes shared between tokens make far
        // fewer in a large vocabulary. A table sized for the nodes actually made keeps the same
        // load factor in less memory, so more of it stays in cache.
        let used = nodes.reduce(0) { $0 + ($1.length == 0 ? 0 : 1) }
        var fitted = 16
        while fitted < used * 2 { fitted *= 2 }
        if fitted < capacity {
            let fittedMask = fitted - 1
            var compact = [Node](repeating: Node(tag: 0, length: 0, keyStart: 0, id: -1), count: fitted)
            for node in nodes where node.length != 0 {
                var state = Self.offsetBasis
                let start = Int(node.keyStart)
                for position in start..<start + Int(node.length) { state = Self.hash(state, scalars[position]) }
                var slot = Self.slot(of: state, mask: fittedMask)
                while compact[slot].length != 0 { slot = (slot + 1) & fittedMask }
                compact[slot] = node
            }
            nodes = compact
            mask = fittedMask
        }
        keyScalars = scalars
        self.nodes = nodes
        slotMask = mask
    }

    @inline(__always)
    private static func slot(of hash: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
    }

    @inline(__always)
    private static func tag(of hash: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: hash >> 32)
    }

    /// Looks up `prefix + word[start..<end]`, whose FNV-1a hash is `hash`.
    ///
    /// A whole-token answer is verified scalar by scalar. A prefix-only answer is not: a hash
    /// collision there can only make the caller walk further, and everything the walk accepts is
    /// a verified token, so the longest match is still exact.
    @inline(__always)
    func lookup(
        hash: UInt64, prefix: UnsafeBufferPointer<UInt32>, word: UnsafeBufferPointer<UInt32>, start: Int, end: Int
    ) -> Match {
        let length = UInt32(truncatingIfNeeded: prefix.count + end - start)
        let tag = Self.tag(of: hash)
        var slot = Self.slot(of: hash, mask: slotMask)
        return nodes.withUnsafeBufferPointer { nodes in
            while true {
                let node = nodes[slot]
                if node.length == 0 { return .none }
                if node.tag == tag, node.length == length {
                    if node.id < 0 { return .prefix }
                    if matches(Int(node.keyStart), prefix: prefix, word: word, start: start, end: end) {
                        return .token(node.id)
                    }
                }
                slot = (slot + 1) & slotMask
            }
        }
    }

    @inline(__always)
    private func matches(
        _ keyStart: Int, prefix: UnsafeBufferPointer<UInt32>, word: UnsafeBufferPointer<UInt32>, start: Int, end: Int
    ) -> Bool {
        keyScalars.withUnsafeBufferPointer { key in
            var position = keyStart
            for value in prefix {
                if key[position] != value { return false }
                position += 1
            }
            for index in start..<end {
                if key[position] != word[index] { return false }
                position += 1
            }
            return true
        }
    }

    /// Returns the id of the token spelt `word[start..<end]`, or nil when it is not in the table.
    func id(of word: UnsafeBufferPointer<UInt32>, from start: Int, to end: Int) -> Int32? {
        guard start < end else { return nil }
        var hash = Self.offsetBasis
        for index in start..<end { hash = Self.hash(hash, word[index]) }
        switch lookup(hash: hash, prefix: UnsafeBufferPointer(start: nil, count: 0), word: word, start: start, end: end) {
        case .token(let id): return id
        case .none, .prefix: return nil
        }
    }

    /// Returns the id of `token`, or nil when it is not in the table.
    func id(of token: String) -> Int32? {
        let scalars = token.unicodeScalars.map(\.value)
        guard !scalars.isEmpty else { return nil }
        let hash = scalars.reduce(Self.offsetBasis, Self.hash)
        return scalars.withUnsafeBufferPointer { word in
            switch lookup(
                hash: hash, prefix: UnsafeBufferPointer(start: nil, count: 0), word: word, start: 0, end: word.count)
            {
            case .token(let id): id
            case .none, .prefix: nil
            }
        }
    }
}
