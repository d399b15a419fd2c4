import Foundation

/// Reads settings from an environment dictionary; empty values count as unset.
struct Environment: Sendable {
    let values: [String: String]

    init(_ values: [String: String]) { self.values = values }

    /// The first of `names` that is set to a non-empty value.
    func first(_ names: String...) -> String? { first(names) }

    /// The first of `names` that is set to a non-empty value.
    func first(_ names: [String]) -> String? {
        for name in names {
            if let value = values[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty { return value }
        }
        return nil
    }
}

extension Optional where Wrapped == String {
    /// `nil` for `nil`, empty or whitespace-only strings, so that `""` in a file means "unset".
    var nonEmpty: String? {
        guard let value = self?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
