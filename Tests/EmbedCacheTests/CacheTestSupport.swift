import EmbedCache

import EmbedCore
import Foundation
import Synchronization

/// A fresh folder under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory: ~Copyable {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("embed-compare-tests-\(UUID().uuidString)", isDirectory: true)

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Collects what a ``VectorCache`` reports.
final class ProblemLog: Sendable {
    private let storage = Mutex<[VectorCacheProblem]>([])

    var problems: [VectorCacheProblem] { storage.withLock { $0 } }

    func record(_ problem: VectorCacheProblem) { storage.withLock { $0.append(problem) } }
}

/// An embedder that derives a vector from each text's characters and records every batch it is
/// asked for.
final class CountingEmbedder: Embedder {
    private let batches = Mutex<[[String]]>([])

    let modelName = "counting-model"
    let dimensions: Int? = 4

    /// Every batch `embed` received, in call order.
    var calls: [[String]] { batches.withLock { $0 } }

    func embed(_ texts: [String], options: EmbeddingOptions) async throws -> [Embedding] {
        batches.withLock { $0.append(texts) }
        return texts.map { Embedding(vector: Self.vector(for: $0, options: options), tokenCount: $0.count) }
    }

    /// The vector this embedder returns for `text`.
    static func vector(for text: String, options: EmbeddingOptions = EmbeddingOptions()) -> [Float] {
        let scalars = text.unicodeScalars.map { Float($0.value) }
        let offset: Float = options.task == .query ? 1_000 : 0
        return [Float(scalars.count), scalars.reduce(0, +) + offset, scalars.first ?? -1, scalars.last ?? -2]
    }
}
