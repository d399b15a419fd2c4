import Foundation

/// The samples of a Prometheus text exposition, by series (`name{label="value",…}`, labels in
/// the order written), so that tests check values rather than one library's spelling of them:
/// `le="1"` and `le="1.0"` are the same bucket, `4` and `4.0` the same value.
struct MetricSamples {
    private var values: [String: Double] = [:]

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[Self.canonical(String(line[..<space]))] = value
        }
    }

    /// The value of `series`, or `nil` when the exposition has no such sample.
    subscript(_ series: String) -> Double? { values[Self.canonical(series)] }

    /// `series` with its `le` bound written as a number reads back (`1.0` → `1`).
    private static func canonical(_ series: String) -> String {
        guard let start = series.range(of: #"le=""#), let end = series[start.upperBound...].firstIndex(of: "\""),
            let bound = Double(series[start.upperBound..<end])
        else { return series }
        let written = bound == bound.rounded() && bound.isFinite ? String(Int(bound)) : String(bound)
        return series.replacingCharacters(in: start.upperBound..<end, with: written)
    }
}
