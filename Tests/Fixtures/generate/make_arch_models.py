"""Tiny random-weight sentence-transformer folders for the encoder architectures and tokenizer
kinds beyond BERT + WordPiece, with golden outputs from the real Python pipeline.

usage: python make_arch_models.py MINILM_DIR MPNET_DIR OUT_DIR [--seed S] [--texts N]
  MINILM_DIR: an uncased BERT WordPiece tokenizer folder, reused by tiny-distilbert-cls-dense
  MPNET_DIR:  an MPNet tokenizer folder, reused by tiny-mpnet-mean
  Tests/Fixtures/arch takes make_wordpiece_vocab.py's OUT_DIR/bert-uncased and OUT_DIR/mpnet (3,000 and 3,005
  tokens); the first fixtures took the real all-MiniLM-L6-v2 and all-mpnet-base-v2 folders (30,522 and 30,527
  tokens, 4 MB of embedding table per model). Each model's vocab_size is its tokenizer's size.
Writes OUT_DIR/tokenizers/{unigram,bpe}/ (trained here: a SentencePiece Unigram model converted the
way transformers converts XLM-R's, and a byte-level BPE as RoBERTa's), OUT_DIR/tiny-*/ (v6 layout)
and OUT_DIR/tiny-*.jsonl.gz ({"text","ids","embedding"}), and OUT_DIR/tokenizers/*-ids.jsonl.gz
(ids from the HF fast tokenizer, special tokens included, no truncation).
Same seed -> same files (torch, sentencepiece and tokenizers are seeded / deterministic)."""
import argparse, json, os, shutil, sys, tempfile
import torch
import sentencepiece as spm
from tokenizers import ByteLevelBPETokenizer
from transformers import (AutoTokenizer, BertConfig, BertModel, DistilBertConfig, DistilBertModel,
                          MPNetConfig, MPNetModel, ModernBertConfig, ModernBertModel, PreTrainedTokenizerFast,
                          RobertaConfig, RobertaModel, XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizerFast)
from sentence_transformers import SentenceTransformer, models
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stress_corpus import stress_texts
from golden_files import open_golden

p = argparse.ArgumentParser()
p.add_argument("minilm"); p.add_argument("mpnet"); p.add_argument("out")
p.add_argument("--seed", type=int, default=7); p.add_argument("--texts", type=int, default=200)
a = p.parse_args()
torch.manual_seed(a.seed)
os.makedirs(a.out, exist_ok=True)
tokdir = os.path.join(a.out, "tokenizers"); os.makedirs(tokdir, exist_ok=True)

# Texts: the stress generator, plus the special-token spellings of these tokenizers.
extra = ["<s>", "</s> <pad> <mask>", "<unk>", "hello<mask>world", " leading and trailing ",
         "▁already▁has▁metaspace", "Ġbyte Ġlevel", "ＮＦＫＣ：①②③ ﬁ ™", "日本語のテキストと English の混在",
         "한국어 텍스트입니다", "नमस्ते दुनिया", "مرحبا بالعالم", "Ελληνικά κείμενα", "tab\tand\nnewline"]
texts = extra + stress_texts(a.seed * 1000 + 3, a.texts - len(extra))

