"""Tiny random-weight NomicBERT (nomic-embed-text-v1.5's architecture) sentence-transformers folders,
with golden outputs from the model's real Hugging Face remote code.

usage: python make_nomic_model.py MINILM_DIR OUT_DIR [--seed S] [--texts N]
  MINILM_DIR: an uncased BERT WordPiece tokenizer folder (nomic-embed-text uses bert-base-uncased's, as
              all-MiniLM-L6-v2 does). Tests/Fixtures/nomic takes make_wordpiece_vocab.py's OUT_DIR/bert-uncased
              (3,000 tokens, padded to 3,008 rows); the first fixtures took all-MiniLM-L6-v2 (30,522 -> 30,528).
Writes OUT_DIR/tiny-nomic-bert/ (max_seq_length 128) and OUT_DIR/tiny-nomic-bert-long/ (max_seq_length 512,
same weights), each with the two remote-code files, and:
  OUT_DIR/tiny-nomic-bert.jsonl.gz           {"text","ids","embedding"}  plain texts
  OUT_DIR/tiny-nomic-bert-prompted.jsonl.gz  {"text","prompt","ids","embedding"}  encode(..., prompt_name="search_query");
                                          ids are those of prompt + text, which is what the model sees
  OUT_DIR/tiny-nomic-bert-long.jsonl.gz      {"text","ids","embedding"}  plain texts, truncation at 512
Same seed -> same files.

Remote code: nomic-ai/contrastors src/contrastors/models/huggingface/{modeling,configuration}_hf_nomic_bert.py at
613ddfd37309e538cceadb05b1e6423e7b09f603, read with `git show` from the clone named by the environment variable NOMIC_REMOTE_CODE_GIT.
CHANGES MADE TO IT (and nothing else; see patch_modeling()):
  1. modeling_hf_nomic_bert.py: NomicBertModel.forward calls self.get_extended_attention_mask(attention_mask,
     input_ids.shape), a ModuleUtilsMixin method that transformers 5 removed (AttributeError at the first forward).
     A method of that name is added to NomicBertPreTrainedModel that does exactly what transformers 4.x did for an
     encoder (config.is_decoder False) with a 2-D or 3-D mask: mask[:, None, None, :] (or [:, None]), cast to
     the model dtype, then (1 - mask) * torch.finfo(dtype).min, an additive mask that the code hands to
     F.scaled_dot_product_attention.
  configuration_hf_nomic_bert.py: unchanged. Both files import under transformers 5.25 as they are.
Not changed but worth knowing (all real behaviour of the remote code, kept):
  - NomciBertGatedMLP rounds the SwiGLU hidden width UP to a multiple of 256, so the brief's n_inner 64 would
    silently become 256-wide fc11/fc12/fc2 while config.json said 64 (a trap for any runtime, and llama.cpp's
    loader would reject the shapes). n_inner is therefore 256 here, the smallest value the code keeps as is
    (the real 3072 = 12 * 256 is unaffected).
  - NomicBertModel.__init__ pads config.vocab_size up to a multiple of pad_vocab_size_multiple (64):
    30522 -> 30528 for the real vocabulary, the value in the real config.json (rows 30522..30527 are unreachable);
    3000 -> 3008 for the 3,000-token test vocabulary.
  - NomicBertPreTrainedModel.from_pretrained loads with load_state_dict(strict=False): a key mismatch would leave
    freshly initialised weights in place silently. This script checks that the loaded weights equal the saved.
  - attention runs F.scaled_dot_product_attention(dropout_p=self.drop.p) even in eval mode, so attn_pdrop must be 0.0
    (the real value); GPT2Config's default 0.1 would make outputs random.

Real nomic-embed-text-v1.5 values kept (its config.json: activation_function swiglu, rotary_emb_fraction 1.0,
rotary_emb_base 1000, rotary_emb_interleaved false, rotary_emb_scale_base null, rotary_scaling_factor null,
qkv_proj_bias/mlp_fc1_bias/mlp_fc2_bias false, prenorm false, layer_norm_epsilon 1e-12, type_vocab_size 2,
pad_vocab_size_multiple 64, max_trained_positions 2048, n_positions 8192, dropouts 0.0; 1_Pooling mean).
rotary_scaling_factor is null in v1.5, so no dynamic-NTK scaling exists to exercise: the long variant is plain RoPE.
Sizes: n_embd 32, n_head 4 (head_dim 8), n_layer 2, n_inner 256. use_flash_attn, fused_bias_fc,
fused_dropout_add_ln, use_xentropy false (true in the real config, but those paths need flash-attn/CUDA kernels
and compute the same function). config.json also carries transformers 5's native names (hidden_size, ...,
rope_parameters), as the current hub config.json of v1.5 does; see nomic_config(). The real
config_sentence_transformers.json (140 bytes) has NO prompts and the real modules.json (255 bytes) lists only
Transformer + Pooling; the prompts here are the model card's four task prefixes, and Normalize is added on purpose
(Ollama / LM Studio / llama.cpp return unit vectors).

Function computed (checked below against transformers' native port; an independent NumPy float64 version agrees
to 3e-7): x = LN_emb(wte[ids] + token_type[0]); per layer, post-norm: qkv = x Wqkv^T split (q|k|v, heads
contiguous), RoPE on q,k (base 1000, all 8 dims, rotate-half / GPT-NeoX layout, positions 0..n-1), softmax(qk^T /
sqrt(8)) v, x = LN1(x + out_proj(.)); x = LN2(x + fc2(fc11(x) * silu(fc12(x)))) (fc12 is the gate); mean over
all tokens incl. [CLS]/[SEP] (mask excludes padding); L2 normalise.
"""
import argparse, ast, json, os, shutil, subprocess, sys, tempfile
import torch
from safetensors.torch import save_file, load_file
from transformers import AutoTokenizer
from sentence_transformers import SentenceTransformer, models
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stress_corpus import stress_texts
from golden_files import open_golden

