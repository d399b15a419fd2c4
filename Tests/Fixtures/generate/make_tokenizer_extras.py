"""Extra tokenizer references for the Unigram / BPE pipeline, made with the Hugging Face `tokenizers`
library alone (`pip install tokenizers`, 0.23.3 here; no torch, no transformers).

usage: python make_tokenizer_extras.py FIXTURES_DIR [--texts N]
  FIXTURES_DIR: Tests/Fixtures (reads arch/tokenizers/*, writes tokenizers-extra/*)

Writes, in FIXTURES_DIR/tokenizers-extra/:
  metaspace-ids.jsonl.gz  first line {"variants": {name: pre_tokenizer}}: XLM-R style pre-tokenizers
                       to put in place of the one in arch/tokenizers/unigram/tokenizer.json (a single
                       Metaspace with prepend_scheme always / first / never, split or not, and the
                       legacy add_prefix_space form); then one line per text {"text", "ids": {name: ids}}.
  components-ids.jsonl.gz  the same for other normalizers and pre-tokenizers: {"variants": {name:
                       {"normalizer", "pre_tokenizer"}}} (NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents,
                       Replace with a string and a regex, Prepend, Nmt, Whitespace, CharDelimiterSplit, Punctuation, Digits, Split with
                       every behaviour and invert, GPT-2's pattern as a Split regex, BertNormalizer and
                       BertPreTokenizer), on the texts shorter than 300 characters (160 of them) and the edge cases.
  bytelevel-ids.jsonl.gz  the same for byte-level pre-tokenizers on the arch BPE: Llama-3's and Qwen2's split
                       patterns as Split regexes before ByteLevel(use_regex: false), add_prefix_space, no regex
                       (texts shorter than 600 characters, and 300 made of contractions in every case,
                       line breaks, digit runs and other pieces those patterns treat specially).
  unigram-byte-fallback-ids.jsonl.gz  {"text", "ids"}: the arch Unigram with the 256 "<0xXX>" pieces appended to its
                       vocabulary (score -30) and byte_fallback: true.
  unicode-forms.jsonl.gz  {"text", "NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Lowercase"}: those normalizers
                       on the short texts and on 400 random hard cases (supplementary starters before marks,
                       mixed combining classes, Hangul jamo of every kind, exclusions, singletons).
  llama-bpe/tokenizer.json  a Llama-style SentencePiece BPE built here: Prepend("▁") + Replace(" ", "▁")
                       normalizer, no pre-tokenizer, BPE with byte_fallback and fuse_unk, <0x00>…<0xFF>
                       pieces, merges in the "a b" string form, TemplateProcessing "<s> $A".
  llama-bpe-ids.jsonl.gz  {"text", "ids"} for it (special tokens added, no truncation).
  bpe-suffix/, bpe-suffix-ids.jsonl.gz, bpe-prefix/, bpe-prefix-ids.jsonl.gz  two more trained BPEs: end_of_word_suffix
                       "</w>" with NFC + Lowercase and Whitespace (CLIP-like); continuing_subword_prefix "##"
                       with ignore_merges and BertPreTokenizer.
  stripped-ids.jsonl.gz   {"text", "unigram", "bpe"}: the ids of text.strip() with the two arch tokenizers,
                       what sentence-transformers feeds them (arch/tokenizers/*-ids.jsonl.gz are unstripped).
Texts: the first N lines of arch/tokenizers/unigram-ids.jsonl.gz plus a few hand-written edge cases.
Everything but the three trained BPEs is deterministic; their training breaks frequency ties in hash-map order,
so a rerun gives a different (equally valid) tokenizer.json with its own ids: the committed pair goes together."""
import argparse, copy, json, os, random, sys
from tokenizers import Tokenizer, models, normalizers, processors, trainers
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from golden_files import open_golden

p = argparse.ArgumentParser()
p.add_argument("fixtures"); p.add_argument("--texts", type=int, default=260)
a = p.parse_args()
arch = os.path.join(a.fixtures, "arch", "tokenizers")
out = os.path.join(a.fixtures, "tokenizers-extra")
os.makedirs(out, exist_ok=True)

texts = [json.loads(l)["text"] for l in open_golden(os.path.join(arch, "unigram-ids.jsonl.gz"))][: a.texts]
texts += ["<0x41> literal byte piece", "▁▁double metaspace", " leading space", "trailing space ",
          "a  b   c", "<s>hello</s> <unk>", "ǅemo ǈ ǋ", "\u0301 lone combining", "e\u0301\u0301 stacked",
          "ﬁ\u0301 ligature+mark", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛", "\U000E0041 tag char", "x" * 300,
          "\x01hello", "\x01 hello", "\u0301hello world", "\x01\x02hello<s>\x01x", "\ufeffhello", "\u200bhello"]
