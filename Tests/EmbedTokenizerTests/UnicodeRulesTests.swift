import EmbedTokenizer
import Foundation
import Testing

/// Every Unicode scalar against what Hugging Face's BertNormalizer and BertPreTokenizer do with it
/// (`parity/unicode-normalizer.txt`, made with `tokenizers` itself).
@Suite("Unicode rules for every scalar", .offThePool)
struct UnicodeRulesTests {
    /// One section of the reference file: the output for each scalar that is not left alone.
    struct Section {
        var title: String
        var dropped: [ClosedRange<UInt32>] = []
        var spaced: [ClosedRange<UInt32>] = []
        var wrapped: [ClosedRange<UInt32>] = []
        var punctuation: [ClosedRange<UInt32>] = []
        var mapped: [UInt32: [UInt32]] = [:]
    }

    /// The reference file, read once.
    static let reference: Result<[String: Section], any Error> = Result { try readSections() }

    static func sections() throws -> [String: Section] {
        try reference.get()
    }

    private static func readSections() throws -> [String: Section] {
        let url = TokenizerFixtures.parity.appendingPathComponent("unicode-normalizer.txt")
        var sections: [String: Section] = [:]
        var current: Section?
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            if line.hasPrefix("# ") {
                if let current { sections[current.title] = current }
                // "# normalizer <name> …" or "# pretokenizer"
                let words = line.dropFirst(2).split(separator: " ")
                current = Section(title: String(words.first == "normalizer" && words.count > 1 ? words[1] : words[0]))
                continue
            }
            let values = line.split(separator: " ").dropFirst().compactMap { UInt32($0, radix: 16) }
            guard values.count >= 2, current != nil else {
                Issue.record("unreadable line \(line)")
                continue
            }
            // Mutating through the optional keeps the section uniquely referenced (no copies).
            switch line.first {
            case "D": current?.dropped.append(values[0]...values[1])
            case "S": current?.spaced.append(values[0]...values[1])
            case "W": current?.wrapped.append(values[0]...values[1])
            case "P": current?.punctuation.append(values[0]...values[1])
            case "M": current?.mapped[values[0]] = Array(values.dropFirst())
            default: Issue.record("unreadable line \(line)")
            }
        }
        if let current { sections[current.title] = current }
        return sections
    }

    /// Every scalar of the planes where Unicode assigns characters (0–3 and 14), and every 97th
    /// of the rest (unassigned planes 4–13, private-use planes 15–16), which debug builds would
    /// otherwise spend most of the time on.
    static let scalarsToCheck: [UInt32] = {
        var scalars: [UInt32] = []
        for plane: UInt32 in 0...16 {
            let start = plane << 16
            let step: UInt32 = (plane <= 3 || plane == 14) ? 1 : 97
            for value in stride(from: start, through: start + 0xFFFF, by: Int(step)) where !(0xD800...0xDFFF).contains(value) {
                scalars.append(value)
            }
        }
        return scalars
    }()

    @Test(
        "BertNormalizer output for every assigned scalar (and a sample of the rest)",
        arguments: [
            ("uncased", TokenizerConfiguration.Normalization(lowercase: true)),
            ("cased", TokenizerConfiguration.Normalization(lowercase: false)),
            ("lowercase-keep-accents", TokenizerConfiguration.Normalization(stripAccents: false, lowercase: true)),
        ])
    func normalizer(name: String, options: TokenizerConfiguration.Normalization) async throws {
        let section = try #require(try Self.sections()[name], "no section \(name)")
        var expected: [UInt32: [UInt32]] = section.mapped
        for range in section.dropped { for value in range { expected[value] = [] } }
        for range in section.spaced { for value in range { expected[value] = [0x20] } }
        for range in section.wrapped { for value in range { expected[value] = [0x20, value, 0x20] } }
        // Scalars are checked in blocks, each followed by 'x' (a starter that nothing reorders
        // across and that no normalization changes), and one by one only in a failing block.
        let separator: UInt32 = 0x78
        var mismatches: [String] = []
        var count = 0
        var block: [UInt32] = []
        var input: [UInt32] = []
        var want: [UInt32] = []
        func check() {
            if CharacterRules.normalize(input, options: options) != want {
                for value in block {
                    let got = CharacterRules.normalize([value], options: options)
                    let wanted = expected[value] ?? [value]
                    guard got != wanted else { continue }
                    count += 1
                    if mismatches.count < 10 {
                        mismatches.append("U+\(String(value, radix: 16, uppercase: true)): expected \(wanted), got \(got)")
                    }
                }
            }
            block.removeAll(keepingCapacity: true)
            input.removeAll(keepingCapacity: true)
            want.removeAll(keepingCapacity: true)
        }
        for value in Self.scalarsToCheck {
            block.append(value)
            input.append(value)
            input.append(separator)
            want.append(contentsOf: expected[value] ?? [value])
            want.append(separator)
            if block.count == 4096 { check() }
        }
        check()
        #expect(count == 0, "\(name): \(count) scalars differ: \(mismatches.joined(separator: "; "))")
    }

    @Test("BertPreTokenizer separators and isolated punctuation for each scalar")
    func preTokenizer() async throws {
        let section = try #require(try Self.sections()["pretokenizer"])
        let separators = Set(section.spaced.flatMap { Array($0) })
        let punctuation = Set(section.punctuation.flatMap { Array($0) })
        #expect(separators.count == 25)
        var count = 0
        var mismatches: [String] = []
        for value in Self.scalarsToCheck {
            let separator = CharacterRules.isSeparator(value)
            let isolated = CharacterRules.isIsolatedPunctuation(value)
            if separator != separators.contains(value) || isolated != punctuation.contains(value) {
                count += 1
                if mismatches.count < 10 { mismatches.append("U+\(String(value, radix: 16, uppercase: true))") }
            }
        }
        #expect(count == 0, "\(count) scalars differ: \(mismatches.joined(separator: ", "))")
    }

    @Test(
        "sentence-transformers' strip() and lower() are Python's",
        arguments: [
            ("  Hello \u{A0}", false, "Hello"),
            ("\u{1C}\u{1F}x\u{85}\u{3000}", false, "x"),  // Python strips U+001C…U+001F too
            ("\u{200B}x\u{FEFF}", false, "\u{200B}x\u{FEFF}"),  // not white space for Python
            ("İstanbul", true, "i\u{307}stanbul"),  // full mapping: two scalars
            ("ΟΔΥΣΣΕΥΣ", true, "οδυσσευς"),  // final sigma only at the end
            ("ΣΑ Σ. AΣ'Σ", true, "σα σ. aσ'ς"),  // the apostrophe is case-ignorable
            ("ẞ Ǆ", true, "ß ǆ"),
        ])
    func pythonStripAndLower(input: String, lowercase: Bool, expected: String) async {
        #expect(CharacterRules.prepare(input, lowercase: lowercase).unicodeScalars.elementsEqual(expected.unicodeScalars))
    }
}