REMOTE_CODE_GIT = os.environ.get("NOMIC_REMOTE_CODE_GIT")  # a clone (bare is fine) of github.com/nomic-ai/contrastors
REMOTE_CODE_REV = "613ddfd37309e538cceadb05b1e6423e7b09f603"
REMOTE_CODE_DIR = "src/contrastors/models/huggingface/"
PROMPTS = {"search_query": "search_query: ", "search_document": "search_document: ",
           "clustering": "clustering: ", "classification": "classification: "}
# The same `extra` list as make_arch_models.py (checked against that file below when it is beside this one).
EXTRA = ["<s>", "</s> <pad> <mask>", "<unk>", "hello<mask>world", " leading and trailing ",
         "▁already▁has▁metaspace", "Ġbyte Ġlevel", "ＮＦＫＣ：①②③ ﬁ ™", "日本語のテキストと English の混在",
         "한국어 텍스트입니다", "नमस्ते दुनिया", "مرحبا بالعالم", "Ελληνικά κείμενα", "tab\tand\nnewline"]

PATCH_ANCHOR = "    def _set_gradient_checkpointing(self, module, value=False):\n"
PATCH_METHOD = '''    # [make_nomic_model.py] transformers 5 removed ModuleUtilsMixin.get_extended_attention_mask, which
    # NomicBertModel.forward calls. Same result as transformers 4.x for an encoder (is_decoder False).
    def get_extended_attention_mask(self, attention_mask, input_shape, device=None, dtype=None):
        if dtype is None:
            dtype = next(self.parameters()).dtype
        if attention_mask.dim() == 3:
            extended_attention_mask = attention_mask[:, None, :, :]
        elif attention_mask.dim() == 2:
            extended_attention_mask = attention_mask[:, None, None, :]
        else:
            raise ValueError(f"Wrong shape for input_ids (shape {input_shape}) or attention_mask (shape {attention_mask.shape})")
        extended_attention_mask = extended_attention_mask.to(dtype=dtype)
        extended_attention_mask = (1.0 - extended_attention_mask) * torch.finfo(dtype).min
        return extended_attention_mask

'''


