extension EncodeJob {
    /// The K-th of N contiguous slices of an input's lines, so that N machines can each embed
    /// one slice of the same file with no coordination: a slice is chosen by line number alone,
    /// every line belongs to exactly one slice, and the outputs of slices 1…N concatenated in
    /// order equal the output of the whole input.
    ///
    /// With L lines, slice K holds lines ⌊(K−1)·L/N⌋+1 … ⌊K·L/N⌋ (1-based, blank lines counted),
    /// so slices differ in length by at most one line; when N > L some are empty.
    public struct Shard: Sendable, Hashable, CustomStringConvertible {
        /// Which slice, from 1.
        public let index: Int
        /// How many slices.
        public let count: Int

        /// Creates a shard.
        ///
        /// - Throws: ``ShardError`` unless 1 ≤ `index` ≤ `count`.
        public init(index: Int, count: Int) throws(ShardError) {
            guard count >= 1 else { throw ShardError(text: "\(index)/\(count)", reason: "N must be at least 1") }
            guard (1...count).contains(index) else {
                throw ShardError(text: "\(index)/\(count)", reason: "K must be between 1 and N (\(count))")
            }
            self.index = index
            self.count = count
        }

        /// Reads `K/N` (as `--shard` takes it).
        ///
        /// - Throws: ``ShardError`` for anything else, or K outside 1…N.
        public init(parsing text: String) throws(ShardError) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
                throw ShardError(text: text, reason: "expected K/N, e.g. 3/8 for the third of eight slices")
            }
            try self.init(index: index, count: count)
        }

        /// The lines (1-based) of this slice of an input of `lineCount` lines, or `nil` when the
        /// slice is empty.
        public func lines(of lineCount: Int) -> ClosedRange<Int>? {
            // Int multiplication cannot overflow for any file that fits a disk.
            let first = (index - 1) * lineCount / count + 1
            let last = index * lineCount / count
            return first <= last ? first...last : nil
        }

        public var description: String { "\(index)/\(count)" }
    }
}

/// A `--shard` value that cannot be used.
public struct ShardError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The value as given.
    public let text: String
    /// What is wrong.
    public let reason: String

    public var description: String { "Invalid shard '\(text)': \(reason)." }
}
