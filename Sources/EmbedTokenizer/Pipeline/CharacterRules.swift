/// The per-character rules of the pipeline, exposed to the package's tests so that they can be
/// checked against Hugging Face for every Unicode scalar (not public API).
package enum CharacterRules {
    /// Returns what the BertNormalizer with `options` makes of `scalars`.
    package static func normalize(_ scalars: [UInt32], options: TokenizerConfiguration.Normalization) -> [UInt32] {
        var output: [UInt32] = []
        var decomposed: [UInt32] = []
        BertNormalizer(options).normalize(scalars[...], into: &output, decomposed: &decomposed)
        return output
    }

    /// Returns whether the BERT pre-tokenizer treats the scalar as white space (a dropped separator).
    package static func isSeparator(_ value: UInt32) -> Bool {
        ScalarClass.of(value).has(.whitespace)
    }

    /// Returns whether the BERT pre-tokenizer isolates the scalar as a word of its own.
    package static func isIsolatedPunctuation(_ value: UInt32) -> Bool {
        let classes = ScalarClass.of(value)
        return classes.has(.punctuation) && !classes.has(.whitespace)
    }

    /// Returns `text` as sentence-transformers passes it to the tokenizer: Python's `str.strip()`,
    /// then `str.lower()` when `lowercase` is set.
    package static func prepare(_ text: String, lowercase: Bool) -> String {
        let scalars = text.unicodeScalars.map(\.value)
        let range = PythonText.strippedRange(of: scalars)
        let prepared = lowercase ? PythonText.lowercased(scalars[range]) : Array(scalars[range])
        var result = String.UnicodeScalarView()
        for value in prepared {
            if let scalar = Unicode.Scalar(value) { result.append(scalar) }
        }
        return String(result)
    }

    /// Returns what the `tokenizer.json` normalizer `name` (`NFC`, `NFD`, `NFKC`, `NFKD`,
    /// `StripAccents`, `Lowercase`) makes of `scalars`, or nil for another name.
    package static func normalize(_ scalars: [UInt32], with name: String) -> [UInt32]? {
        let step: NormalizerStep
        switch name {
        case "NFC": step = .unicode(.nfc)
        case "NFD": step = .unicode(.nfd)
        case "NFKC": step = .unicode(.nfkc)
        case "NFKD": step = .unicode(.nfkd)
        case "StripAccents": step = .stripAccents
        case "Lowercase": step = .lowercase
        default: return nil
        }
        var text = scalars
        var scratch = NormalizerStep.Scratch()
        step.apply(to: &text, scratch: &scratch)
        return text
    }
}
