import Foundation

extension ComparisonReport {
    /// Returns the report as text, JSON or HTML.
    ///
    /// - `.text`: aligned tables for a terminal, ending in a newline.
    /// - `.json`: pretty-printed, keys sorted, so that two runs diff cleanly;
    ///   ``init(json:)`` reads it back.
    /// - `.html`: a self-contained page with a histogram of the per-text cosine and a scatter of
    ///   the pairwise similarities (inline SVG), every figure in a table, and the texts escaped.
    ///
    /// - Throws: An `EncodingError` for `.json` if encoding fails, which a report made by
    ///   ``compare(a:b:texts:options:)`` (all values finite) does not.
    public func render(_ format: ReportFormat) throws -> String {
        switch format {
        case .text: TextReport.render(self)
        case .json: String(decoding: try jsonData(), as: UTF8.self)
        case .html: HTMLReport.render(self)
        }
    }

    /// Returns the report as pretty-printed JSON with sorted keys.
    ///
    /// - Throws: An `EncodingError` when a value is not finite.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Self.joiningNumberArrays(try encoder.encode(self))
    }

    /// Puts every array of plain numbers on one line — the pretty printer gives each number its
    /// own, which turns a 2,000-point scatter sample into 4,000 lines.
    ///
    /// Only lines between a line ending in `[` and its `]` that are all bare numbers are joined;
    /// string values cannot be touched, because the encoder escapes newlines inside strings, so
    /// every literal line break is structure.
    static func joiningNumberArrays(_ json: Data) -> Data {
        let lines = String(decoding: json, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        func isNumber(_ line: Substring) -> Bool {
            var body = line.drop { $0 == " " }
            if body.last == "," { body = body.dropLast() }
            guard let first = body.first, first == "-" || first.isASCII && first.isNumber else { return false }
            return body.allSatisfy { $0.isASCII && ($0.isNumber || "-+.eE".contains($0)) }
        }
        var output: [Substring] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasSuffix("[") {
                var end = index + 1
                while end < lines.count, isNumber(lines[end]) { end += 1 }
                if end > index + 1, end < lines.count, lines[end].drop(while: { $0 == " " }).hasPrefix("]") {
                    let numbers: String = lines[(index + 1)..<end].map { $0.drop { $0 == " " } }.joined(separator: " ")
                    let closing: Substring = lines[end].drop { $0 == " " }.dropFirst()  // what follows "]"
                    var joined = String(line)
                    joined += numbers
                    joined += "]"
                    joined += closing
                    output.append(Substring(joined))
                    index = end + 1
                    continue
                }
            }
            output.append(line)
            index += 1
        }
        return Data(output.joined(separator: "\n").utf8)
    }

    /// Reads a report written by ``render(_:)`` with `.json`.
    ///
    /// - Throws: A `DecodingError` saying which key is missing or malformed.
    public init(json: Data) throws {
        self = try JSONDecoder().decode(ComparisonReport.self, from: json)
    }
}
