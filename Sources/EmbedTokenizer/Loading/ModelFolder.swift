import EmbedCore
import Foundation

/// Reads the tokenizer files of a Hugging Face / sentence-transformers model folder, turning every
/// failure into a ``TokenizerError`` that names the file.
struct ModelFolder {
    let directory: URL

    /// The full path of `name` in the folder, as shown in errors.
    func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Returns whether `name` exists as a regular file.
    func contains(_ name: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path(name), isDirectory: &isDirectory)
            && !isDirectory.boolValue
    }

    /// Throws unless the folder exists.
    func checkExists() throws(TokenizerError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw .missingFile(
                "model folder", in: directory.path,
                hint: "The path does not exist or is not a folder.")
        }
    }

    /// Returns the bytes of `name`.
    func data(_ name: String) throws(TokenizerError) -> Data {
        guard contains(name) else {
            throw .missingFile(name, in: directory.path)
        }
        do {
            return try Data(contentsOf: directory.appendingPathComponent(name))
        } catch {
            throw .unreadableFile(path(name), reason: "\(error)")
        }
    }

    /// Returns the parsed JSON of `name`, or nil when the file does not exist.
    func optionalJSON(_ name: String) throws(TokenizerError) -> JSONValue? {
        guard contains(name) else { return nil }
        let value = try JSONValue.parse(try data(name), path: path(name))
        guard value.objectValue != nil else {
            throw .malformedJSON(path(name), reason: "the top level is not a JSON object.")
        }
        return value
    }

    /// Returns the lines of the text file `name`, split as Python's universal newlines do
    /// (`\n`, `\r\n` or `\r`), without the empty piece after a final newline.
    func lines(_ name: String) throws(TokenizerError) -> [String] {
        let bytes = try data(name)
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw .unreadableFile(path(name), reason: "the file is not valid UTF-8.")
        }
        var lines: [String] = []
        var current = ""
        var previousWasCarriageReturn = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where previousWasCarriageReturn:
                previousWasCarriageReturn = false
            case "\n", "\r":
                lines.append(current)
                current = ""
                previousWasCarriageReturn = scalar == "\r"
            default:
                current.unicodeScalars.append(scalar)
                previousWasCarriageReturn = false
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }
}