def remote_file(name):
    return subprocess.run(["git", "-C", REMOTE_CODE_GIT, "show", f"{REMOTE_CODE_REV}:{REMOTE_CODE_DIR}{name}"],
                          check=True, capture_output=True).stdout.decode("utf-8")


def patch_modeling(src):
    assert "get_extended_attention_mask" in src and src.count(PATCH_ANCHOR) == 1, "remote code changed: review the patch"
    return src.replace(PATCH_ANCHOR, PATCH_METHOD + PATCH_ANCHOR)


def nomic_config(vocab_size):
    # Real nomic-embed-text-v1.5 config.json, sizes shrunk; n_inner see the docstring.
    return {
        "activation_function": "swiglu",
        "architectures": ["NomicBertModel"],
        "attn_pdrop": 0.0,
        "auto_map": {"AutoConfig": "configuration_hf_nomic_bert.NomicBertConfig",
                     "AutoModel": "modeling_hf_nomic_bert.NomicBertModel",
                     "AutoModelForMaskedLM": "modeling_hf_nomic_bert.NomicBertForPreTraining"},
        "bos_token_id": None,
        "causal": False,
        "dense_seq_output": True,
        "embd_pdrop": 0.0,
        "eos_token_id": None,
        "fused_bias_fc": False,
        "fused_dropout_add_ln": False,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-12,
        "max_trained_positions": 2048,
        "mlp_fc1_bias": False,
        "mlp_fc2_bias": False,
        "model_type": "nomic_bert",
        "n_embd": 32,
        "n_head": 4,
        "n_inner": 256,
        "n_layer": 2,
        "n_positions": 8192,
        "pad_vocab_size_multiple": 64,
        "parallel_block": False,
        "parallel_block_tied_norm": False,
        "prenorm": False,
        "qkv_proj_bias": False,
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.0,
        "rotary_emb_base": 1000,
        "rotary_emb_fraction": 1.0,
        "rotary_emb_interleaved": False,
        "rotary_emb_scale_base": None,
        "rotary_scaling_factor": None,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.0,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "torch_dtype": "float32",
        "type_vocab_size": 2,
        "use_cache": True,
        "use_flash_attn": False,
        "use_rms_norm": False,
        "use_xentropy": False,
        "vocab_size": vocab_size,
        # transformers >= 5 ships a native `nomic_bert` (NomicBertConfig(PreTrainedConfig)) that reads only these
        # names and defaults them to the 768/12/12/3072 model; the current hub config.json of v1.5 carries them next
        # to the legacy ones (e.g. "max_position_embeddings": 2048, "rope_parameters": {"rope_theta": 1000.0,
        # "rope_type": "default"}). Without them, llama.cpp's converter (AutoConfig, trust_remote_code=False) writes
        # 768/3072/12 into the GGUF and native transformers builds a 768-wide model. The remote code maps
        # hidden_size/num_attention_heads/num_hidden_layers/max_position_embeddings onto n_embd/n_head/n_layer/
        # n_positions through GPT2Config.attribute_map (n_positions is unused when rotary_emb_fraction > 0).
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "head_dim": 8,
        "intermediate_size": 256,
        "hidden_act": "silu",
        "layer_norm_eps": 1e-12,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": 2048,
        "pad_token_id": 0,
        "rope_parameters": {"rope_theta": 1000.0, "rope_type": "default"},
    }