# Training corpus for the two trained tokenizers: other stress texts (multilingual), never `texts`.
train = stress_texts(a.seed * 1000 + 4, 4000)
here = os.path.dirname(os.path.abspath(__file__))
sts = next(f for f in (os.path.join(here, "..", "reference", "stsb-dev.tsv"), os.path.join(here, "..", "shared", "reference", "stsb-dev.tsv")) if os.path.exists(f))
train += [l.split("\t")[5] for l in open(sts, encoding="utf-8") if l.count("\t") >= 6][:1500]
with tempfile.TemporaryDirectory() as t:
    corpus = os.path.join(t, "corpus.txt")
    with open(corpus, "w", encoding="utf-8") as f:
        for s in train:
            s = " ".join(s.split())
            if s: f.write(s + "\n")
    # Unigram, as XLM-R's sentencepiece.bpe.model (which is a unigram model despite its name):
    # nmt_nfkc normalization, dummy prefix, whitespace collapsing; converted by transformers.
    spm.set_random_generator_seed(a.seed)
    spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(t, "sp"), vocab_size=4000,
                                   model_type="unigram", character_coverage=0.9995, normalization_rule_name="nmt_nfkc",
                                   num_threads=1, minloglevel=2)
    os.makedirs(os.path.join(t, "spm")); shutil.copy(os.path.join(t, "sp.model"), os.path.join(t, "spm", "sentencepiece.bpe.model"))
    uni = XLMRobertaTokenizerFast.from_pretrained(os.path.join(t, "spm"))   # needs protobuf >= 7 with transformers 5
    uni_dir = os.path.join(tokdir, "unigram"); shutil.rmtree(uni_dir, ignore_errors=True)
    uni.save_pretrained(uni_dir)
    for f in os.listdir(uni_dir):
        if f.endswith(".model"): os.remove(os.path.join(uni_dir, f))   # tokenizer.json alone must suffice
    # Byte-level BPE, as RoBERTa's.
    bpe = ByteLevelBPETokenizer()
    bpe.train([corpus], vocab_size=3000, min_frequency=2, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    os.makedirs(os.path.join(t, "bpe")); bpe.save_model(os.path.join(t, "bpe"))
    from transformers import RobertaTokenizerFast
    bpe_tok = RobertaTokenizerFast.from_pretrained(os.path.join(t, "bpe"))
    bpe_dir = os.path.join(tokdir, "bpe"); shutil.rmtree(bpe_dir, ignore_errors=True)
    bpe_tok.save_pretrained(bpe_dir)
    for f in ("vocab.json", "merges.txt"):
        if os.path.exists(os.path.join(bpe_dir, f)): os.remove(os.path.join(bpe_dir, f))

for name in ("unigram", "bpe"):
    tok = AutoTokenizer.from_pretrained(os.path.join(tokdir, name))
    spec = json.load(open(os.path.join(tokdir, name, "tokenizer.json"), encoding="utf-8"))
    print(name, "normalizer", (spec.get("normalizer") or {}).get("type"), "pre", (spec.get("pre_tokenizer") or {}).get("type"),
          "model", spec["model"]["type"], "post", (spec.get("post_processor") or {}).get("type"), "vocab", len(tok))
    with open_golden(os.path.join(tokdir, name + "-ids.jsonl.gz"), "w") as f:
        for s in texts + stress_texts(a.seed * 1000 + 5, 1000):
            f.write(json.dumps({"text": s, "ids": tok(s)["input_ids"]}, ensure_ascii=False) + "\n")

H, HEADS, FF = 32, 4, 64
def tiny(name, model, tokenizer_dir, maxlen, pool, dense=False, norm=True):
    d = os.path.join(a.out, name); tmp = d + ".hf"
    shutil.rmtree(d, ignore_errors=True); shutil.rmtree(tmp, ignore_errors=True)
    model.eval().save_pretrained(tmp, safe_serialization=True)
    AutoTokenizer.from_pretrained(tokenizer_dir).save_pretrained(tmp)
    tr = models.Transformer(tmp, max_seq_length=maxlen)
    mods = [tr, models.Pooling(H, **pool)]
    if dense:
        mods.append(models.Dense(mods[1].get_sentence_embedding_dimension(), 24, activation_function=torch.nn.Tanh()))
    if norm:
        mods.append(models.Normalize())
    SentenceTransformer(modules=mods, device="cpu").save(d, safe_serialization=True)
    shutil.rmtree(tmp)
    st = SentenceTransformer(d, device="cpu")
    embs = st.encode(texts, batch_size=16)
    with open_golden(os.path.join(a.out, name + ".jsonl.gz"), "w") as f:
        for s, e in zip(texts, embs):
            ids = st.tokenizer(s, truncation=True, max_length=st.max_seq_length)["input_ids"]
            f.write(json.dumps({"text": s, "ids": ids, "embedding": [round(float(x), 7) for x in e]}, ensure_ascii=False) + "\n")
    cfg = json.load(open(os.path.join(d, "config.json")))
    print(name, cfg["model_type"], "dim", embs.shape[1], "max_seq_length", st.max_seq_length)

uni_dir, bpe_dir = os.path.join(tokdir, "unigram"), os.path.join(tokdir, "bpe")
n_uni = len(AutoTokenizer.from_pretrained(uni_dir)); n_bpe = len(AutoTokenizer.from_pretrained(bpe_dir))

n_mpnet = len(AutoTokenizer.from_pretrained(a.mpnet)); n_minilm = len(AutoTokenizer.from_pretrained(a.minilm))

tiny("tiny-mpnet-mean", MPNetModel(MPNetConfig(vocab_size=n_mpnet, hidden_size=H, num_hidden_layers=2, num_attention_heads=HEADS,
     intermediate_size=FF, max_position_embeddings=130, relative_attention_num_buckets=32), add_pooling_layer=False),
     a.mpnet, 128, dict(pooling_mode="mean"))
tiny("tiny-distilbert-cls-dense", DistilBertModel(DistilBertConfig(vocab_size=n_minilm, dim=H, n_layers=2, n_heads=HEADS,
     hidden_dim=FF, max_position_embeddings=128)), a.minilm, 48, dict(pooling_mode="cls"), dense=True)
tiny("tiny-xlmr-mean", XLMRobertaModel(XLMRobertaConfig(vocab_size=n_uni, hidden_size=H, num_hidden_layers=2, num_attention_heads=HEADS,
     intermediate_size=FF, max_position_embeddings=66, type_vocab_size=1, pad_token_id=1), add_pooling_layer=False),
     uni_dir, 64, dict(pooling_mode="mean"))
tiny("tiny-bert-unigram", BertModel(BertConfig(vocab_size=n_uni, hidden_size=H, num_hidden_layers=2, num_attention_heads=HEADS,
     intermediate_size=FF, max_position_embeddings=128), add_pooling_layer=False),
     uni_dir, 40, dict(pooling_mode="mean"), norm=False)
tiny("tiny-roberta-bpe", RobertaModel(RobertaConfig(vocab_size=n_bpe, hidden_size=H, num_hidden_layers=2, num_attention_heads=HEADS,
     intermediate_size=FF, max_position_embeddings=50, type_vocab_size=1, pad_token_id=1), add_pooling_layer=False),
     bpe_dir, 48, dict(pooling_mode="cls"))
tiny("tiny-modernbert", ModernBertModel(ModernBertConfig(vocab_size=n_bpe, hidden_size=H, num_hidden_layers=3, num_attention_heads=HEADS,
     intermediate_size=FF, max_position_embeddings=256, local_attention=16, global_attn_every_n_layers=2,
     pad_token_id=1, bos_token_id=0, eos_token_id=2, cls_token_id=0, sep_token_id=2)),
     bpe_dir, 96, dict(pooling_mode="mean"))
