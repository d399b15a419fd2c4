import EmbedLocal

/// llama.cpp's `bert`: BERT, and the RoBERTa family, which its converter also stores as `bert`,
/// with a SentencePiece (`t5`, XLM-R) or byte-level BPE (`gpt2`, RoBERTa) tokenizer where BERT's
/// is WordPiece, and with the position table's first `pad + 1` rows dropped.
///
/// Those rows are put back as zeros, so that the model runs as transformers runs RoBERTa:
/// positions from `pad + 1`, and a literal padding token in a text reading row `pad` without
/// advancing the count. transformers' position table keeps that row at zero (an
/// `nn.Embedding(padding_idx:)` row is initialized to zero and gets no gradient); llama.cpp,
/// which lacks it, reads another row there.
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
        let family = robertaFamily(file)
        let offset = family == nil ? 0 : try paddingID(file) + 1
        let configuration = Bert.Configuration(
            vocabularySize: words[0], hiddenSize: hidden, layerCount: try file.int("bert.block_count"),
            attentionHeadCount: try file.int("bert.attention.head_count"),
            intermediateSize: try file.int("bert.feed_forward_length"),
            maximumPositionCount: positions[0] + offset, tokenTypeCount: types[0],
            layerNormEpsilon: Float(try file.double("bert.attention.layer_norm_epsilon")),
            // GGUF does not record the activation; BERT's checkpoints use the exact (erf) GELU.
            hiddenActivation: .gelu, positionOffset: offset, modelType: family ?? "bert")
        if let problem = configuration.validate() { throw GGUFError(path: file.path, .malformed(problem)) }
        return configuration
    }

    /// `xlm-roberta` or `roberta` when the converter wrote a RoBERTa-family model (its
    /// tokenizer is not WordPiece), else `nil`.
    static func robertaFamily(_ file: GGUFFile) -> String? {
        switch file["tokenizer.ggml.model"]?.string {
        case "t5": "xlm-roberta"
        case "gpt2": "roberta"
        default: nil
        }
    }

    static func paddingID(_ file: GGUFFile) throws(GGUFError) -> Int {
        let pad = try file.optionalInt("tokenizer.ggml.padding_token_id") ?? 1
        guard (0..<1024).contains(pad) else {
            throw GGUFError(path: file.path, .malformed("tokenizer.ggml.padding_token_id \(pad) is not a RoBERTa padding id"))
        }
        return pad
    }

    static func droppedRows(_ file: GGUFFile) throws(GGUFError) -> [String: Int] {
        guard robertaFamily(file) != nil else { return [:] }
        return ["embeddings.position_embeddings.weight": try paddingID(file) + 1]
    }
}