def random_weights(model, seed):
    """Non-degenerate weights: LayerNorm gamma != 1 and beta != 0, N(0, 1/fan_in) linears (a larger gain on Wqkv so
    attention is far from uniform and RoPE matters), N(0, 1) embeddings incl. the padded rows and token type 1."""
    g = torch.Generator().manual_seed(seed * 7919 + 1)
    sd = {}
    with torch.no_grad():
        for name, p in sorted(model.state_dict().items()):
            if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "emb_ln.weight":
                v = 1.0 + 0.3 * torch.randn(p.shape, generator=g)
            elif name.endswith(".bias"):
                v = 0.2 * torch.randn(p.shape, generator=g)
            elif "embeddings" in name:
                v = torch.randn(p.shape, generator=g)
            elif name.endswith(".weight") and p.dim() == 2:
                gain = 1.6 if "Wqkv" in name else 1.0
                v = gain * torch.randn(p.shape, generator=g) / p.shape[1] ** 0.5
            else:
                raise ValueError(f"unexpected tensor {name}")
            sd[name] = v.to(torch.float32).contiguous()
    model.load_state_dict(sd, strict=True)
    return sd


def main():
    p = argparse.ArgumentParser()
    p.add_argument("minilm"); p.add_argument("out")
    p.add_argument("--seed", type=int, default=7); p.add_argument("--texts", type=int, default=200)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)

    here = os.path.dirname(os.path.abspath(__file__))
    arch = os.path.join(here, "make_arch_models.py")
    if os.path.exists(arch):
        tree = ast.parse(open(arch, encoding="utf-8").read())
        found = [ast.literal_eval(n.value) for n in ast.walk(tree)
                 if isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "extra" for t in n.targets)]
        assert found == [EXTRA], "make_arch_models.py's `extra` list changed: update EXTRA"
    texts = EXTRA + stress_texts(a.seed * 1000 + 3, a.texts - len(EXTRA))

    with tempfile.TemporaryDirectory() as t:
        code = os.path.join(t, "nomic_remote"); os.makedirs(code)
        cfg_src = remote_file("configuration_hf_nomic_bert.py")
        mod_src = patch_modeling(remote_file("modeling_hf_nomic_bert.py"))
        open(os.path.join(code, "configuration_hf_nomic_bert.py"), "w", encoding="utf-8").write(cfg_src)
        open(os.path.join(code, "modeling_hf_nomic_bert.py"), "w", encoding="utf-8").write(mod_src)
        open(os.path.join(code, "__init__.py"), "w").close()
        sys.path.insert(0, t)
        from nomic_remote.configuration_hf_nomic_bert import NomicBertConfig  # noqa: E402
        from nomic_remote.modeling_hf_nomic_bert import NomicBertModel  # noqa: E402
        sys.path.remove(t)

        tok = AutoTokenizer.from_pretrained(a.minilm)
        n_tok = len(tok)
        mult = 64
        vocab = (n_tok + mult - 1) // mult * mult
        cfg_dict = nomic_config(vocab)
        hf_cfg = NomicBertConfig(**{k: v for k, v in cfg_dict.items() if k not in ("auto_map", "architectures", "model_type", "torch_dtype")})
        torch.manual_seed(a.seed)
        ref_model = NomicBertModel(hf_cfg, add_pooling_layer=False).eval()
        assert ref_model.config.vocab_size == vocab, (ref_model.config.vocab_size, vocab)
        sd = random_weights(ref_model, a.seed)
        names = sorted(sd)
        assert not [n for n in names if n.endswith(".bias") and not ("norm" in n or n.startswith("emb_ln"))], names
        assert sd["encoder.layers.0.mlp.fc11.weight"].shape == (cfg_dict["n_inner"], cfg_dict["n_embd"])
        assert "embeddings.position_embeddings.weight" not in sd and "pooler.dense.weight" not in sd

        for name, maxlen in (("tiny-nomic-bert", 128), ("tiny-nomic-bert-long", 512)):
            build(a, name, maxlen, code, cfg_dict, sd, tok, texts, prompted=(name == "tiny-nomic-bert"))


