import Foundation

/// Inline SVG charts for the HTML report: a histogram and a scatter plot with axes, ticks and
/// titles. No `xmlns` attribute is written — SVG inline in HTML does not need one — so the page
/// carries no URL at all.
enum SVGChart {
    /// The drawing area inside the margins, in SVG user units.
    struct Frame {
        var width: Double
        var height: Double
        var left = 64.0
        var right = 16.0
        var top = 16.0
        var bottom = 52.0

        var plotLeft: Double { left }
        var plotRight: Double { width - right }
        var plotTop: Double { top }
        var plotBottom: Double { height - bottom }

        func x(_ value: Double, in domain: ClosedRange<Double>) -> Double {
            plotLeft + (value - domain.lowerBound) / span(domain) * (plotRight - plotLeft)
        }

        func y(_ value: Double, in domain: ClosedRange<Double>) -> Double {
            plotBottom - (value - domain.lowerBound) / span(domain) * (plotBottom - plotTop)
        }

        private func span(_ domain: ClosedRange<Double>) -> Double {
            max(domain.upperBound - domain.lowerBound, .leastNormalMagnitude)
        }
    }

    /// A histogram of `histogram`'s counts.
    static func histogram(_ histogram: ComparisonReport.Histogram, title: String, xLabel: String) -> String {
        let frame = Frame(width: 640, height: 320)
        let xDomain = histogram.lowerBound...histogram.upperBound
        let yTicks = ticks(0...Double(max(histogram.counts.max() ?? 0, 1)), count: 5, integers: true, covering: true)
        let yDomain = 0...(yTicks.values.last ?? 1)

        var svg = open(frame, label: title)
        svg += axes(frame, xDomain: xDomain, xTicks: ticks(xDomain, count: 6), yDomain: yDomain, yTicks: yTicks, xLabel: xLabel, yLabel: "texts")
        let width = histogram.binWidth
        for (bin, count) in histogram.counts.enumerated() where count > 0 {
            let lower = histogram.lowerBound + Double(bin) * width
            let x0 = frame.x(lower, in: xDomain), x1 = frame.x(lower + width, in: xDomain)
            let top = frame.y(Double(count), in: yDomain)
            svg += "<rect class=\"bar\" x=\"\(n(x0 + 0.5))\" y=\"\(n(top))\" width=\"\(n(max(x1 - x0 - 1, 0.5)))\" "
                + "height=\"\(n(frame.plotBottom - top))\"><title>\(Format.fixed(lower, 3))–\(Format.fixed(lower + width, 3)): \(count)</title></rect>\n"
        }
        return svg + "</svg>\n"
    }

    /// A scatter plot of pairs, with the diagonal `y = x` for reference.
    static func scatter(_ sample: ComparisonReport.ScatterSample, title: String, xLabel: String, yLabel: String) -> String {
        let frame = Frame(width: 520, height: 520)
        let values = sample.a + sample.b
        let lower = values.min() ?? 0, upper = values.max() ?? 1
        let padding = max((upper - lower) * 0.03, 0.005)
        let tickSet = ticks((lower - padding)...(upper + padding), count: 6, covering: true)
        let domain = min(tickSet.values.first ?? lower, lower - padding)...max(tickSet.values.last ?? upper, upper + padding)

        var svg = open(frame, label: title)
        svg += axes(frame, xDomain: domain, xTicks: tickSet, yDomain: domain, yTicks: tickSet, xLabel: xLabel, yLabel: yLabel)
        svg += "<line class=\"diagonal\" x1=\"\(n(frame.x(domain.lowerBound, in: domain)))\" y1=\"\(n(frame.y(domain.lowerBound, in: domain)))\" "
            + "x2=\"\(n(frame.x(domain.upperBound, in: domain)))\" y2=\"\(n(frame.y(domain.upperBound, in: domain)))\"/>\n"
        svg += "<g class=\"points\">\n"
        for (a, b) in zip(sample.a, sample.b) {
            svg += "<circle cx=\"\(n(frame.x(a, in: domain)))\" cy=\"\(n(frame.y(b, in: domain)))\" r=\"2\"/>\n"
        }
        return svg + "</g>\n</svg>\n"
    }

    // MARK: Parts

    private static func open(_ frame: Frame, label: String) -> String {
        "<svg viewBox=\"0 0 \(n(frame.width)) \(n(frame.height))\" width=\"\(n(frame.width))\" height=\"\(n(frame.height))\" "
            + "role=\"img\" aria-label=\"\(HTMLReport.escaped(label))\">\n"
    }