write = lambda f, obj: f.write(json.dumps(obj, ensure_ascii=False) + "\n")

# (a) XLM-R style single Metaspace pre-tokenizers on the arch Unigram tokenizer.
spec = json.load(open(os.path.join(arch, "unigram", "tokenizer.json"), encoding="utf-8"))
variants = {
    "always": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True},
    "first": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": True},
    "never": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": True},
    "always-nosplit": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": False},
    "legacy": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True},
}
toks = {}
for name, pre in variants.items():
    s = copy.deepcopy(spec); s["pre_tokenizer"] = pre
    toks[name] = Tokenizer.from_str(json.dumps(s))
with open_golden(os.path.join(out, "metaspace-ids.jsonl.gz"), "w") as f:
    write(f, {"variants": variants})
    for t in texts:
        write(f, {"text": t, "ids": {n: tok.encode(t).ids for n, tok in toks.items()}})

# (a') Other normalizers and pre-tokenizers, each combination put in place of the Unigram tokenizer's own.
P = lambda t, **k: dict(type=t, **k)
ms = P("Metaspace", replacement="▁", prepend_scheme="always", split=True)
combos = {
    "nfkc-lowercase": (P("Sequence", normalizers=[P("NFKC"), P("Lowercase")]), P("Sequence", pretokenizers=[P("WhitespaceSplit"), ms])),
    "nfd-stripaccents-strip": (P("Sequence", normalizers=[P("NFD"), P("StripAccents"), P("Strip", strip_left=True, strip_right=True)]),
                               P("Sequence", pretokenizers=[P("Whitespace"), ms])),
    "nfc": (P("NFC"), ms),
    "nfkd-strip-right": (P("Sequence", normalizers=[P("NFKD"), P("Strip", strip_left=False, strip_right=True)]), ms),
    "punctuation-digits": (P("NFKC"), P("Sequence", pretokenizers=[P("Punctuation", behavior="Isolated"),
                           P("Digits", individual_digits=True), P("WhitespaceSplit"), ms])),
    "split-behaviours": (None, P("Sequence", pretokenizers=[P("Split", pattern={"Regex": "\\s+"}, behavior="Removed", invert=False),
                         P("Split", pattern={"String": "-"}, behavior="MergedWithPrevious", invert=False),
                         P("Split", pattern={"String": "."}, behavior="MergedWithNext", invert=False),
                         P("Punctuation", behavior="Contiguous"), P("Digits", individual_digits=False), ms])),
    "split-invert": (None, P("Sequence", pretokenizers=[P("Split", pattern={"String": " "}, behavior="Isolated", invert=True), ms])),
    "split-gpt2-regex": (None, P("Sequence", pretokenizers=[P("Split", pattern={"Regex": "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"},
                         behavior="Isolated", invert=False), ms])),
    "bert": (P("BertNormalizer", clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True), P("Sequence", pretokenizers=[P("BertPreTokenizer"), ms])),
    # Metaspace's first scheme after normalizers that drop the leading character (which moves the start).
    "first-after-nmt": (P("Nmt"), P("Metaspace", replacement="▁", prepend_scheme="first", split=False)),
    "first-after-strip": (P("Strip", strip_left=True, strip_right=False), P("Metaspace", replacement="▁", prepend_scheme="first", split=True)),
    "first-after-bert": (P("BertNormalizer", clean_text=True, handle_chinese_chars=True, strip_accents=True, lowercase=False),
                         P("Sequence", pretokenizers=[P("WhitespaceSplit"), P("Metaspace", replacement="▁", prepend_scheme="first", split=True)])),
    "first-after-replace": (P("Sequence", normalizers=[P("Replace", pattern={"String": "\x01"}, content=""), P("Prepend", prepend="Q")]),
                            P("Metaspace", replacement="▁", prepend_scheme="first", split=False)),
    "nmt-chardelimiter": (P("Nmt"), P("Sequence", pretokenizers=[P("CharDelimiterSplit", delimiter=" "), ms])),
    "replace-regex-prepend": (P("Sequence", normalizers=[P("Replace", pattern={"Regex": "[0-9]+"}, content="#"),
                              P("Replace", pattern={"String": "  "}, content=" "), P("Prepend", prepend="▁")]), P("WhitespaceSplit")),
}
toks = {}
for name, (norm, pre) in combos.items():
    s = copy.deepcopy(spec); s["normalizer"] = norm; s["pre_tokenizer"] = pre
    toks[name] = Tokenizer.from_str(json.dumps(s))
with open_golden(os.path.join(out, "components-ids.jsonl.gz"), "w") as f:
    write(f, {"variants": {n: {"normalizer": c[0], "pre_tokenizer": c[1]} for n, c in combos.items()}})
    for t in [t for t in texts if len(t) < 300][:160] + texts[-13:]:
        write(f, {"text": t, "ids": {n: tok.encode(t).ids for n, tok in toks.items()}})

