import EmbedLocal

/// llama.cpp's `nomic-bert`: nomic-embed-text v1/v1.5 (a fused bias-free `attn_qkv`, rotary
/// positions, a SwiGLU feed-forward network whose `ffn_gate` is the half SiLU is applied to).
enum NomicBertGGUF: GGUFArchitecture {
    static let name = "nomic-bert"

    static let top = ["token_embd": "embeddings.word_embeddings", "token_types": "embeddings.token_type_embeddings", "token_embd_norm": "emb_ln"]
    static let perBlock = [
        "attn_qkv": "attn.Wqkv", "attn_output": "attn.out_proj", "attn_output_norm": "norm1", "layer_output_norm": "norm2",
        "ffn_up": "mlp.fc11", "ffn_gate": "mlp.fc12", "ffn_down": "mlp.fc2",
    ]

    static func canonicalName(_ ggufName: String) -> String? {
        GGUFArchitectures.map(ggufName, top: top, perBlock: perBlock, blockPrefix: "encoder.layers.")
    }

    static func encoder(_ file: GGUFFile) throws(GGUFError) -> any EncoderArchitecture {
        if try file.optionalBool("nomic-bert.attention.causal") == true {
            throw GGUFError(path: file.path, .unsupported("nomic-bert.attention.causal is true: a causal model is not an encoder this runtime runs"))
        }
        let hidden = try file.int("nomic-bert.embedding_length")
        let heads = try file.int("nomic-bert.attention.head_count")
        if let dimensions = try file.optionalInt("nomic-bert.rope.dimension_count"), heads > 0, dimensions != hidden / heads {
            throw GGUFError(path: file.path, .unsupported("nomic-bert.rope.dimension_count \(dimensions) rotates part of each head; only rotary embeddings on every head dimension (\(hidden / max(heads, 1))) are supported"))
        }
        let configuration = NomicBert.Configuration(
            vocabularySize: try file.shape(of: "token_embd.weight")[0], hiddenSize: hidden,
            layerCount: try file.int("nomic-bert.block_count"), attentionHeadCount: heads,
            intermediateSize: try file.int("nomic-bert.feed_forward_length"),
            maximumPositionCount: try file.int("nomic-bert.context_length"),
            tokenTypeCount: try file.shape(of: "token_types.weight")[0],
            layerNormEpsilon: Float(try file.double("nomic-bert.attention.layer_norm_epsilon")),
            ropeTheta: Float(try file.double("nomic-bert.rope.freq_base")))
        if let problem = configuration.validate() { throw GGUFError(path: file.path, .malformed(problem)) }
        return configuration
    }
}
