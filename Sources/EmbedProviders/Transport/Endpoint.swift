import EmbedConfiguration
import EmbedCore
import Foundation

/// Builds request URLs from configured base URLs.
enum Endpoint {
    /// Checks that `value` is an absolute `http`/`https` URL and drops trailing slashes.
    ///
    /// - Throws: ``ConfigurationError/invalidURL(_:setting:)`` naming `setting`.
    static func base(_ value: String, setting: String) throws(ConfigurationError) -> String {
        var text = value.trimmingCharacters(in: .whitespacesAndNewlines)
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            throw ConfigurationError.invalidURL(value, setting: setting)
        }
        return text
    }

    /// `base` + `/` + `path`, with exactly one slash between them.
    static func join(_ base: String, _ path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        var path = Substring(path)
        while path.hasPrefix("/") { path = path.dropFirst() }
        return path.isEmpty ? base : "\(base)/\(path)"
    }

    /// Percent-encodes one path segment (a model or deployment name), keeping `/` only when the
    /// name is a path by design (Hugging Face `org/model`).
    static func pathComponent(_ value: String, keepingSlashes: Bool = false) -> String {
        var allowed = CharacterSet.urlPathAllowed
        if !keepingSlashes { allowed.remove("/") }
        allowed.remove(":")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// `application/x-www-form-urlencoded` text for `fields`.
    static func formEncoded(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        func encode(_ text: String) -> String {
            (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text)
        }
        return fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}
