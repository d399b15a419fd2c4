/// Why two sets of vectors cannot be compared: the input is empty, the counts disagree, a side
/// mixes vector lengths, a vector holds NaN or infinity, or an option is out of range.
public struct ComparisonError: Error, CustomStringConvertible, Sendable, Hashable {
    private enum Code: Sendable, Hashable {
        case noTexts
        case countMismatch(side: String, vectors: Int, texts: Int)
        case emptyVector(side: String, index: Int)
        case inconsistentDimensions(side: String, index: Int, expected: Int, found: Int)
        case nonFinite(side: String, index: Int, component: Int)
        case invalidOption(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// There are no texts to compare.
    public static var noTexts: Self { Self(.noTexts) }

    /// A side has a different number of vectors than there are texts.
    public static func countMismatch(side: String, vectors: Int, texts: Int) -> Self {
        Self(.countMismatch(side: side, vectors: vectors, texts: texts))
    }

    /// The vector of text `index` on `side` has no components.
    public static func emptyVector(side: String, index: Int) -> Self {
        Self(.emptyVector(side: side, index: index))
    }

    /// The vector of text `index` on `side` has `found` components where the side's first vector
    /// has `expected`.
    public static func inconsistentDimensions(side: String, index: Int, expected: Int, found: Int) -> Self {
        Self(.inconsistentDimensions(side: side, index: index, expected: expected, found: found))
    }

    /// Component `component` of the vector of text `index` on `side` is NaN or infinite.
    public static func nonFinite(side: String, index: Int, component: Int) -> Self {
        Self(.nonFinite(side: side, index: index, component: component))
    }

    /// A ``ComparisonOptions`` value is out of range.
    public static func invalidOption(_ message: String) -> Self { Self(.invalidOption(message)) }

    /// What is wrong, naming the side and the text.
    public var description: String {
        switch code {
        case .noTexts:
            "Nothing to compare: the input has no texts."
        case .countMismatch(let side, let vectors, let texts):
            "\(side) has \(vectors) vectors for \(texts) texts; every text needs exactly one vector on each side."
        case .emptyVector(let side, let index):
            "\(side): the vector of text \(index) is empty."
        case .inconsistentDimensions(let side, let index, let expected, let found):
            "\(side): the vector of text \(index) has \(found) dimensions, but the first vector has \(expected)."
        case .nonFinite(let side, let index, let component):
            "\(side): the vector of text \(index) has a NaN or infinite value at component \(component)."
        case .invalidOption(let message):
            message
        }
    }
}
