@testable import EmbedLocal
import EmbedCore
import EmbedTestSupport
import Foundation
import Synchronization
import Testing

@Suite("Sentence encoder", .offThePool)
struct SentenceEncoderTests {
    @Test("Batches give the same vectors as one text at a time", arguments: Fixtures.tinyModels)
    func batchEqualsOneAtATime(name: String) async throws {
        let records = try tinyGolden(name)
        let ids = records.map(\.ids)
        // Small chunks on two threads: many chunks, packed, run concurrently.
        let batched = try tinyEncoder(name, options: .init(threadCount: 2, tokensPerChunk: 200)).encode(ids)
        let single = try tinyEncoder(name, options: .init(threadCount: 1))
        var worst: Float = 0
        for (index, sequence) in ids.enumerated() {
            let alone = try single.encode([sequence])[0]
            worst = max(worst, VectorComparison(alone, batched[index]).maxAbsoluteDifference)
        }
        print("\(name): batched vs one at a time, worst max |Δ| \(worst)")
        #expect(worst <= 1e-6)
    }

    @Test(.requires(Fixtures.defaultModelFolder))
    func defaultModelBatchesMatchOneAtATime() async throws {
        let folder = Fixtures.defaultModelFolder.url
        let records = try Fixtures.readJSONLines(Fixtures.url("reference/minilm-dev-embeddings.jsonl.gz"), as: GoldenRecord.self)
        // A spread of lengths, the 256-token ones included.
        let longest = try #require(records.max { $0.ids.count < $1.ids.count })
        let sample = stride(from: 0, to: records.count, by: 25).map { records[$0].ids } + [longest.ids]
        let worst = try await offThePool {
            let batched = try SentenceEncoder(folder: folder, options: .init(threadCount: 2, tokensPerChunk: 128)).encode(sample)
            let single = try SentenceEncoder(folder: folder, options: .init(threadCount: 1))
            let split = try SentenceEncoder(folder: folder, options: .init(threadCount: 2))
            var worst: Float = 0
            for (index, sequence) in sample.enumerated() {
                let alone = try single.encode([sequence])[0]
                worst = max(worst, VectorComparison(alone, batched[index]).maxAbsoluteDifference)
                // A lone text on two threads splits each product and the heads between them.
                worst = max(worst, VectorComparison(alone, try split.encode([sequence])[0]).maxAbsoluteDifference)
            }
            return worst
        }
        print("all-MiniLM-L6-v2: batched vs one at a time over \(sample.count) texts, worst max |Δ| \(worst)")
        #expect(worst <= 1e-6)
    }

    @Test("A lone text split over 2 or 3 threads, or over more threads than heads, matches one thread",
          arguments: Fixtures.tinyModels)
    func splittingOneTextChangesNothing(name: String) async throws {
        let records = try tinyGolden(name).filter { $0.ids.count >= SentenceEncoder.minimumTokensToSplit }
        try #require(!records.isEmpty)
        let whole = try tinyEncoder(name, options: .init(threadCount: 1))
        // The tiny models have 4 heads: 9 threads split a lone text 4 ways.
        for threads in [2, 3, 9] {
            let split = try tinyEncoder(name, options: .init(threadCount: threads))
            for record in records {
                let difference = VectorComparison(try split.encode([record.ids])[0], try whole.encode([record.ids])[0])
                #expect(difference.maxAbsoluteDifference <= 1e-6, "\(threads) threads: \(record.text.debugDescription)")
            }
        }
    }

    @Test func aLoneTextUsesAtMostOneThreadPerHead() async {
        #expect(SentenceEncoder.partsForOneText(threads: 2, heads: 12) == 2)
        #expect(SentenceEncoder.partsForOneText(threads: 64, heads: 12) == 12)
        #expect(SentenceEncoder.partsForOneText(threads: 1, heads: 12) == 1)
        #expect(SentenceEncoder.partsForOneText(threads: 9, heads: 4) == 4)
    }

    @Test func repeatedCallsAreDeterministic() async throws {
        let encoder = try tinyEncoder("tiny-maxmean-cased", options: .init(threadCount: 2, tokensPerChunk: 64))
        let ids = try tinyGolden("tiny-maxmean-cased").map(\.ids)
        let first = try encoder.encode(ids)
        #expect(try encoder.encode(ids) == first)
        // Another order packs other neighbours into each GEMM: equal up to rounding.
        let reversed = try encoder.encode(Array(ids.reversed()))
        for (a, b) in zip(reversed.reversed(), first) {
            #expect(VectorComparison(a, b).maxAbsoluteDifference <= 1e-6)
        }
    }

    @Test func emptyInputGivesNoVectors() async throws {
        #expect(try tinyEncoder("tiny-cls-normalize").encode([]).isEmpty)
    }

    @Test func reportsItsDimensions() async throws {
        let encoder = try tinyEncoder("tiny-sqrtlen-dense")
        #expect(encoder.outputDimension == 24)
        #expect(encoder.maximumSequenceLength == 128)
        let vector = try encoder.encode([[101, 2023, 102]])[0]
        #expect(vector.count == 24)
        #expect(abs(Similarity.norm(vector) - 1) < 1e-6)
    }

    // MARK: Invalid input

