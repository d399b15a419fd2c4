import Foundation

/// MPNet as transformers' `MPNetModel` defines it (all-mpnet-base-v2 and its kin): BERT's
/// post-norm blocks without token types, positions counted from `padding_idx + 1`, and a
/// relative position bias — 32 buckets, bidirectional, up to a distance of 128 — computed once
/// per sequence from `encoder.relative_attention_bias` and added to the scores of every layer.
public enum MPNet {}

extension MPNet {
    /// The hyper-parameters of an MPNet `config.json`, validated.
    public struct Configuration: Codable, Sendable, Hashable {
        public var vocabularySize: Int
        public var hiddenSize: Int
        public var layerCount: Int
        public var attentionHeadCount: Int
        public var intermediateSize: Int
        /// Rows of the position-embedding table.
        public var maximumPositionCount: Int
        /// The position row of a sequence's first token, `pad_token_id + 1`.
        public var positionOffset: Int
        /// Buckets of the relative position bias (`relative_attention_num_buckets`).
        public var relativeBucketCount: Int
        public var layerNormEpsilon: Float
        public var hiddenActivation: HiddenActivation

        /// Creates a configuration; call ``validate()`` before using one built by hand.
        public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, attentionHeadCount: Int,
                    intermediateSize: Int, maximumPositionCount: Int, positionOffset: Int = 2,
                    relativeBucketCount: Int = 32, layerNormEpsilon: Float = 1e-5,
                    hiddenActivation: HiddenActivation = .gelu) {
            self.vocabularySize = vocabularySize
            self.hiddenSize = hiddenSize
            self.layerCount = layerCount
            self.attentionHeadCount = attentionHeadCount
            self.intermediateSize = intermediateSize
            self.maximumPositionCount = maximumPositionCount
            self.positionOffset = positionOffset
            self.relativeBucketCount = relativeBucketCount
            self.layerNormEpsilon = layerNormEpsilon
            self.hiddenActivation = hiddenActivation
        }
    }

    /// The farthest relative distance with a bucket of its own scale (fixed in MPNet's code).
    static let maximumDistance = 128

    /// The bias bucket of a key `distance` places after its query (negative: before), exactly
    /// as `MPNetEncoder.relative_position_bucket` computes it — in float32, truncating — so that
    /// distances on a bucket boundary land where PyTorch puts them.
    static func bucket(distance: Int, bucketCount: Int) -> Int {
        let half = bucketCount / 2
        var n = -distance
        var bucket = n < 0 ? half : 0
        n = abs(n)
        let exact = half / 2
        if n < exact { return bucket + n }
        let scaled = Float(logf(Float(n) / Float(exact))) / Float(log(Double(maximumDistance) / Double(exact)))
            * Float(half - exact)
        bucket += Swift.min(exact + Int(scaled), half - 1)
        return bucket
    }
}

extension MPNet.Configuration: EncoderBuilding {
    public static let architectureName = "mpnet"
    public static let modelTypes = ["mpnet"]

    public init(configFile file: TransformerConfigFile) throws(ModelDescriptionError) {
        try file.requireEncoder()
        self.init(
            vocabularySize: try file.int("vocab_size"), hiddenSize: try file.int("hidden_size"),
            layerCount: try file.int("num_hidden_layers"), attentionHeadCount: try file.int("num_attention_heads"),
            intermediateSize: try file.int("intermediate_size"),
            maximumPositionCount: try file.int("max_position_embeddings"),
            positionOffset: (try file.optionalInt("pad_token_id") ?? 1) + 1,
            relativeBucketCount: try file.optionalInt("relative_attention_num_buckets") ?? 32,
            layerNormEpsilon: Float(try file.optionalDouble("layer_norm_eps") ?? 1e-5),
            hiddenActivation: try file.activation("hidden_act"))
    }

    public var maximumSequenceLength: Int { maximumPositionCount - positionOffset }

    public func validate() -> String? {
        if let problem = validateSizes([
            "vocab_size": vocabularySize, "hidden_size": hiddenSize, "num_hidden_layers": layerCount,
            "num_attention_heads": attentionHeadCount, "intermediate_size": intermediateSize,
            "max_position_embeddings": maximumPositionCount, "relative_attention_num_buckets": relativeBucketCount,
        ]) { return problem }
        if relativeBucketCount < 4 || relativeBucketCount % 2 != 0 {
            return "relative_attention_num_buckets must be an even number of at least 4; it is \(relativeBucketCount)."
        }
        if positionOffset < 0 || maximumPositionCount <= positionOffset {
            return "max_position_embeddings \(maximumPositionCount) leaves no position after the first \(positionOffset) (pad_token_id + 1)."
        }
        if !(layerNormEpsilon >= 0) || !layerNormEpsilon.isFinite {
            return "layer_norm_eps must be a finite non-negative number; it is \(layerNormEpsilon)."
        }
        return nil
    }

    static let layerNames = PostNormLayer.Names(
        query: "attention.attn.q", key: "attention.attn.k", value: "attention.attn.v",
        attentionOutput: "attention.attn.o", attentionNorm: "attention.LayerNorm",
        intermediate: "intermediate.dense", output: "output.dense", outputNorm: "output.LayerNorm")

    var layout: PostNormLayout {
        PostNormLayout(
            vocabularySize: vocabularySize, hiddenSize: hiddenSize, layerCount: layerCount, headCount: attentionHeadCount,
            intermediateSize: intermediateSize, positionCount: maximumPositionCount, positionOffset: positionOffset,
            tokenTypeCount: nil, layerPrefix: "encoder.layer.", names: Self.layerNames,
            epsilon: layerNormEpsilon, activation: hiddenActivation)
    }

    public func tensorShapes() -> [(name: String, shape: [Int])] {
        layout.tensorShapes() + [("encoder.relative_attention_bias.weight", [relativeBucketCount, attentionHeadCount])]
    }

    public static func canonicalName(_ raw: String) -> String {
        canonicalName(raw, droppingPrefixes: ["mpnet.", "model."])
    }

    public var summary: [(label: String, value: String)] {
        sizeSummary + [("relative position buckets", "\(relativeBucketCount)"), ("activation", hiddenActivation.rawValue)]
    }

    func makeEncoder(_ weights: WeightReader) throws(SentenceEncoderError) -> any TokenEncoder {
        let hidden = hiddenSize
        let table = try weights.tensor("encoder.relative_attention_bias.weight", shape: [relativeBucketCount, attentionHeadCount])
        let heads = attentionHeadCount
        let buckets = relativeBucketCount
        // The kernel adds the bias before scaling the scores, so the table is stored divided by
        // the scale: (q·k + b/scale)·scale = q·k·scale + b, MPNet's order up to rounding.
        let inverseScale = Float(hidden / heads).squareRoot()
        let bucketOfDistance = (-(maximumSequenceLength - 1)...(maximumSequenceLength - 1)).map {
            MPNet.bucket(distance: $0, bucketCount: buckets)
        }
        let centre = maximumSequenceLength - 1
        return try layout.makeEncoder(weights, paddingID: Int32(positionOffset - 1)) { workspace in
            let longest = workspace.biasLongest
            for head in 0..<heads {
                let row = workspace.positionBias(head: head)
                for distance in -(longest - 1)...(longest - 1) {
                    row[distance] = table.pointer[bucketOfDistance[centre + distance] * heads + head] * inverseScale
                }
            }
        }
    }
}
