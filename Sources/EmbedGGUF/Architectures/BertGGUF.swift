import EmbedLocal

/// llama.cpp's `bert`: BERT (and RoBERTa-family models, which its converter stores as `bert` with
/// the position table already shifted past the padding rows, so positions count from 0 here).
enum BertGGUF: GGUFArchitecture {
    static let name = "bert"

    static let top = [
        "token_embd": "embeddings.word_embeddings", "position_embd": "embeddings.position_embeddings",
        "token_types": "embeddings.token_type_embeddings", "token_embd_norm": "embeddings.LayerNorm",
    ]
    static let perBlock = [
        "attn_q": "attention.self.query", "attn_k": "attention.self.key", "attn_v": "attention.self.value",
        "attn_output": "attention.output.dense", "attn_output_norm": "attention.output.LayerNorm",
        "ffn_up": "intermediate.dense", "ffn_down": "output.dense", "layer_output_norm": "output.LayerNorm",
    ]

    static func canonicalName(_ ggufName: String) -> String? {
        GGUFArchitectures.map(ggufName, top: top, perBlock: perBlock, blockPrefix: "encoder.layer.")
    }

    static func encoder(_ file: GGUFFile) throws(GGUFError) -> any EncoderArchitecture {
        if try file.optionalBool("bert.attention.causal") == true {
            throw GGUFError(path: file.path, .unsupported("bert.attention.causal is true: a causal BERT is not an encoder this runtime runs"))
        }
        let hidden = try file.int("bert.embedding_length")
        let words = try file.shape(of: "token_embd.weight")
        let positions = try file.shape(of: "position_embd.weight")
        let types = try file.shape(of: "token_types.weight")
        let configuration = Bert.Configuration(
            vocabularySize: words[0], hiddenSize: hidden, layerCount: try file.int("bert.block_count"),
            attentionHeadCount: try file.int("bert.attention.head_count"),
            intermediateSize: try file.int("bert.feed_forward_length"),
            maximumPositionCount: positions[0], tokenTypeCount: types[0],
            layerNormEpsilon: Float(try file.double("bert.attention.layer_norm_epsilon")),
            // GGUF does not record the activation; BERT's checkpoints use the exact (erf) GELU.
            hiddenActivation: .gelu, positionOffset: 0, modelType: "bert")
        if let problem = configuration.validate() { throw GGUFError(path: file.path, .malformed(problem)) }
        return configuration
    }
}
