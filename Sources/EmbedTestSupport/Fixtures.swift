import Foundation
import Testing

/// Locations and readers shared by the test targets. Not part of the public API.
package enum Fixtures {
    /// The repository's root folder, found from this file's location so that tests run from any
    /// working directory.
    package static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // EmbedTestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    /// `Tests/Fixtures/`.
    package static let directory = repositoryRoot.appendingPathComponent("Tests/Fixtures")

    /// Returns the URL of a file or folder below `Tests/Fixtures/`.
    package static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    /// The four tiny random-weight BERT models in `tiny/`, each with the pipeline options the
    /// default model lacks: CLS pooling + Normalize; max + mean pooling with a cased tokenizer;
    /// mean_sqrt_len pooling + Dense + Normalize, accents kept; weighted-mean + last-token pooling
    /// without Normalize. Golden outputs next to each folder. Every test that runs them all takes
    /// this list.
    package static let tinyModels = ["tiny-cls-normalize", "tiny-maxmean-cased", "tiny-sqrtlen-dense", "tiny-lasttoken-weighted"]

    /// One tiny random-weight model per architecture and tokenizer kind in `arch/` (MPNet,
    /// DistilBERT + CLS + Dense, XLM-R, BERT + Unigram, RoBERTa + BPE, ModernBERT), with golden
    /// outputs from sentence-transformers on 200 multilingual stress texts next to each folder.
    package static let architectureModels = [
        "tiny-mpnet-mean", "tiny-distilbert-cls-dense", "tiny-xlmr-mean", "tiny-bert-unigram", "tiny-roberta-bpe",
        "tiny-modernbert",
    ]

    /// `Models/`, where `Scripts/setup.sh` puts the default model.
    package static let modelsDirectory = repositoryRoot.appendingPathComponent("Models")

    /// The exported default model, `Models/all-MiniLM-L6-v2.embed`, made by `Scripts/setup.sh`.
    package static let defaultModel = RealModel(
        "all-MiniLM-L6-v2.embed", whenMissing: "run Scripts/setup.sh to fetch and export it")

    /// The default model's Hugging Face folder, `Models/all-MiniLM-L6-v2/`, fetched by
    /// `Scripts/setup.sh`.
    package static let defaultModelFolder = RealModel(
        "all-MiniLM-L6-v2", weights: "model.safetensors", whenMissing: "run Scripts/setup.sh to fetch it")

    /// all-mpnet-base-v2's Hugging Face folder, `Models/all-mpnet-base-v2/` (438 MB), fetched by
    /// `Scripts/test.sh`.
    package static let mpnetFolder = RealModel(
        "all-mpnet-base-v2", weights: "model.safetensors",
        whenMissing: "run python3 Scripts/fetch_model.py Models/all-mpnet-base-v2.json (as Scripts/test.sh does)")

    /// all-MiniLM-L6-v2 as llama.cpp's converter writes it (`f32`, `f16`, `bf16`, `q8_0`),
    /// `Models/gguf/all-MiniLM-L6-v2.VARIANT.gguf`, rebuilt byte for byte by `Scripts/gguf/fixtures.sh`.
    package static func miniLMGGUF(_ variant: String) -> RealModel {
        RealModel("gguf/all-MiniLM-L6-v2.\(variant).gguf", whenMissing: "run Scripts/gguf/fixtures.sh (as Scripts/test.sh does)")
    }

    /// Decodes every non-empty line of a JSON Lines file, inflating a `.jsonl.gz` one (the golden
    /// files are stored gzip-compressed).
    package static func readJSONLines<T: Decodable>(_ url: URL, as type: T.Type = T.self) throws -> [T] {
        let data = try data(url)
        let decoder = JSONDecoder()
        var result: [T] = []
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            result.append(try decoder.decode(T.self, from: Data(line)))
        }
        return result
    }
}

/// A real model below `Models/` that some tests need and the repository does not hold: where it
/// is, whether it is there, and how to get it.
///
/// A test or suite that needs one carries the trait `.enabled(if: model.isPresent,
/// model.whenMissing)`, spelled `.requires(model)`: where the model is missing it is skipped with
/// a message saying how to get it. Inside, the test loads `model.url` with `try`: a model that is
/// there but does not load is a failure, not a skip.
package struct RealModel: Sendable {
    /// The file or folder the tests load.
    package let url: URL
    /// What must exist for the model to count as present: the file itself, or a folder's weights.
    let presenceCheck: URL
    /// Why a test that needs the model was skipped, and how to get it.
    package let whenMissing: Comment

    /// A model at `Models/NAME`; for a folder, `weights` names the file inside it that must exist.
    init(_ name: String, weights: String? = nil, whenMissing howToGet: String) {
        let url = Fixtures.modelsDirectory.appendingPathComponent(name)
        self.url = url
        presenceCheck = weights.map { url.appendingPathComponent($0) } ?? url
        whenMissing = Comment(rawValue: "Models/\(name) is missing: \(howToGet)")
    }

    /// Whether the model is there.
    package var isPresent: Bool { FileManager.default.fileExists(atPath: presenceCheck.path) }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test or suite only where `model` is present; elsewhere it is skipped with
    /// `model.whenMissing`: `.enabled(if: model.isPresent, model.whenMissing)`.
    package static func requires(_ model: RealModel, sourceLocation: SourceLocation = #_sourceLocation) -> Self {
        .enabled(if: model.isPresent, model.whenMissing, sourceLocation: sourceLocation)
    }
}

/// The largest absolute difference and the cosine between two vectors, for parity reports.
package struct VectorComparison: Sendable, CustomStringConvertible {
    package var maxAbsoluteDifference: Float
    package var cosine: Float

    package init(_ a: [Float], _ b: [Float]) {
        precondition(a.count == b.count, "vectors differ in length: \(a.count) vs \(b.count)")
        var maxDiff: Float = 0
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            maxDiff = max(maxDiff, abs(a[i] - b[i]))
            ab += Double(a[i]) * Double(b[i])
            aa += Double(a[i]) * Double(a[i])
            bb += Double(b[i]) * Double(b[i])
        }
        maxAbsoluteDifference = maxDiff
        let denominator = (aa * bb).squareRoot()
        cosine = denominator > 0 ? Float(ab / denominator) : (aa == bb ? 1 : 0)
    }

    package var description: String { "cosine \(cosine), max |Δ| \(maxAbsoluteDifference)" }
}
