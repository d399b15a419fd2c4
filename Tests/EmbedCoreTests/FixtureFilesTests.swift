import EmbedTestSupport
import Foundation
import Testing

/// The golden files are stored gzip-compressed; EmbedTestSupport must give back exactly the lines
/// their generator wrote, or fail.
@Suite("Compressed golden files", .offThePool)
struct FixtureFilesTests {
    let url = Fixtures.url("all-MiniLM-L6-v2-tokenizer/parity/added-tokens.jsonl.gz")

    @Test("A .jsonl.gz file inflates to its JSON Lines")
    func inflates() async throws {
        let text = try Fixtures.text(url)
        #expect(text.hasPrefix(#"{"addedTokens": [{"content": "<plain>""#))
        #expect(text.hasSuffix("\n") && text.split(separator: "\n").count == 41)
        #expect(try Fixtures.data(url) == Data(text.utf8))
    }

    @Test("A cut, damaged or extended stream is an error, not other lines")
    func damaged() async throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        var corruptedCRC = bytes
        corruptedCRC[bytes.count - 8] ^= 0x01  // the trailer's CRC-32
        var corruptedData = bytes
        corruptedData[bytes.count / 2] ^= 0x10
        for (label, damaged) in [("cut", Array(bytes.dropLast(9))), ("CRC", corruptedCRC), ("data", corruptedData),
                                 ("trailing", bytes + [0x00]), ("not gzip", Array("{}".utf8))] {
            #expect(throws: FixtureFileError.self, "\(label)") { try Fixtures.gunzip(Data(damaged)) }
        }
    }
}

/// Files that several model folders share are stored once and linked; a copy of such a folder
/// must stand on its own.
@Suite("Shared fixture files", .offThePool)
struct SharedFixtureFilesTests {
    @Test("A folder whose tokenizer.json is a link copies as ordinary files with the same bytes")
    func copyFollowsLinks() async throws {
        let source = Fixtures.url("arch/tiny-xlmr-mean")
        let linked = source.appendingPathComponent("tokenizer.json")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: linked.path)) == "../tokenizers/unigram/tokenizer.json")
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("EmbedCoreTests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: destination) }
        try Fixtures.copy(source, to: destination)
        let copied = destination.appendingPathComponent("tokenizer.json")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: copied.path)) == nil)
        #expect(try Data(contentsOf: copied) == Data(contentsOf: Fixtures.url("arch/tokenizers/unigram/tokenizer.json")))
        #expect(try Data(contentsOf: destination.appendingPathComponent("1_Pooling/config.json"))
            == Data(contentsOf: source.appendingPathComponent("1_Pooling/config.json")))
    }
}
