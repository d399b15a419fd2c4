/// How ``ComparisonReport/render(_:)`` shows a report.
public enum ReportFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// Aligned plain-text tables for a terminal.
    case text
    /// Pretty-printed JSON with keys in a stable (sorted) order; decodes back to an equal report.
    case json
    /// One self-contained HTML page — inline CSS and SVG charts, no scripts, no external
    /// references — that can be mailed or archived as a single file.
    case html
}