# (a4) Byte-level pre-tokenizer variants on the arch BPE: Llama-3's and Qwen2's split patterns as Split
# regexes before ByteLevel(use_regex: false), ByteLevel with add_prefix_space, ByteLevel without the regex.
bspec = json.load(open(os.path.join(arch, "bpe", "tokenizer.json"), encoding="utf-8"))
bl = lambda prefix, regex: P("ByteLevel", add_prefix_space=prefix, trim_offsets=True, use_regex=regex)
llama3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
qwen2 = llama3.replace(r"\p{N}{1,3}", r"\p{N}")
bvariants = {
    "llama3-split": P("Sequence", pretokenizers=[P("Split", pattern={"Regex": llama3}, behavior="Isolated", invert=False), bl(False, False)]),
    "qwen2-split": P("Sequence", pretokenizers=[P("Split", pattern={"Regex": qwen2}, behavior="Isolated", invert=False), bl(False, False)]),
    "prefix-space": bl(True, True),
    "no-regex": bl(False, False),
}
btoks = {}
for name, pre in bvariants.items():
    s2 = copy.deepcopy(bspec); s2["pre_tokenizer"] = pre
    btoks[name] = Tokenizer.from_str(json.dumps(s2))
with open_golden(os.path.join(out, "bytelevel-ids.jsonl.gz"), "w") as f:
    write(f, {"variants": bvariants})
    atoms = ["'s", "'S", "'\u017f", "'ll", "'LL", "'Re", "'vE", "'m", "'d", "'t", "'x", "'", "\r\n", "\n", "\r", " ", "  ",
             "\t", "\u00a0", "\u3000", "a", "Z", "\u00e9", "\u00df", "\u0130", "1", "12", "12345", "\u0663", "\u216b",
             "\u00bd", "!", "?!", "...", "-", "_", "\U0001f600", "\u0301", "\u200d", "\u4e2d"]
    arng = random.Random(4)
    contractions = ["".join(arng.choice(atoms) for _ in range(arng.randint(1, 25))) for _ in range(300)]
    for t in [t for t in texts if len(t) < 600] + contractions:
        write(f, {"text": t, "ids": {n: tok.encode(t).ids for n, tok in btoks.items()}})

# (a3) Unigram with byte_fallback: the 256 <0xXX> pieces appended to the vocabulary (score -30),
# `byte_fallback: true`; unknown runs then become their UTF-8 bytes.
s = copy.deepcopy(spec)
s["model"]["vocab"] += [["<0x%02X>" % b, -30.0] for b in range(256)]
s["model"]["byte_fallback"] = True
for t in s["added_tokens"]:
    if t["content"] == "<mask>":
        t["id"] = len(s["model"]["vocab"])
fallback = Tokenizer.from_str(json.dumps(s))
with open_golden(os.path.join(out, "unigram-byte-fallback-ids.jsonl.gz"), "w") as f:
    for t in texts:
        write(f, {"text": t, "ids": fallback.encode(t).ids})

# (a'') The normalization forms themselves, on the texts and on hard cases: supplementary-plane starters
# before combining marks, marks of mixed classes, modern and archaic Hangul jamo (conjoining, halfwidth,
# compatibility), composition exclusions and singletons, compatibility characters.
import random
rng = random.Random(5)
hard_pools = [[0x10059, 0x1D400, 0x1F600, 0x20000, 0x11099, 0x1109A, 0x1D15E, 0x1D15F],
              list(range(0x300, 0x315)) + [0x316, 0x31B, 0x321, 0x327, 0x334, 0x345, 0x5B0, 0x5BC, 0x93C, 0x94D, 0x3099, 0x309A, 0x1D165, 0x1D16D],
              list(range(0x1100, 0x1116)) + list(range(0x1161, 0x1179)) + list(range(0x11A8, 0x11C6)) + [0x1113, 0x115F, 0x1160],
              list(range(0xFFA0, 0xFFDD)) + list(range(0x3131, 0x318F)),
              [0xAC00, 0xAC01, 0xD7A3, 0xB098, 0xC5B4],
              [0x958, 0x2ADC, 0xFB1D, 0x340, 0x341, 0x343, 0x344, 0x374, 0x37E, 0x387, 0x2126, 0x212A, 0x212B, 0x1F71, 0x1FBB],
              [0xA0, 0xAA, 0xB2, 0xBD, 0x132, 0x17F, 0x1C4, 0x2160, 0x2460, 0x3000, 0x3300, 0xFB01, 0xFDFA, 0xFF21, 0x1D400, 0x1F100],
              [0x41, 0x61, 0x45, 0x65, 0x55, 0x75, 0x49, 0x69, 0x4F, 0x3B1, 0x3C9, 0x430, 0x306B, 0x30AB, 0x20]]
