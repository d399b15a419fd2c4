/// The character classes the BERT normalizer and pre-tokenizer ask about, for one Unicode scalar.
///
/// The classes reproduce Hugging Face `tokenizers` exactly, including its frozen Unicode data for
/// control/format characters, non-spacing marks, punctuation, decompositions, combining classes
/// and lower-casing (see ``UnicodeTables``), so they do not change with the Swift toolchain.
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt8

    /// Dropped by `clean_text`: U+0000, U+FFFD and categories Cc, Cf, Co except `\t`, `\n`, `\r`.
    static let removedByCleanup = ScalarClass(rawValue: 1 << 0)
    /// Unicode White_Space (Rust `char::is_whitespace`), which includes `\t`, `\n`, `\r`.
    static let whitespace = ScalarClass(rawValue: 1 << 1)
    /// ASCII punctuation and symbols (33–47, 58–64, 91–96, 123–126) or a P* category.
    static let punctuation = ScalarClass(rawValue: 1 << 2)
    /// Category Mn, removed when accents are stripped.
    static let nonspacingMark = ScalarClass(rawValue: 1 << 3)
    /// A CJK ideograph that the normalizer surrounds with spaces.
    static let chinese = ScalarClass(rawValue: 1 << 4)
    /// Has a canonical decomposition (Hangul syllables included).
    static let decomposes = ScalarClass(rawValue: 1 << 5)
    /// Has a non-zero canonical combining class, so NFD may reorder it.
    static let combining = ScalarClass(rawValue: 1 << 6)
    /// Lower-casing changes it.
    static let changesWhenLowercased = ScalarClass(rawValue: 1 << 7)

    /// Returns whether the scalar is in the class `flag` (a plain bit test: `contains` goes
    /// through generic `SetAlgebra` code, which unoptimized builds do not specialize).
    @inline(__always)
    func has(_ flag: ScalarClass) -> Bool {
        rawValue & flag.rawValue != 0
    }

    /// Returns the classes of `value` (a Unicode scalar value; surrogates have none).
    @inline(__always)
    static func of(_ value: UInt32) -> ScalarClass {
        if value < tableSize {
            return ScalarClass(rawValue: table[Int(value)])
        }
        return compute(value)
    }

    /// Returns the classes of `value`, reading the precomputed planes from `table`, a pointer to
    /// ``table`` that hot loops fetch once (saving the lazy-global check on every scalar).
    @inline(__always)
    static func of(_ value: UInt32, in table: UnsafeBufferPointer<UInt8>) -> ScalarClass {
        if value < tableSize {
            return ScalarClass(rawValue: table[Int(value)])
        }
        return compute(value)
    }

    /// The precomputed planes: the Basic Multilingual Plane and plane 1 (emoji, historic scripts).
    static let tableSize: UInt32 = 0x2_0000

    /// The classes of U+0000…U+1FFFF (128 KiB), painted from the range tables once on first use.
    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0, count: Int(tableSize))
        func paint(_ range: ClosedRange<UInt32>, _ classes: ScalarClass) {
            let upper = min(range.upperBound, tableSize - 1)
            guard range.lowerBound <= upper else { return }
            for value in range.lowerBound...upper { table[Int(value)] |= classes.rawValue }
        }
        func paint(ranges: [UInt32], _ classes: ScalarClass) {
            for index in stride(from: 0, to: ranges.count, by: 2) { paint(ranges[index]...ranges[index + 1], classes) }
        }
        func paint(keys: [UInt32], _ classes: ScalarClass) {
            for key in keys where key < tableSize { table[Int(key)] |= classes.rawValue }
        }
        paint(0x00...0x1F, .removedByCleanup)
        paint(0x7F...0x9F, .removedByCleanup)
        paint(ranges: UnicodeTables.otherFormat, .removedByCleanup)
        paint(0xE000...0xF8FF, .removedByCleanup)
        paint(0xFFFD...0xFFFD, .removedByCleanup)
        for value in [0x09, 0x0A, 0x0D] { table[value] &= ~ScalarClass.removedByCleanup.rawValue }
        for range in whitespaceRanges { paint(range, .whitespace) }
        for range in asciiPunctuationRanges { paint(range, .punctuation) }
        paint(ranges: UnicodeTables.punctuation, .punctuation)
        paint(ranges: UnicodeTables.nonspacingMark, .nonspacingMark)
        for range in chineseRanges { paint(range, .chinese) }
        paint(keys: UnicodeTables.decompositionKeys, .decomposes)
        paint(0xAC00...0xD7A3, .decomposes)  // Hangul syllables
        paint(keys: UnicodeTables.combiningKeys, .combining)
        paint(keys: UnicodeTables.lowercaseKeys, .changesWhenLowercased)
        for value in 0xD800...0xDFFF { table[value] = 0 }  // surrogates are not scalars
        return table
    }()

    /// Computes the classes of `value` from the tables (the same answers the table holds).
    static func compute(_ value: UInt32) -> ScalarClass {
        guard Unicode.Scalar(value) != nil else { return [] }
        var bits: UInt8 = 0
        if value == 0 || value == 0xFFFD
            || (isOther(value) && value != 0x09 && value != 0x0A && value != 0x0D)
        {
            bits |= ScalarClass.removedByCleanup.rawValue
        }
        if isWhitespace(value) { bits |= ScalarClass.whitespace.rawValue }
        if isASCIIPunctuation(value) || UnicodeTables.contains(UnicodeTables.punctuation, value) {
            bits |= ScalarClass.punctuation.rawValue
        }
        if UnicodeTables.contains(UnicodeTables.nonspacingMark, value) { bits |= ScalarClass.nonspacingMark.rawValue }
        if isChinese(value) { bits |= ScalarClass.chinese.rawValue }
        if Decomposition.isHangulSyllable(value) || UnicodeTables.find(value, in: UnicodeTables.decompositionKeys) != nil {
            bits |= ScalarClass.decomposes.rawValue
        }
        if UnicodeTables.find(value, in: UnicodeTables.combiningKeys) != nil { bits |= ScalarClass.combining.rawValue }
        if UnicodeTables.find(value, in: UnicodeTables.lowercaseKeys) != nil { bits |= ScalarClass.changesWhenLowercased.rawValue }
        return ScalarClass(rawValue: bits)
    }

    /// `unicode_categories::is_other` as `tokenizers` calls it: Cc, Cf or Co (Unicode 9.0).
    private static func isOther(_ value: UInt32) -> Bool {
        value < 0x20 || (0x7F...0x9F).contains(value)
            || UnicodeTables.contains(UnicodeTables.otherFormat, value)
            || (0xE000...0xF8FF).contains(value) || (0xF_0000...0xF_FFFD).contains(value)
            || (0x10_0000...0x10_FFFD).contains(value)
    }

    /// Unicode White_Space (stable since 6.3).
    private static let whitespaceRanges: [ClosedRange<UInt32>] = [
        0x09...0x0D, 0x20...0x20, 0x85...0x85, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
        0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000,
    ]

    private static let asciiPunctuationRanges: [ClosedRange<UInt32>] = [33...47, 58...64, 91...96, 123...126]

    private static let chineseRanges: [ClosedRange<UInt32>] = [
        0x4E00...0x9FFF, 0x3400...0x4DBF, 0x2_0000...0x2_A6DF, 0x2_A700...0x2_B73F, 0x2_B740...0x2_B81F,
        0x2_B920...0x2_CEAF, 0xF900...0xFAFF, 0x2_F800...0x2_FA1F,
    ]

    /// Unicode White_Space, the set behind Rust's `char::is_whitespace` (stable since 6.3).
    static func isWhitespace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
            0x3000:
            true
        default:
            false
        }
    }

    /// Rust's `char::is_ascii_punctuation`: every printable ASCII character that is neither a
    /// letter, a digit nor a space, so `$ + < = > ^ ` | ~` count too.
    private static func isASCIIPunctuation(_ value: UInt32) -> Bool {
        (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
            || (123...126).contains(value)
    }

    /// The CJK ranges of `tokenizers`' `is_chinese_char`, including its 0x2B920 start for what
    /// Unicode calls Extension E (0x2B820): kept as is because ids must match.
    static func isChinese(_ value: UInt32) -> Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x2_0000...0x2_A6DF, 0x2_A700...0x2_B73F,
            0x2_B740...0x2_B81F, 0x2_B920...0x2_CEAF, 0xF900...0xFAFF, 0x2_F800...0x2_FA1F:
            true
        default:
            false
        }
    }
}

extension UnicodeTables {
    /// Returns the position of `value` in the ascending array `keys`, or nil.
    static func find(_ value: UInt32, in keys: [UInt32]) -> Int? {
        guard let last = keys.last, value <= last else { return nil }
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if keys[middle] < value {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < keys.count && keys[low] == value ? low : nil
    }

    /// Returns whether `value` lies in one of the inclusive ranges `[lo0, hi0, lo1, hi1, …]`.
    static func contains(_ ranges: [UInt32], _ value: UInt32) -> Bool {
        guard let last = ranges.last, value <= last else { return false }
        var low = 0
        var high = ranges.count / 2  // number of ranges
        while low < high {
            let middle = (low + high) / 2
            if value < ranges[2 * middle] {
                high = middle
            } else if value > ranges[2 * middle + 1] {
                low = middle + 1
            } else {
                return true
            }
        }
        return false
    }
}
