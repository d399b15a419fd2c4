/// Why a gold-pairs file cannot be read or scored, with the line it concerns.
public struct GoldPairsError: Error, CustomStringConvertible, Sendable, Hashable {
    private enum Code: Sendable, Hashable {
        case unreadable(path: String, reason: String)
        case notUTF8(path: String)
        case tooFewColumns(line: Int, found: Int)
        case invalidScore(line: Int, value: String)
        case emptySentence(line: Int, column: Int)
        case noPairs
        case missingVector(line: Int, text: String)
        case dimensionMismatch(line: Int, first: Int, second: Int)
        case nonFinite(line: Int)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The file at `path` could not be read.
    public static func unreadable(path: String, reason: String) -> Self { Self(.unreadable(path: path, reason: reason)) }

    /// The file at `path` is not valid UTF-8.
    public static func notUTF8(path: String) -> Self { Self(.notUTF8(path: path)) }

    /// Line `line` (1-based) has `found` tab-separated columns where at least 7 are needed.
    public static func tooFewColumns(line: Int, found: Int) -> Self { Self(.tooFewColumns(line: line, found: found)) }

    /// The score column of line `line` is not a finite number.
    public static func invalidScore(line: Int, value: String) -> Self { Self(.invalidScore(line: line, value: value)) }

    /// Sentence column `column` (1-based, 6 or 7) of line `line` is empty.
    public static func emptySentence(line: Int, column: Int) -> Self { Self(.emptySentence(line: line, column: column)) }

    /// The file holds no scored pair.
    public static var noPairs: Self { Self(.noPairs) }

    /// No vector was supplied for a sentence of line `line`.
    public static func missingVector(line: Int, text: String) -> Self { Self(.missingVector(line: line, text: text)) }

    /// The two sentences of line `line` have vectors of different lengths.
    public static func dimensionMismatch(line: Int, first: Int, second: Int) -> Self {
        Self(.dimensionMismatch(line: line, first: first, second: second))
    }

    /// A vector of a sentence of line `line` is empty or has a NaN or infinite component.
    public static func nonFinite(line: Int) -> Self { Self(.nonFinite(line: line)) }

    /// What is wrong, naming the file or line.
    public var description: String {
        switch code {
        case .unreadable(let path, let reason):
            "Cannot read the gold pairs file \(path): \(reason)"
        case .notUTF8(let path):
            "The gold pairs file \(path) is not UTF-8 text."
        case .tooFewColumns(let line, let found):
            "Gold pairs, line \(line): expected at least 7 tab-separated columns (genre, file, year, id, score, sentence 1, sentence 2), found \(found)."
        case .invalidScore(let line, let value):
            "Gold pairs, line \(line): the score (column 5) must be a finite number, found \"\(value)\"."
        case .emptySentence(let line, let column):
            "Gold pairs, line \(line): the sentence in column \(column) is empty."
        case .noPairs:
            "The gold pairs file has no scored pairs."
        case .missingVector(let line, let text):
            "Gold pairs, line \(line): no vector for the sentence \"\(text.prefix(80))\"."
        case .dimensionMismatch(let line, let first, let second):
            "Gold pairs, line \(line): the sentences' vectors have different lengths (\(first) and \(second))."
        case .nonFinite(let line):
            "Gold pairs, line \(line): a sentence's vector is empty or has a NaN or infinite value."
        }
    }
}
