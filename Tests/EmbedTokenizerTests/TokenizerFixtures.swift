import EmbedTestSupport
import EmbedTokenizer
import Foundation
import Testing

/// Fixture locations and comparison helpers shared by the tokenizer tests.
enum TokenizerFixtures {
    /// The default model's tokenizer files (all-MiniLM-L6-v2, classic layout).
    static let defaultModel = Fixtures.url("all-MiniLM-L6-v2-tokenizer")

    /// Ground truth made by `parity/make_parity_fixtures.py` with Hugging Face `tokenizers`.
    static let parity = Fixtures.url("all-MiniLM-L6-v2-tokenizer/parity")

    /// The folder of one of the tiny models.
    static func tinyModel(_ name: String) -> URL {
        Fixtures.url("tiny/\(name)")
    }

    /// The default model's configuration, loaded once per process.
    static let defaultConfiguration: Result<TokenizerConfiguration, TokenizerError> = Result {
        () throws(TokenizerError) in try TokenizerConfiguration.load(fromModelDirectory: defaultModel)
    }

    /// The default model's tokenizer, built once per process.
    static let defaultTokenizer: Result<WordPieceTokenizer, TokenizerError> = defaultConfiguration.flatMap {
        configuration in Result { () throws(TokenizerError) in try WordPieceTokenizer(configuration: configuration) }
    }

    /// A line of the reference files: a text and the ids Hugging Face gives it.
    struct Row: Decodable {
        var text: String
        var ids: [Int32]
    }

    /// Returns the number of texts whose ids differ and a readable account of the first few.
    static func compare(
        _ rows: [(text: String, expected: [Int32])], using encode: (String) -> [Int32], show: Int = 5
    ) -> (mismatches: Int, report: String) {
        var mismatches = 0
        var report = ""
        for row in rows {
            let got = encode(row.text)
            guard got != row.expected else { continue }
            mismatches += 1
            if mismatches <= show {
                let firstDifference = zip(got, row.expected).prefix { $0 == $1 }.count
                report += "\n• text \(String(reflecting: row.text).prefix(300))"
                report += "\n  expected \(row.expected)\n  got      \(got)\n  first difference at index \(firstDifference)"
            }
        }
        return (mismatches, report)
    }

    /// Creates an empty temporary folder, runs `body` with it, then deletes it.
    static func withTemporaryFolder<T>(_ body: (URL) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("EmbedTokenizerTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try body(folder)
    }

    /// Copies the named files of the default model into `folder`.
    static func copyDefaultFiles(_ names: [String], to folder: URL) throws {
        for name in names {
            try FileManager.default.copyItem(
                at: defaultModel.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
    }
}
