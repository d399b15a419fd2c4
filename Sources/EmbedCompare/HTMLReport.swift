/// Renders a report as one self-contained HTML page: inline CSS, inline SVG, no scripts and no
/// external references, so that it opens anywhere offline and can be archived as one file.
enum HTMLReport {
    static func render(_ report: ComparisonReport) -> String {
        let nameA = escaped(report.a.name), nameB = escaped(report.b.name)
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Embedding comparison: \(nameA) vs \(nameB)</title>
            <style>\(style)</style>
            </head>
            <body>
            <main>
            <h1>Embedding comparison</h1>
            <table class="sides">
            <tr><th>A</th><td>\(nameA)</td><td class="num">\(Format.grouped(report.a.dimensions)) dimensions</td></tr>
            <tr><th>B</th><td>\(nameB)</td><td class="num">\(Format.grouped(report.b.dimensions)) dimensions</td></tr>
            <tr><th>texts</th><td colspan="2">\(Format.grouped(report.textCount))</td></tr>
            </table>

            """

        html += "<h2>Figures</h2>\n<table class=\"figures\">\n"
        for section in ReportFigures(report).sections {
            html += "<tr class=\"section\"><th colspan=\"3\">\(escaped(section.title))</th></tr>\n"
            if let remark = section.remark {
                html += "<tr><td colspan=\"3\" class=\"remark\">\(escaped(remark))</td></tr>\n"
            }
            for row in section.rows {
                html += "<tr><td>\(escaped(row.label))</td><td class=\"num\">\(escaped(row.value))</td><td class=\"note\">\(escaped(row.note))</td></tr>\n"
            }
        }
        html += "</table>\n"

        html += "<h2>Per-text cosine</h2>\n"
        if let perText = report.perText {
            html += "<figure>\n"
            html += SVGChart.histogram(
                perText.histogram, title: "Histogram of the per-text cosine between A and B",
                xLabel: "cosine(A, B) of the same text"
            )
            html += "<figcaption>How close each text's A vector is to its B vector; 1 means the same direction. "
                + "\(perText.histogram.counts.count) bins from \(Format.fixed(perText.histogram.lowerBound, 3)) "
                + "to \(Format.fixed(perText.histogram.upperBound, 3)).</figcaption>\n</figure>\n"
        } else {
            html += "<p class=\"remark\">Skipped: the two sides have different dimensions, so their vectors live in different spaces "
                + "and only the similarity structure below can be compared.</p>\n"
        }

        html += "<h2>Pairwise similarities</h2>\n"
        let structure = report.structure
        if structure.scatter.isEmpty {
            html += "<p class=\"remark\">No pairs to plot: there is only one text.</p>\n"
        } else {
            html += "<figure>\n"
            html += SVGChart.scatter(
                structure.scatter, title: "Cosine of text pairs within A against within B",
                xLabel: "cosine within A: \(report.a.name)", yLabel: "cosine within B: \(report.b.name)"
            )
            html += "<figcaption>\(Format.grouped(structure.scatter.count)) of the \(Format.grouped(structure.evaluatedPairs)) "
                + "pairs used for the Spearman correlation, drawn at random with seed \(structure.seed). "
                + "Points on the dashed diagonal have the same similarity in both spaces; a monotone band means the two "
                + "spaces rank pairs alike even when their scales differ.</figcaption>\n</figure>\n"
        }

        if let worst = report.perText?.worst, !worst.isEmpty {
            html += "<h2>Lowest per-text cosine</h2>\n<table class=\"worst\">\n"
            html += "<tr><th class=\"num\">cosine</th><th class=\"num\">index</th><th>text</th></tr>\n"
            for entry in worst {
                html += "<tr><td class=\"num\">\(Format.fixed(entry.cosine))</td><td class=\"num\">\(entry.index)</td>"
                    + "<td class=\"text\">\(escaped(Format.oneLine(entry.text, limit: 400)))</td></tr>\n"
            }
            html += "</table>\n"
        }

        html += """
            <footer>
            <p>Per-text percentiles interpolate linearly between ranks (numpy's default). Spearman correlations use
            average ranks for ties (scipy.stats.spearmanr). Neighbour overlap is the mean over texts of
            |kNN<sub>A</sub> ∩ kNN<sub>B</sub>| / k, excluding the text itself.</p>
            </footer>
            </main>
            </body>
            </html>

            """
        return html
    }

    /// `text` with the five characters that are special in HTML text and attributes replaced
    /// by entities.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    private static let style = """

        body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2330; background: #fafbfc; margin: 0; }
        main { max-width: 900px; margin: 0 auto; padding: 24px 20px 48px; }
        h1 { font-size: 1.6em; margin: 0 0 12px; }
        h2 { font-size: 1.2em; margin: 32px 0 10px; border-bottom: 1px solid #dde1e7; padding-bottom: 4px; }
        table { border-collapse: collapse; }
        th, td { padding: 4px 12px 4px 0; text-align: left; vertical-align: top; }
        .sides th { color: #5b6472; }
        .figures tr.section th { padding-top: 14px; color: #2b3a55; }
        .figures td:first-child { padding-left: 12px; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .note, .remark { color: #5b6472; }
        .worst td.text { word-break: break-word; }
        .worst tr:nth-child(even) { background: #f0f2f5; }
        figure { margin: 0; }
        figcaption { color: #5b6472; font-size: 0.9em; max-width: 640px; }
        svg { max-width: 100%; height: auto; font-size: 12px; background: #fff; border: 1px solid #e4e7ec; }
        svg text { fill: #384152; }
        svg .title { font-size: 13px; fill: #1d2330; }
        svg .axis line { stroke: #5b6472; stroke-width: 1; }
        svg .grid line { stroke: #eceef2; stroke-width: 1; }
        svg .bar { fill: #3d6fb6; }
        svg .points circle { fill: #3d6fb6; fill-opacity: 0.45; }
        svg .diagonal { stroke: #c0504d; stroke-width: 1.2; stroke-dasharray: 5 4; }
        footer { margin-top: 36px; color: #5b6472; font-size: 0.85em; }

        """
}
