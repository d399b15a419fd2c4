"""A small uncased WordPiece vocabulary for the tiny random-weight test models, in place of BERT's
30,522 tokens (whose 30,522 x 32 embedding table made each tiny model 4 MB).

usage: python make_wordpiece_vocab.py MINILM_DIR MPNET_DIR OUT_DIR [--size N] [--seed S]
  MINILM_DIR: a folder with all-MiniLM-L6-v2's tokenizer files (Tests/Fixtures/all-MiniLM-L6-v2-tokenizer will do)
  MPNET_DIR:  a folder with all-mpnet-base-v2's tokenizer.json and tokenizer_config.json
Writes two tokenizer folders that the model scripts take in place of the real models' folders:
  OUT_DIR/bert-uncased/  all-MiniLM-L6-v2's tokenizer files (bert-base-uncased's pipeline: BertNormalizer,
                         BertPreTokenizer, WordPiece, [CLS] $A [SEP]) with the small vocabulary (tokenizer.json,
                         vocab.txt, tokenizer_config.json, special_tokens_map.json)
  OUT_DIR/mpnet/         all-mpnet-base-v2's tokenizer.json and tokenizer_config.json with the same vocabulary laid
                         out as MPNet lays out BERT's: <s> <pad> </s> <unk>, the BERT vocabulary shifted by 4, <mask>
                         last (checked below on the real pair: every real MPNet id is the BERT id + 4)

The vocabulary is a subset of bert-base-uncased's, in its order: its first 104 tokens ([PAD], [unused0..98],
[UNK], [CLS], [SEP], [MASK], so the special ids stay 0, 100, 101, 102, 103), the REQUIRED words, every
single-character piece ("x" and "##x") the real vocabulary has for the characters of a corpus (stress texts of
another seed than any golden file's, plus the STS-B dev sentences), then the pieces the real tokenizer uses
most on that corpus (ties by id) up to N tokens. So, as in the real vocabulary, accented letters are absent
(a cased or accent-keeping tokenizer turns "café" into [UNK]), letters NFD cannot strip (ß, æ, ø) are present,
characters the real vocabulary lacks (most emoji) are [UNK], and every word is spelt with real BERT pieces.
(`tokenizers`' WordPiece trainer was tried first: it breaks frequency ties in hash-map order, so each run
gave another vocabulary.) Same arguments -> same files.
"""
import argparse, json, os, shutil, sys
from collections import Counter
from tokenizers import Tokenizer
from transformers import AutoTokenizer
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stress_corpus import stress_texts

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Words the Swift tests spell out, as text or as ids: "hello world" (ModelDescriptionTests), "cafe"
# (WordPieceTokenizerTests), "token" (ArchitectureTests.nomicLongContext: 2,100 of them are 2,100 tokens),
# "query: here is a sentence" (SentenceEncoderTests: a 3-token prompt).
REQUIRED = ["hello", "world", "cafe", "token", "query", "here", "is", "a", "sentence", ":"]

p = argparse.ArgumentParser()
p.add_argument("minilm"); p.add_argument("mpnet"); p.add_argument("out")
p.add_argument("--size", type=int, default=3000); p.add_argument("--seed", type=int, default=16)
a = p.parse_args()

here = os.path.dirname(os.path.abspath(__file__))
sts = os.path.join(here, "..", "reference", "stsb-dev.tsv")
corpus = stress_texts(a.seed * 1000 + 1, 4000)
for line in open(sts, encoding="utf-8"):
    cols = line.rstrip("\n").split("\t")
    if len(cols) >= 7:
        corpus += [cols[5], cols[6]]

real_tok = Tokenizer.from_file(os.path.join(a.minilm, "tokenizer.json"))
real_tok.no_truncation(); real_tok.no_padding()
real = real_tok.get_vocab()  # token -> id
by_id = sorted(real, key=real.get)
assert by_id[:104] == ["[PAD]"] + [f"[unused{i}]" for i in range(99)] + ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
chosen = set(by_id[:104]) | set(REQUIRED)
counts = Counter()
for s in corpus:
    counts.update(real_tok.encode(s, add_special_tokens=False).tokens)
    for word, _ in real_tok.pre_tokenizer.pre_tokenize_str(real_tok.normalizer.normalize_str(s)):
        chosen.update(piece for piece in [word[0]] + ["##" + c for c in word[1:]] if piece in real)
