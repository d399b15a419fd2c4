import EmbedLocal

/// How the GGUF files of one llama.cpp architecture map onto one of our encoder architectures:
/// the hyper-parameters from the metadata and tensor shapes, and each GGUF tensor name back to
/// the Hugging Face name our architecture reads. Adding one is a file here and a line in
/// ``GGUFArchitectures/all``.
protocol GGUFArchitecture: Sendable {
    /// `general.architecture` of the files it reads (`bert`, `nomic-bert`).
    static var name: String { get }

    /// The encoder configuration, from `<name>.*` keys and the tensors' shapes.
    static func encoder(_ file: GGUFFile) throws(GGUFError) -> any EncoderArchitecture

    /// Our canonical name for a GGUF tensor name, or `nil` for a tensor the model does not use.
    static func canonicalName(_ ggufName: String) -> String?

    /// Zero rows to put back before a tensor's first row, by canonical name: rows the converter
    /// dropped that our architecture reads.
    static func droppedRows(_ file: GGUFFile) throws(GGUFError) -> [String: Int]
}

extension GGUFArchitecture {
    static func droppedRows(_ file: GGUFFile) throws(GGUFError) -> [String: Int] { [:] }
}

/// The GGUF architectures this runtime converts.
enum GGUFArchitectures {
    static let all: [any GGUFArchitecture.Type] = [BertGGUF.self, NomicBertGGUF.self]

    static func named(_ name: String) -> (any GGUFArchitecture.Type)? {
        all.first { $0.name == name }
    }

    /// Splits `blk.N.rest` into `(N, rest)`.
    static func block(_ name: String) -> (layer: Int, rest: Substring)? {
        guard name.hasPrefix("blk.") else { return nil }
        let tail = name.dropFirst(4)
        guard let dot = tail.firstIndex(of: "."), let layer = Int(tail[..<dot]), layer >= 0 else { return nil }
        return (layer, tail[tail.index(after: dot)...])
    }

    /// Maps a GGUF name through a table of whole names and one of per-block names, each entry
    /// covering both `.weight` and `.bias`.
    static func map(
        _ name: String, top: [String: String], perBlock: [String: String], blockPrefix: String
    ) -> String? {
        for suffix in [".weight", ".bias"] where name.hasSuffix(suffix) {
            let stem = String(name.dropLast(suffix.count))
            if let mapped = top[stem] { return mapped + suffix }
            if let (layer, rest) = block(stem), let mapped = perBlock[String(rest)] {
                return "\(blockPrefix)\(layer).\(mapped)\(suffix)"
            }
        }
        return nil
    }
}
