import Foundation

extension TokenizerDefinition {
    /// Reads a tokenizer from a path a user gives: a folder holding `tokenizer.json` (or BERT's
    /// `vocab.txt`), or a `tokenizer.json` file of any name.
    ///
    /// A folder, or a file named `tokenizer.json`, is read with its folder's sentence-transformers
    /// settings (``load(fromModelDirectory:)``); a file of another name alone, with no lower-casing
    /// and no length limit of its own.
    ///
    /// - Throws: ``TokenizerError`` naming the path when it does not exist or holds no tokenizer
    ///   this runtime builds.
    public static func load(fromPath path: String) throws(TokenizerError) -> TokenizerDefinition {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw .missingFile(url.lastPathComponent, in: url.deletingLastPathComponent().path,
                               hint: "Pass a tokenizer.json file or a folder holding one.")
        }
        if isDirectory.boolValue { return try load(fromModelDirectory: url) }
        if url.lastPathComponent == "tokenizer.json" { return try load(fromModelDirectory: url.deletingLastPathComponent()) }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(url.path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadableFile(url.path, reason: "the file is not valid UTF-8.")
        }
        return TokenizerDefinition(.pipeline(try HuggingFaceTokenizerConfiguration(
            tokenizerJSON: text, source: url.path, lowercaseInput: false, maxLength: Int(Int32.max))))
    }
}