    private static func axes(
        _ frame: Frame, xDomain: ClosedRange<Double>, xTicks: Ticks, yDomain: ClosedRange<Double>, yTicks: Ticks,
        xLabel: String, yLabel: String
    ) -> String {
        var svg = "<g class=\"grid\">\n"
        for value in yTicks.values {
            let y = n(frame.y(value, in: yDomain))
            svg += "<line x1=\"\(n(frame.plotLeft))\" y1=\"\(y)\" x2=\"\(n(frame.plotRight))\" y2=\"\(y)\"/>\n"
        }
        svg += "</g>\n<g class=\"axis\">\n"
        svg += "<line x1=\"\(n(frame.plotLeft))\" y1=\"\(n(frame.plotBottom))\" x2=\"\(n(frame.plotRight))\" y2=\"\(n(frame.plotBottom))\"/>\n"
        svg += "<line x1=\"\(n(frame.plotLeft))\" y1=\"\(n(frame.plotTop))\" x2=\"\(n(frame.plotLeft))\" y2=\"\(n(frame.plotBottom))\"/>\n"
        for value in xTicks.values {
            let x = n(frame.x(value, in: xDomain))
            svg += "<line x1=\"\(x)\" y1=\"\(n(frame.plotBottom))\" x2=\"\(x)\" y2=\"\(n(frame.plotBottom + 5))\"/>"
            svg += "<text x=\"\(x)\" y=\"\(n(frame.plotBottom + 19))\" text-anchor=\"middle\">\(xTicks.label(value))</text>\n"
        }
        for value in yTicks.values {
            let y = n(frame.y(value, in: yDomain))
            svg += "<line x1=\"\(n(frame.plotLeft - 5))\" y1=\"\(y)\" x2=\"\(n(frame.plotLeft))\" y2=\"\(y)\"/>"
            svg += "<text x=\"\(n(frame.plotLeft - 8))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(yTicks.label(value))</text>\n"
        }
        let xMiddle = n((frame.plotLeft + frame.plotRight) / 2), yMiddle = n((frame.plotTop + frame.plotBottom) / 2)
        svg += "<text class=\"title\" x=\"\(xMiddle)\" y=\"\(n(frame.height - 10))\" text-anchor=\"middle\">\(HTMLReport.escaped(xLabel))</text>\n"
        svg += "<text class=\"title\" x=\"16\" y=\"\(yMiddle)\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(yMiddle))\">\(HTMLReport.escaped(yLabel))</text>\n"
        return svg + "</g>\n"
    }

    /// Round tick values (steps of 1, 2 or 5 × 10ᵏ) inside a range.
    struct Ticks {
        var values: [Double]
        var decimals: Int

        func label(_ value: Double) -> String { Format.fixed(value, decimals) }
    }

    /// Returns round ticks for `range`: inside it, or — with `covering` — from the last round
    /// value at or below its start to the first at or above its end, so that an axis can span
    /// exactly its ticks.
    static func ticks(_ range: ClosedRange<Double>, count: Int, integers: Bool = false, covering: Bool = false) -> Ticks {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return Ticks(values: [range.lowerBound], decimals: 3) }
        let rough = span / Double(max(count, 1))
        let magnitude = pow(10, log10(rough).rounded(.down))
        // The round step closest to the rough one (by ratio), so the tick count stays near `count`.
        var step = [1.0, 2, 5, 10].map { $0 * magnitude }.min { abs(log($0 / rough)) < abs(log($1 / rough)) } ?? magnitude
        if integers { step = max(step.rounded(.up), 1) }
        let slack = 1e-9
        let first = covering ? (range.lowerBound / step + slack).rounded(.down) : (range.lowerBound / step - slack).rounded(.up)
        let last = covering ? (range.upperBound / step - slack).rounded(.up) : (range.upperBound / step + slack).rounded(.down)
        // Whole multiples of the step (rather than repeated additions) keep 0.1 + 0.1 + 0.1 exact.
        let values = first <= last ? stride(from: first, through: last, by: 1).map { $0 * step } : [range.lowerBound]
        let decimals = integers ? 0 : max(0, Int((-log10(step) - slack).rounded(.up)))
        return Ticks(values: values, decimals: decimals)
    }

    /// A coordinate with at most two decimals, which is plenty at these sizes and keeps the
    /// page small.
    private static func n(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