def build(a, name, maxlen, code, cfg_dict, sd, tok, texts, prompted):
    d = os.path.join(a.out, name); tmp = d + ".hf"
    shutil.rmtree(d, ignore_errors=True); shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for f in ("configuration_hf_nomic_bert.py", "modeling_hf_nomic_bert.py"):
        shutil.copy(os.path.join(code, f), os.path.join(tmp, f))
    with open(os.path.join(tmp, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg_dict, f, indent=2, sort_keys=True); f.write("\n")
    save_file(sd, os.path.join(tmp, "model.safetensors"), metadata={"format": "pt"})
    tok.save_pretrained(tmp)
    tr = models.Transformer(tmp, max_seq_length=maxlen, model_kwargs={"trust_remote_code": True},
                            config_kwargs={"trust_remote_code": True}, processor_kwargs={"trust_remote_code": True})
    st = SentenceTransformer(modules=[tr, models.Pooling(cfg_dict["n_embd"], pooling_mode="mean"), models.Normalize()],
                             device="cpu", prompts=PROMPTS, similarity_fn_name="cosine")
    st.save(d, safe_serialization=True)
    shutil.rmtree(tmp)
    # save_pretrained rewrites config.json (adds dtype, pad_token_id, use_cache false, ...): keep the documented one.
    with open(os.path.join(d, "config.json"), "w", encoding="utf-8") as f:
        json.dump(cfg_dict, f, indent=2, sort_keys=True); f.write("\n")
    finish(a, d, name, cfg_dict, sd, texts, prompted)


def finish(a, d, name, cfg_dict, sd, texts, prompted):
    # The folder must hold the remote code and the exact config/weights; the model must load them all.
    for f in ("configuration_hf_nomic_bert.py", "modeling_hf_nomic_bert.py"):
        assert os.path.exists(os.path.join(d, f)), f"{f} missing from {d}"
    saved = load_file(os.path.join(d, "model.safetensors"))
    assert sorted(saved) == sorted(sd) and all(torch.equal(saved[k], sd[k]) for k in sd), "saved weights differ"
    st = SentenceTransformer(d, device="cpu", trust_remote_code=True)
    live = st[0].model.state_dict()
    assert sorted(live) == sorted(sd) and all(torch.equal(live[k], sd[k]) for k in sd), "loaded weights differ (strict=False load)"
    assert type(st[0].model).__module__.endswith("modeling_hf_nomic_bert"), type(st[0].model).__module__  # the remote code
    embs = st.encode(texts, batch_size=16)
    rows = [(s, None, e) for s, e in zip(texts, embs)]
    write(os.path.join(a.out, name + ".jsonl.gz"), st, rows)
    if prompted:
        pe = st.encode(texts, batch_size=16, prompt_name="search_query")
        same = st.encode([PROMPTS["search_query"] + s for s in texts], batch_size=16)
        assert abs(pe - same).max() < 1e-6, "prompt_name is not plain prefixing"
        write(os.path.join(a.out, name + "-prompted.jsonl.gz"), st, [(s, PROMPTS["search_query"], e) for s, e in zip(texts, pe)])
    # Second implementation: transformers' own port (models/nomic_bert, transformers >= 5), which ignores auto_map
    # without trust_remote_code. It must give the same vectors.
    native = ""
    try:
        from transformers.models.nomic_bert import modeling_nomic_bert  # noqa: F401
        has_native = True
    except ImportError:
        has_native = False
    if has_native:
        nat = SentenceTransformer(d, device="cpu", trust_remote_code=False)
        assert type(nat[0].model).__module__.startswith("transformers.models.nomic_bert"), type(nat[0].model).__module__
        diff = float(abs(nat.encode(texts, batch_size=16) - embs).max())
        assert diff < 1e-5, f"native transformers NomicBert differs from the remote code by {diff}"
        native = f" native-transformers max|diff| {diff:.1e}"
    cfg = json.load(open(os.path.join(d, "config.json")))
    print(name, cfg["model_type"], "dim", embs.shape[1], "max_seq_length", st.max_seq_length, native)


def write(path, st, rows):
    with open_golden(path, "w") as f:
        for s, prompt, e in rows:
            ids = st.tokenizer((prompt or "") + s, truncation=True, max_length=st.max_seq_length)["input_ids"]
            line = {"text": s}
            if prompt is not None:
                line["prompt"] = prompt
            line.update(ids=ids, embedding=[round(float(x), 7) for x in e])
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
