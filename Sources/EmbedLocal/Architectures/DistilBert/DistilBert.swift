/// DistilBERT as transformers' `DistilBertModel` defines it: BERT's post-norm blocks under its
/// own tensor names (`q_lin`, `sa_layer_norm`, `ffn.lin1`, …) and configuration keys (`dim`,
/// `n_layers`, `hidden_dim`), with learned positions and no token types.
public enum DistilBert {}

extension DistilBert {
    /// The hyper-parameters of a DistilBERT `config.json`, validated.
    public struct Configuration: Codable, Sendable, Hashable {
        public var vocabularySize: Int
        /// `dim`.
        public var hiddenSize: Int
        /// `n_layers`.
        public var layerCount: Int
        /// `n_heads`.
        public var attentionHeadCount: Int
        /// `hidden_dim`.
        public var intermediateSize: Int
        public var maximumPositionCount: Int
        /// `activation`.
        public var hiddenActivation: HiddenActivation

        /// Creates a configuration; call ``validate()`` before using one built by hand.
        public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, attentionHeadCount: Int,
                    intermediateSize: Int, maximumPositionCount: Int, hiddenActivation: HiddenActivation = .gelu) {
            self.vocabularySize = vocabularySize
            self.hiddenSize = hiddenSize
            self.layerCount = layerCount
            self.attentionHeadCount = attentionHeadCount
            self.intermediateSize = intermediateSize
            self.maximumPositionCount = maximumPositionCount
            self.hiddenActivation = hiddenActivation
        }

        /// DistilBERT's LayerNorm epsilon, fixed in its code rather than configured.
        static let layerNormEpsilon: Float = 1e-12
    }
}

extension DistilBert.Configuration: EncoderBuilding {
    public static let architectureName = "distilbert"
    public static let modelTypes = ["distilbert"]

    public init(configFile file: TransformerConfigFile) throws(ModelDescriptionError) {
        if try file.optionalBool("sinusoidal_pos_embds") == true {
            // Those checkpoints still store the sinusoid table as position_embeddings, but the
            // flag is rare among sentence-transformers models and not worth an untested path.
            throw .unsupported(file.path, "sinusoidal_pos_embds is true; only DistilBERT models with learned position embeddings (sinusoidal_pos_embds: false) are supported.")
        }
        self.init(
            vocabularySize: try file.int("vocab_size"), hiddenSize: try file.int("dim", "hidden_size"),
            layerCount: try file.int("n_layers", "num_hidden_layers"),
            attentionHeadCount: try file.int("n_heads", "num_attention_heads"),
            intermediateSize: try file.int("hidden_dim", "intermediate_size"),
            maximumPositionCount: try file.int("max_position_embeddings"),
            hiddenActivation: try file.activation("activation", "hidden_act"))
    }

    public var maximumSequenceLength: Int { maximumPositionCount }

    public func validate() -> String? {
        validateSizes([
            "vocab_size": vocabularySize, "dim": hiddenSize, "n_layers": layerCount, "n_heads": attentionHeadCount,
            "hidden_dim": intermediateSize, "max_position_embeddings": maximumPositionCount,
        ], hiddenKey: "dim", headsKey: "n_heads")
    }

    static let layerNames = PostNormLayer.Names(
        query: "attention.q_lin", key: "attention.k_lin", value: "attention.v_lin",
        attentionOutput: "attention.out_lin", attentionNorm: "sa_layer_norm",
        intermediate: "ffn.lin1", output: "ffn.lin2", outputNorm: "output_layer_norm")

    var layout: PostNormLayout {
        PostNormLayout(
            vocabularySize: vocabularySize, hiddenSize: hiddenSize, layerCount: layerCount, headCount: attentionHeadCount,
            intermediateSize: intermediateSize, positionCount: maximumPositionCount, positionOffset: 0,
            tokenTypeCount: nil, layerPrefix: "transformer.layer.", names: Self.layerNames,
            epsilon: Self.layerNormEpsilon, activation: hiddenActivation)
    }

    public func tensorShapes() -> [(name: String, shape: [Int])] { layout.tensorShapes() }

    public static func canonicalName(_ raw: String) -> String {
        canonicalName(raw, droppingPrefixes: ["distilbert.", "model."])
    }

    public var summary: [(label: String, value: String)] {
        sizeSummary + [("activation", hiddenActivation.rawValue)]
    }

    func makeEncoder(_ weights: WeightReader) throws(SentenceEncoderError) -> any TokenEncoder {
        try layout.makeEncoder(weights, paddingID: nil)
    }
}