hard = ["".join(chr(rng.choice(rng.choice(hard_pools))) for _ in range(rng.randint(1, 12))) for _ in range(400)]
forms = {n: getattr(normalizers, n)() for n in ("NFC", "NFD", "NFKC", "NFKD", "StripAccents", "Lowercase")}
with open_golden(os.path.join(out, "unicode-forms.jsonl.gz"), "w") as f:
    for t in [t for t in texts if len(t) < 300] + hard:
        write(f, {"text": t, **{n: fn.normalize_str(t) for n, fn in forms.items()}})

# (b) Llama-style SentencePiece BPE with byte fallback, trained on other stress texts.
train = [json.loads(l)["text"] for l in open_golden(os.path.join(arch, "bpe-ids.jsonl.gz"))][a.texts:]
base = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True, byte_fallback=True))
base.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
base.train_from_iterator(train, trainers.BpeTrainer(vocab_size=1200, limit_alphabet=150, show_progress=False,
                                                    special_tokens=["<unk>", "<s>", "</s>"]))
trained = json.loads(base.to_str())
vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
for b in range(256):
    vocab["<0x%02X>" % b] = len(vocab)
for token, _ in sorted(trained["model"]["vocab"].items(), key=lambda kv: kv[1]):
    if token not in vocab:
        vocab[token] = len(vocab)
merges = [m if isinstance(m, str) else " ".join(m) for m in trained["model"]["merges"]]
llama = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True} for c, i in (("<unk>", 0), ("<s>", 1), ("</s>", 2))],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                       {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
    "pre_tokenizer": None,
    "post_processor": {"type": "TemplateProcessing",
                       "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                       "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                       "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
    "decoder": None,
    "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
              "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
              "vocab": vocab, "merges": merges},
}
os.makedirs(os.path.join(out, "llama-bpe"), exist_ok=True)
with open(os.path.join(out, "llama-bpe", "tokenizer.json"), "w", encoding="utf-8") as f:
    json.dump(llama, f, ensure_ascii=False, indent=1)
tok = Tokenizer.from_file(os.path.join(out, "llama-bpe", "tokenizer.json"))
with open_golden(os.path.join(out, "llama-bpe-ids.jsonl.gz"), "w") as f:
    for t in texts:
        write(f, {"text": t, "ids": tok.encode(t).ids})

# (b2) Two more trained BPEs for the model's other options: a CLIP-like one with end_of_word_suffix "</w>"
# (NFC + Lowercase, Whitespace pre-tokenizer, unknown tokens not fused), and one with
# continuing_subword_prefix "##" and ignore_merges (BertPreTokenizer). Trained like the Llama-style one,
# so also committed as pairs.
from tokenizers import pre_tokenizers
variants_bpe = {
    "bpe-suffix": dict(model=models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"),
                       trainer=trainers.BpeTrainer(vocab_size=900, limit_alphabet=120, end_of_word_suffix="</w>",
                                                   special_tokens=["<unk>"], show_progress=False),
                       normalizer=normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()]),
                       pre=pre_tokenizers.Whitespace()),
    "bpe-prefix": dict(model=models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", ignore_merges=True),
                       trainer=trainers.BpeTrainer(vocab_size=900, limit_alphabet=120, continuing_subword_prefix="##",
                                                   special_tokens=["[UNK]"], show_progress=False),
                       normalizer=None, pre=pre_tokenizers.BertPreTokenizer()),
}
for name, v in variants_bpe.items():
    tok = Tokenizer(v["model"])
    if v["normalizer"] is not None:
        tok.normalizer = v["normalizer"]
    tok.pre_tokenizer = v["pre"]
    tok.train_from_iterator(train, v["trainer"])
    spec_bpe = json.loads(tok.to_str())
    spec_bpe["model"]["ignore_merges"] = name == "bpe-prefix"
    tok = Tokenizer.from_str(json.dumps(spec_bpe))
    os.makedirs(os.path.join(out, name), exist_ok=True)
    tok.save(os.path.join(out, name, "tokenizer.json"))
    with open_golden(os.path.join(out, name + "-ids.jsonl.gz"), "w") as f:
        for t in texts:
            write(f, {"text": t, "ids": tok.encode(t).ids})

# (c) What sentence-transformers feeds the arch tokenizers: the stripped text.
uni = Tokenizer.from_file(os.path.join(arch, "unigram", "tokenizer.json"))
bpe = Tokenizer.from_file(os.path.join(arch, "bpe", "tokenizer.json"))
with open_golden(os.path.join(out, "stripped-ids.jsonl.gz"), "w") as f:
    for t in texts:
        write(f, {"text": t, "unigram": uni.encode(t.strip()).ids, "bpe": bpe.encode(t.strip()).ids})
print("texts", len(texts), "llama vocab", len(vocab), "merges", len(merges))
