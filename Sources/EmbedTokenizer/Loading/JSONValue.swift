import EmbedCore
import Foundation

/// Hugging Face files are read into EmbedCore's ``EmbedCore/JSONValue``, whose fields change shape
/// across versions (a token is a string or an `{"content": …}` object; a length is an integer or
/// `1e30`), by our own strict parser (``JSONParser``), whose errors name the line and column.
extension JSONValue {
    /// A token name written either as a string or as an `AddedToken` object `{"content": …}`.
    var tokenContent: String? {
        stringValue ?? self["content"]?.stringValue
    }

    /// Parses `data` as ``parse(_:path:)`` does, also returning the object members that are
    /// canonically equivalent to an earlier member of their object (see
    /// ``JSONParser/EquivalentMember``).
    static func parseKeepingEquivalentMembers(_ data: Data, path: String) throws(TokenizerError)
        -> (value: JSONValue, equivalentMembers: [JSONParser.EquivalentMember])
    {
        var parser = JSONParser(bytes: [UInt8](data))
        do {
            let value = try parser.parseDocument()
            return (value, parser.equivalentMembers)
        } catch {
            throw .malformedJSON(path, reason: error.message(in: parser.bytes))
        }
    }

    /// Parses `data`, the contents of the file at `path` (named in errors).
    static func parse(_ data: Data, path: String) throws(TokenizerError) -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](data))
        do {
            return try parser.parseDocument()
        } catch {
            throw .malformedJSON(path, reason: error.message(in: parser.bytes))
        }
    }
}
