/// Renders a report as aligned plain-text tables.
enum TextReport {
    static func render(_ report: ComparisonReport) -> String {
        var lines: [String] = []
        lines.append("Embedding comparison")
        lines.append("  A  \(report.a.name)  (\(Format.grouped(report.a.dimensions)) dimensions)")
        lines.append("  B  \(report.b.name)  (\(Format.grouped(report.b.dimensions)) dimensions)")
        lines.append("  \(Format.grouped(report.textCount)) texts")

        for section in ReportFigures(report).sections {
            lines.append("")
            lines.append(section.title)
            if let remark = section.remark { lines.append("  \(remark)") }
            let labelWidth = section.rows.map(\.label.count).max() ?? 0
            let valueWidth = section.rows.map(\.value.count).max() ?? 0
            for row in section.rows {
                var line = "  " + pad(row.label, labelWidth) + "  " + pad(row.value, valueWidth, right: true)
                if !row.note.isEmpty { line += "   (\(row.note))" }
                lines.append(line)
            }
        }

        if let worst = report.perText?.worst, !worst.isEmpty {
            lines.append("")
            lines.append("Lowest per-text cosine")
            let indexWidth = max(5, worst.map { String($0.index).count }.max() ?? 0)
            lines.append("  cosine  " + pad("index", indexWidth, right: true) + "  text")
            for entry in worst {
                lines.append(
                    "  " + Format.fixed(entry.cosine) + "  " + pad(String(entry.index), indexWidth, right: true)
                        + "  " + Format.oneLine(entry.text, limit: 72)
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