    @Test func rejectsInvalidSequences() async throws {
        let encoder = try tinyEncoder("tiny-cls-normalize")
        #expect(throws: SentenceEncoderError.emptySequence(index: 1)) { try encoder.encode([[101, 102], []]) }
        let long = [Int32](repeating: 1000, count: 129)
        #expect(throws: SentenceEncoderError.sequenceTooLong(index: 0, length: 129, limit: 128)) { try encoder.encode([long]) }
        #expect(throws: SentenceEncoderError.tokenOutOfRange(index: 0, position: 1, token: 3000, vocabularySize: 3000)) {
            try encoder.encode([[101, 3000, 102]])
        }
        #expect(throws: SentenceEncoderError.tokenOutOfRange(index: 0, position: 0, token: -1, vocabularySize: 3000)) {
            try encoder.encode([[-1, 102]])
        }
        #expect(throws: SentenceEncoderError.self) { try encoder.encode([[101, 102]], promptLengths: [1, 2]) }
        #expect(throws: SentenceEncoderError.self) { try encoder.encode([[101, 102]], promptLengths: [-1]) }
    }

    // MARK: Weights validation

    @Test func namesAMissingTensor() async throws {
        let url = Fixtures.url("tiny/tiny-sqrtlen-dense")
        let description = try ModelDescription.load(fromFolder: url)
        let tensors = try ModelDescription.loadTensors(fromFolder: url, description: description)
        let missing = EditedTensorSource(base: tensors, hidden: ["encoder.layer.1.attention.self.key.bias"])
        #expect(throws: SentenceEncoderError.missingTensor(name: "encoder.layer.1.attention.self.key.bias")) {
            try SentenceEncoder(description: description, weights: missing)
        }
        let noDense = EditedTensorSource(base: tensors, hidden: ["dense.0.weight"])
        #expect(throws: SentenceEncoderError.missingTensor(name: "dense.0.weight")) {
            try SentenceEncoder(description: description, weights: noDense)
        }
    }

    @Test func namesAMisshapenTensorWithBothShapes() async throws {
        let url = Fixtures.url("tiny/tiny-cls-normalize")
        let description = try ModelDescription.load(fromFolder: url)
        let tensors = try ModelDescription.loadTensors(fromFolder: url, description: description)
        let transposed = EditedTensorSource(base: tensors, reshaped: ["encoder.layer.0.intermediate.dense.weight": [32, 64]])
        let error = #expect(throws: SentenceEncoderError.self) { try SentenceEncoder(description: description, weights: transposed) }
        #expect(error == .shapeMismatch(name: "encoder.layer.0.intermediate.dense.weight", expected: [64, 32], found: [32, 64]))
        #expect(error?.description.contains("[32, 64]") == true)
        #expect(error?.description.contains("[64, 32]") == true)
    }

    @Test func rejectsAnInconsistentDescription() async throws {
        let url = Fixtures.url("tiny/tiny-sqrtlen-dense")
        var description = try ModelDescription.load(fromFolder: url)
        let tensors = try ModelDescription.loadTensors(fromFolder: url, description: description)
        description.outputModules = [.dense(DenseConfiguration(inputDimension: 16, outputDimension: 24, path: "2_Dense"))]
        let error = #expect(throws: SentenceEncoderError.self) { try SentenceEncoder(description: description, weights: tensors) }
        #expect(error?.description.contains("reads 16 features but receives 32") == true)
    }

    // MARK: Prompts

    @Test func excludingThePromptChangesOnlyModelsThatAskForIt() async throws {
        let ids: [[Int32]] = [[101, 2708, 129, 636, 461, 142, 2076, 102]]  // "query: here is a sentence"
        let including = try tinyEncoder("tiny-maxmean-cased")
        #expect(try including.encode(ids, promptLengths: [3]) == (try including.encode(ids)))

        let folder = try TemporaryFolder()
        let model = try folder.copyFixture("tiny/tiny-maxmean-cased")
        try editJSON(model.appendingPathComponent("1_Pooling/config.json")) { $0["include_prompt"] = false }
        let excluding = try SentenceEncoder(folder: model)
        let withoutPrompt = try excluding.encode(ids, promptLengths: [3])[0]
        let withPrompt = try excluding.encode(ids, promptLengths: [0])[0]
        #expect(withPrompt == (try including.encode(ids))[0])
        #expect(withoutPrompt != withPrompt)
    }

    // MARK: OpenBLAS

    @Test func openBLASIsSingleThreadedAndSafeFromTwoThreadsAtOnce() async throws {
        _ = try tinyEncoder("tiny-cls-normalize")
        #expect(BLAS.threadCount == 1)

        // Two threads multiply different matrices at the same time; each result must equal the
        // serial one bit for bit.
        let m = 96, n = 80, k = 72
        func matrix(_ seed: Int, _ count: Int) -> [Float] { (0..<count).map { Float(($0 * 7919 + seed * 104_729) % 1000) / 1000 - 0.5 } }
        let inputs = (0..<2).map { (matrix($0, m * k), matrix($0 + 10, n * k)) }
        @Sendable func product(_ a: [Float], _ b: [Float]) -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            c.withUnsafeMutableBufferPointer { c in
                BLAS.multiplyTransposed(rows: m, columns: n, depth: k, a, leading: k, b, leading: k,
                                        into: c.baseAddress.unsafelyUnwrapped, leading: n)
            }
            return c
        }
        let serial = inputs.map { product($0.0, $0.1) }
        let mismatches = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for _ in 0..<200 where product(inputs[thread].0, inputs[thread].1) != serial[thread] {
                mismatches.withLock { $0 += 1 }
            }
        }
        #expect(mismatches.withLock { $0 } == 0)
    }
}
