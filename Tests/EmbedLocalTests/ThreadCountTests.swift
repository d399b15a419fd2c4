import EmbedCore
@testable import EmbedLocal
import Foundation
import Testing

@Suite("The forward pass's threads: EMBED_THREADS, else the available cores", .offThePool)
struct ThreadCountTests {
    @Test func thisMachineHasAtLeastOneCore() async {
        #expect(AvailableCores.count >= 1)
        #expect(AvailableCores.count <= ProcessInfo.processInfo.activeProcessorCount)
        #expect(SentenceEncoder.Options().threadCount == AvailableCores.count)
    }

    @Test("EMBED_THREADS sets the thread count; unset, every available core")
    func environment() async throws {
        #expect(try SentenceEncoder.Options(environment: ["EMBED_THREADS": "3"]).threadCount == 3)
        #expect(try SentenceEncoder.Options(environment: ["EMBED_THREADS": " 1 "]).threadCount == 1)
        #expect(try SentenceEncoder.Options(environment: [:]).threadCount == AvailableCores.count)
    }

    @Test("An invalid EMBED_THREADS is an error that names it", arguments: ["0", "-2", "two", "", "1.5", "5000"])
    func invalidEnvironment(value: String) async {
        #expect(throws: SentenceEncoderError.invalidThreadCount(variable: "EMBED_THREADS", value: value)) {
            try SentenceEncoder.Options(environment: ["EMBED_THREADS": value])
        }
        let message = SentenceEncoderError.invalidThreadCount(variable: "EMBED_THREADS", value: value).description
        #expect(message.contains("EMBED_THREADS=\"\(value)\""))
    }
}
