import Foundation

/// The report's figures as labelled rows in sections, shared by the text and HTML renderers so
/// that both always show the same numbers with the same wording.
struct ReportFigures {
    struct Row {
        var label: String
        var value: String
        var note: String = ""
    }

    struct Section {
        var title: String
        var rows: [Row]
        /// Shown instead of rows when the section does not apply.
        var remark: String?
    }

    var sections: [Section]

    init(_ report: ComparisonReport) {
        sections = []
        if let perText = report.perText {
            sections.append(Section(title: "Per-text cosine (A vs B on the same text)", rows: [
                Row(label: "min", value: Format.fixed(perText.min)),
                Row(label: "p1", value: Format.fixed(perText.p1)),
                Row(label: "p5", value: Format.fixed(perText.p5)),
                Row(label: "p50 (median)", value: Format.fixed(perText.p50)),
                Row(label: "mean", value: Format.fixed(perText.mean)),
                Row(label: "max", value: Format.fixed(perText.max)),
            ]))
        } else {
            sections.append(Section(
                title: "Per-text cosine (A vs B on the same text)", rows: [],
                remark: "Skipped: A has \(Format.grouped(report.a.dimensions)) dimensions and B has "
                    + "\(Format.grouped(report.b.dimensions)); vectors from different spaces cannot be compared one by one."
            ))
        }

        let structure = report.structure
        var structureRows: [Row] = []
        let pairNote = structure.isSampled
            ? "\(Format.grouped(structure.evaluatedPairs)) of \(Format.grouped(structure.totalPairs)) pairs, sampled with seed \(structure.seed)"
            : "all \(Format.grouped(structure.totalPairs)) pairs"
        structureRows.append(Row(
            label: "Spearman of pairwise cosines",
            value: structure.spearman.map { Format.fixed($0) } ?? "undefined",
            note: structure.spearman == nil && structure.totalPairs > 0
                ? "\(pairNote); one side's similarities are all equal" : pairNote
        ))
        for overlap in structure.neighbourOverlap {
            structureRows.append(Row(
                label: "top-\(overlap.k) neighbour overlap",
                value: Format.fixed(overlap.mean),
                note: [
                    overlap.effectiveK < overlap.k ? "k capped at \(overlap.effectiveK) (n − 1)" : "",
                    structure.neighbourQueries < report.textCount
                        ? "mean over \(Format.grouped(structure.neighbourQueries)) sampled texts" : "",
                ].filter { !$0.isEmpty }.joined(separator: "; ")
            ))
        }
        sections.append(Section(
            title: "Similarity structure (A vs B, any dimensions)", rows: structureRows,
            remark: structure.totalPairs == 0 ? "Needs at least two texts." : nil
        ))

        if let gold = report.gold {
            sections.append(Section(
                title: "Gold pairs: Spearman × 100 of cosine vs human score (\(Format.grouped(gold.pairCount)) pairs)",
                rows: [
                    Row(label: "A  \(report.a.name)", value: gold.spearmanA.map { Format.fixed($0) } ?? "undefined"),
                    Row(label: "B  \(report.b.name)", value: gold.spearmanB.map { Format.fixed($0) } ?? "undefined"),
                ]
            ))
        }
    }
}

/// Number formatting for reports: fixed decimals and grouped thousands, locale-independent.
enum Format {
    /// `value` with `digits` decimals (`0.9731`); "-0.0000" is written "0.0000".
    static func fixed(_ value: Double, _ digits: Int = 4) -> String {
        let text = String(format: "%.\(digits)f", value)
        return text.hasPrefix("-") && text.dropFirst().allSatisfy { $0 == "0" || $0 == "." } ? String(text.dropFirst()) : text
    }

    /// `value` with commas between groups of three digits (`1,999,000`).
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }

    /// `text` on one line (control characters become spaces), cut to `limit` characters with an
    /// ellipsis.
    static func oneLine(_ text: String, limit: Int) -> String {
        let flat = String(String.UnicodeScalarView(text.unicodeScalars.map {
            $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" ? " " : $0
        }))
        return flat.count > limit ? flat.prefix(limit - 1) + "…" : flat
    }
}