assert len(chosen) < a.size, f"{len(chosen)} character pieces already: raise --size"
for piece, _ in sorted(counts.items(), key=lambda kv: (-kv[1], real[kv[0]])):
    if len(chosen) == a.size:
        break
    chosen.add(piece)
tokens = sorted(chosen, key=real.get)
assert len(tokens) == a.size, (len(tokens), a.size)
vocab = {w: i for i, w in enumerate(tokens)}
assert [vocab[s] for s in SPECIAL] == [0, 100, 101, 102, 103]

# bert-uncased: all-MiniLM-L6-v2's tokenizer with this vocabulary.
bert = os.path.join(a.out, "bert-uncased"); shutil.rmtree(bert, ignore_errors=True); os.makedirs(bert)
spec = json.load(open(os.path.join(a.minilm, "tokenizer.json"), encoding="utf-8"))
assert spec["model"]["type"] == "WordPiece" and spec["normalizer"]["type"] == "BertNormalizer"
assert {t["content"]: t["id"] for t in spec["added_tokens"]} == {s: vocab[s] for s in SPECIAL}
assert spec["post_processor"]["special_tokens"]["[CLS]"]["ids"] == [101] and spec["post_processor"]["special_tokens"]["[SEP]"]["ids"] == [102]
spec["model"]["vocab"] = vocab
with open(os.path.join(bert, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(spec, f, ensure_ascii=False, indent=2)
with open(os.path.join(bert, "vocab.txt"), "w", encoding="utf-8") as f:
    f.write("".join(w + "\n" for w in tokens))
for name in ("tokenizer_config.json", "special_tokens_map.json"):
    shutil.copy(os.path.join(a.minilm, name), os.path.join(bert, name))

# mpnet: all-mpnet-base-v2's tokenizer with the same vocabulary, laid out as the real one is.
mp_spec = json.load(open(os.path.join(a.mpnet, "tokenizer.json"), encoding="utf-8"))
head = ["<s>", "<pad>", "</s>", "<unk>"]
assert all(mp_spec["model"]["vocab"][w] == i + len(head) for w, i in real.items()), "MPNet's vocabulary is not BERT's + 4"
assert [mp_spec["model"]["vocab"][w] for w in head] == [0, 1, 2, 3] and mp_spec["model"]["vocab"]["<mask>"] == len(real) + len(head)
mp_tokens = head + tokens + ["<mask>"]
mp_vocab = {w: i for i, w in enumerate(mp_tokens)}
mp_spec["model"]["vocab"] = mp_vocab
for t in mp_spec["added_tokens"]:
    t["id"] = mp_vocab[t["content"]]
pp = mp_spec["post_processor"]
assert pp["type"] == "RobertaProcessing" and pp["cls"] == ["<s>", 0] and pp["sep"] == ["</s>", 2]
mp = os.path.join(a.out, "mpnet"); shutil.rmtree(mp, ignore_errors=True); os.makedirs(mp)
with open(os.path.join(mp, "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(mp_spec, f, ensure_ascii=False, indent=2)
shutil.copy(os.path.join(a.mpnet, "tokenizer_config.json"), os.path.join(mp, "tokenizer_config.json"))

# Both load in transformers and agree with each other as the real pair does (apart from BERT's special
# tokens spelt in a text, which MPNet's tokenizer reads as words).
bt, mt = AutoTokenizer.from_pretrained(bert), AutoTokenizer.from_pretrained(mp)
assert len(bt) == a.size and len(mt) == a.size + 5, (len(bt), len(mt))
probe = stress_texts(a.seed * 1000 + 2, 300)
unk = total = 0
for s in probe:
    b, m = bt(s)["input_ids"], mt(s)["input_ids"]
    assert b[0] == 101 and b[-1] == 102 and m[0] == 0 and m[-1] == 2
    assert [i + 4 for i in b[1:-1]] == m[1:-1] or any(x in s for x in SPECIAL), s
    unk += b.count(100); total += len(b) - 2
for w in REQUIRED:
    assert bt(w, add_special_tokens=False)["input_ids"] == [vocab[w]], w
print(f"vocabulary {a.size} tokens ({sum(w.startswith('##') for w in tokens)} continuations, "
      f"{sum(len(w.removeprefix('##')) == 1 for w in tokens[104:])} single characters); "
      f"probe texts: {total} tokens, {unk / max(total, 1):.1%} [UNK]; wrote {bert} and {mp}")
