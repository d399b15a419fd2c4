import EmbedCompare
import Foundation
import Testing

@Suite("Rendering reports", .offThePool)
struct RenderingTests {
    /// A 60-text comparison with a hostile text, and gold figures.
    static func sampleReport(dimensionsB: Int = 16) throws -> ComparisonReport {
        let a = TestVectors.random(count: 60, dimensions: 16, seed: 31)
        let b = dimensionsB == 16
            ? TestVectors.perturbed(a, by: 0.3, seed: 32)
            : TestVectors.random(count: 60, dimensions: dimensionsB, seed: 33)
        var texts = TestVectors.texts(60)
        texts[0] = "<script>alert('x')</script> & \"quotes\""
        texts[1] = "first line\nsecond line"
        var report = try ComparisonReport.compare(
            a: a, b: b, texts: texts,
            options: ComparisonOptions(nameA: "local:mini<lm>", nameB: "openai:small", worstCount: 60)
        )
        report.gold = GoldAgreement(pairCount: 1_500, spearmanA: 86.7163, spearmanB: nil)
        return report
    }

    @Test("The text table shows the names, every figure and the worst texts")
    func text() async throws {
        let report = try Self.sampleReport()
        let text = try report.render(.text)
        let perText = try #require(report.perText)
        let spearman = try #require(report.structure.spearman)
        for expected in [
            "local:mini<lm>", "openai:small", "60 texts",
            String(format: "%.4f", perText.min), String(format: "%.4f", perText.p5), String(format: "%.4f", perText.p50),
            String(format: "%.4f", spearman), "all 1,770 pairs",
            "top-1 neighbour overlap", "top-10 neighbour overlap",
            "Gold pairs", "86.7163", "undefined", "Lowest per-text cosine",
        ] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        // One line per worst text, even when the text has a newline.
        #expect(text.split(separator: "\n").filter { $0.contains("  text ") }.count == 58)
        #expect(text.contains("  first line second line\n"))
    }

    @Test("The text table explains a skipped per-text section")
    func textSkipped() async throws {
        let text = try Self.sampleReport(dimensionsB: 24).render(.text)
        #expect(text.contains("Skipped: A has 16 dimensions and B has 24"))
        #expect(!text.contains("Lowest per-text cosine"))
        #expect(text.contains("Spearman of pairwise cosines"))
    }

    @Test("JSON decodes back to an equal report, with sorted keys and stable output")
    func jsonRoundTrip() async throws {
        let report = try Self.sampleReport()
        let json = try report.render(.json)
        let decoded = try ComparisonReport(json: Data(json.utf8))
        #expect(decoded == report)
        #expect(try decoded.render(.json) == json)
        let keys = ["\"a\"", "\"b\"", "\"formatVersion\"", "\"gold\"", "\"perText\"", "\"structure\"", "\"textCount\""]
        let positions = try keys.map { key in try #require(json.range(of: "\n  \(key) :")?.lowerBound, "\(key)") }
        #expect(positions == positions.sorted())
        #expect(json.contains("\"spearmanA\" : 86.7163"))
        #expect(!json.contains("\"spearmanB\""))  // undefined figures are left out, and decode as nil

        // Number arrays (histogram counts, the scatter sample) sit on one line each.
        #expect(json.contains("\"counts\" : [\(try #require(report.perText).histogram.counts.map(String.init).joined(separator: ", "))]"))
        #expect(json.split(separator: "\n").count < 500)  // 60 worst texts take 300; 1,770 points would take 3,500

        let skipped = try Self.sampleReport(dimensionsB: 24)
        #expect(try ComparisonReport(json: Data(skipped.render(.json).utf8)) == skipped)
    }

    @Test("HTML is one self-contained, well-formed page with both charts and escaped text")
    func html() async throws {
        let report = try Self.sampleReport()
        let html = try report.render(.html)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        #expect(html.components(separatedBy: "<circle").count - 1 == report.structure.scatter.count)
        #expect(html.contains("<rect class=\"bar\""))
        // Hostile text and names are escaped; nothing is fetched or run.
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        #expect(html.contains("local:mini&lt;lm&gt;"))
        #expect(!html.lowercased().contains("<script"))
        for forbidden in ["http://", "https://", "src=", "<link", "url(", "@import"] {
            #expect(!html.contains(forbidden), "found \(forbidden)")
        }
        // Every figure of the text table appears in the HTML table.
        let spearman = try #require(report.structure.spearman)
        #expect(html.contains(String(format: "%.4f", spearman)))
        #expect(html.contains("86.7163"))
        try expectBalancedTags(html)
    }

    @Test("HTML without per-text figures or pairs still renders")
    func htmlDegenerate() async throws {
        let skipped = try Self.sampleReport(dimensionsB: 24).render(.html)
        #expect(skipped.components(separatedBy: "<svg").count - 1 == 1)
        #expect(skipped.contains("Skipped"))
        try expectBalancedTags(skipped)

        let single = try ComparisonReport.compare(a: [[1, 0]], b: [[0, 1]], texts: ["one"]).render(.html)
        #expect(single.contains("No pairs to plot"))
        try expectBalancedTags(single)
        #expect(try ComparisonReport.compare(a: [[1, 0]], b: [[0, 1]], texts: ["one"]).render(.text).contains("Needs at least two texts"))
    }

    /// Checks that every non-void element is closed in order.
    private func expectBalancedTags(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let void: Set<String> = ["meta", "br", "hr", "img", "input", "link", "!doctype"]
        var stack: [String] = []
        var rest = html[...]
        while let open = rest.firstIndex(of: "<") {
            let close = try #require(rest[open...].firstIndex(of: ">"), sourceLocation: sourceLocation)
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            let name = tag.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "/" }).first.map { $0.lowercased() } ?? ""
            if tag.hasPrefix("/") {
                let closing = tag.dropFirst().lowercased()
                #expect(stack.popLast() == closing, "unexpected </\(closing)>", sourceLocation: sourceLocation)
            } else if tag.hasSuffix("/") || void.contains(name) {
                continue
            } else {
                stack.append(name)
            }
        }
        #expect(stack.isEmpty, "unclosed: \(stack)", sourceLocation: sourceLocation)
    }
}
