"""Ground truth for EmbedTokenizerTests beyond the shared fixtures, from the real Hugging Face
`tokenizers` package (Python binding of the Rust crate that sentence-transformers uses).

usage (in a virtual environment with `pip install tokenizers`, from the repository root):
    python Tests/Fixtures/all-MiniLM-L6-v2-tokenizer/parity/make_parity_fixtures.py

Writes, next to this script:
- unicode-normalizer.txt: what BertNormalizer does to every Unicode scalar, for three settings
  (uncased, cased, lower-case without accent stripping), and which scalars BertPreTokenizer
  isolates (punctuation) or drops (white space). Lines: `D lo hi` (dropped), `S lo hi` (becomes a
  space), `W lo hi` (surrounded with spaces: CJK), `M cp out…` (replaced by the scalars `out`),
  all in hex; every scalar not listed is kept unchanged. Pre-tokenizer section: `P lo hi`, `S lo hi`.
- edge-cases.jsonl.gz: seeded stress texts with newer Unicode, format characters, marks that need
  canonical reordering, Hangul, final sigma, dotted capital I…, each with the ids of four
  tokenizers, all on the default model's 30,522-token vocabulary: the default model (uncased), its
  tokenizer with tiny-maxmean-cased's normalizer (cased), with tiny-sqrtlen-dense's (lower-case,
  accents kept), and the cased one behind sentence-transformers' do_lower_case (`text.strip().lower()`
  in Python before tokenizing). No truncation below 512 tokens. (The tiny models had this vocabulary
  and were used whole until they got a 3,000-token one; only their normalizers differ from the
  default tokenizer, so the file is unchanged.)
- added-tokens.jsonl.gz: the default tokenizer plus added tokens with every flag combination
  (first line: the tokens), then texts with their ids.
JSON Lines are written gzip-compressed (../../generate/golden_files.py).
"""
import json
import os
import random
import sys

from tokenizers import AddedToken, Tokenizer, normalizers, pre_tokenizers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
DEFAULT = os.path.join(HERE, "..", "tokenizer.json")
TINY = os.path.join(ROOT, "Tests", "Fixtures", "tiny")
sys.path.insert(0, os.path.join(ROOT, "Tests", "Fixtures", "generate"))
from golden_files import open_golden  # noqa: E402


def scalars():
    for c in range(0x110000):
        if not 0xD800 <= c <= 0xDFFF:
            yield c


def compress(lines_by_kind):
    """Turns (kind, cp) runs into `kind lo hi` lines."""
    out = []
    for kind, cp in lines_by_kind:
        if out and out[-1][0] == kind and out[-1][2] == cp - 1:
            out[-1][2] = cp
        else:
            out.append([kind, cp, cp])
    return [f"{k} {lo:X} {hi:X}" for k, lo, hi in out]


def write_unicode_normalizer(path):
    settings = [("uncased", True, None), ("cased", False, None), ("lowercase-keep-accents", True, False)]
    lines = []
    for name, lower, strip in settings:
        n = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=strip, lowercase=lower)
        lines.append(f"# normalizer {name} lowercase={lower} strip_accents={strip}")
        runs, maps = [], []
        for c in scalars():
            ch = chr(c)
            out = n.normalize_str(ch)
            if out == ch:
                continue
            if out == "":
                runs.append(("D", c))
            elif out == " ":
                runs.append(("S", c))
            elif out == " " + ch + " ":
                runs.append(("W", c))
            else:
                maps.append(f"M {c:X} " + " ".join(f"{ord(x):X}" for x in out))
        lines += compress(runs) + maps
    pt = pre_tokenizers.BertPreTokenizer()
    lines.append("# pretokenizer")
    runs = []
    for c in scalars():
        ch = chr(c)
        words = [w for w, _ in pt.pre_tokenize_str("a" + ch + "b")]
        if words == ["a", "b"]:
            runs.append(("S", c))
        elif words == ["a", ch, "b"]:
            runs.append(("P", c))
        elif words != ["a" + ch + "b"]:
            raise SystemExit(f"unexpected pre-tokenization of U+{c:04X}: {words}")
    lines += compress(runs)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


PIECES = [
    # newer or unusual Unicode: punctuation, format, marks and letters assigned after 9.0
    "\u2e50", "\u2e42", "\U00013430", "\u0890", "\u0600", "\u1ac1", "\u08d4", "\u1df6", "\U000e0001",
    "\u180e", "\u200b", "\u2060", "\ufeff", "\u00ad", "\ue000", "\U000f0000", "\U0010fffd", "\ufffd",
    "\u0378", "\U0001f972", "\U0001fae0", "\u1c89", "\ua7cb", "\U00010d50", "\U00011938", "\u09fe",
    # canonical reordering and stripping
    "a\u0316\u0301", "a\u0301\u0316", "e\u0301\u0327", "\u1e0a\u0323", "\u0340", "\u0f73", "\u0f75",
    "\U0001d15e", "\U0001d165\U0001d16d", "q\u0307\u0323", "\u1100\u1161\u11a8", "\uac00", "\ud7a3",
    "\uc5c6", "\u3131", "\uffa1", "\u0958",
    # case
    "\u0130", "\u03a3", "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3", "\u03a3\u0391", "A\u03a3.",
    "\u1e9e", "\u01c5", "\u1f88", "\u0049\u0307", "\u212a", "\u2126", "\uff21\uff22", "\U00010400",
    # scripts and symbols
    "\u6771\u4eac", "\U00020000", "\U0002b820", "\U0002ceb0", "\U00030000", "\uf900", "\u3400",
    "\u3042\u30a2", "\u0e01\u0e33", "\u0905\u093f", "\u0627\u064b", "\u05d0\u05b7", "\u20ac", "\u00a9",
    "\u2122", "\ufb01", "\u2460", "\u00bd", "\u00b2", "x\u20dd", "\u0488",
    # white space and controls
    "\u00a0", "\u1680", "\u2007", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\u0085",
    "\x0b", "\x0c", "\x1c", "\x1f", "\x7f", "\x00", "\t", "\n", "\r", "\u200d", "\u2066",
    # words
    "hello", "Hello", "HELLO", "caf\u00e9", "CAF\u00c9", "na\u00efve", "\u00fcber", "Stra\u00dfe",
    "[CLS]", "[SEP]", "[UNK]", "[MASK]", "[PAD]", "[cls]", "[SEP", "x" * 101, "y" * 100,
    "unaffable", "don't", "U.S.A.", "e-mail", "3.14", "\u00bfqu\u00e9?", "\u00abok\u00bb",
]


def stress(seed, n):
    rng = random.Random(seed)
    seps = [" ", " ", "", "\t", "\n", "\u3000", "\u00a0", "\u200b", "\u2029"]
    out = ["", " \u00a0\u2003 ", "\x1c\u0085 x \x1f", "\u03a3", "\u0130stanbul", "\u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3",
           "x" * 101, "y" * 100, "\U0001d165\U0001d16d\U0001d165", "a" + "\u0301" * 120]
    while len(out) < n:
        k = rng.randint(1, 24)
        out.append("".join(rng.choice(PIECES) + rng.choice(seps) for _ in range(k)))
    return out


def load(path):
    tok = Tokenizer.from_file(path)
    tok.no_padding()
    tok.no_truncation()
    return tok


def with_normalizer_of(tiny_model):
    """The default tokenizer (30,522 tokens) with the normalizer of a tiny model's tokenizer.json."""
    with open(os.path.join(TINY, tiny_model, "tokenizer.json"), encoding="utf-8") as f:
        normalizer = json.load(f)["normalizer"]
    with open(DEFAULT, encoding="utf-8") as f:
        spec = json.load(f)
    spec["normalizer"] = normalizer
    tok = Tokenizer.from_str(json.dumps(spec))
    tok.no_padding()
    tok.no_truncation()
    return tok


def write_edge_cases(path):
    uncased = load(DEFAULT)
    cased = with_normalizer_of("tiny-maxmean-cased")
    keep_accents = with_normalizer_of("tiny-sqrtlen-dense")
    with open_golden(path, "w") as f:
        for t in stress(20261125, 1000):
            s = t.strip()  # what sentence-transformers does before tokenizing
            row = {
                "text": t,
                "uncased": uncased.encode(s).ids,
                "cased": cased.encode(s).ids,
                "lowercaseKeepAccents": keep_accents.encode(s).ids,
                "casedWithLowercaseInput": cased.encode(s.lower()).ids,
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_added_tokens(path):
    tok = load(DEFAULT)
    specs = [
        dict(content="<plain>", single_word=False, lstrip=False, rstrip=False, normalized=False, special=False),
        dict(content="<L>", single_word=False, lstrip=True, rstrip=False, normalized=False, special=True),
        dict(content="<R>", single_word=False, lstrip=False, rstrip=True, normalized=False, special=True),
        dict(content="word", single_word=True, lstrip=False, rstrip=False, normalized=False, special=False),
        dict(content="Fancy", single_word=False, lstrip=False, rstrip=False, normalized=True, special=False),
        dict(content="caf\u00e9 au", single_word=False, lstrip=False, rstrip=False, normalized=True, special=False),
        dict(content="[SEP]x", single_word=False, lstrip=False, rstrip=False, normalized=False, special=False),
        dict(content="hello", single_word=False, lstrip=False, rstrip=False, normalized=False, special=False),
        dict(content="\u6771", single_word=True, lstrip=True, rstrip=True, normalized=True, special=False),
    ]
    tok.add_tokens([AddedToken(s["content"], single_word=s["single_word"], lstrip=s["lstrip"],
                               rstrip=s["rstrip"], normalized=s["normalized"], special=s["special"]) for s in specs])
    for s in specs:
        s["id"] = tok.token_to_id(s["content"])
    texts = [
        "<plain>", "a<plain>b", "x <L> y", "x<L>y", "x   <L>", "<R>   y", "a <R>\u3000b", "<L><R>",
        "word", "a word b", "awordb", "word,word", "words", "sword", "word\u0301", "_word", "word\u00e9",
        "FANCY", "fancy", "Fancy", "xFANCYx", "CAF\u00c9 AU lait", "cafe au", "caf\u00e9 au",
        "[SEP]x", "[SEP]y", "[SEP] x", "hello", "Hello", "HELLO hello", "hellohello",
        "\u6771", "\u6771\u4eac", "a \u6771 b", "[CLS] <plain> word FANCY [SEP]x <R> \u6771",
        "[SEP] [PAD] [UNK] [MASK]", "[sep]", "[SEP][SEP]", "x[MASK]y", "",
    ]
    with open_golden(path, "w") as f:
        f.write(json.dumps({"addedTokens": specs}, ensure_ascii=False) + "\n")
        for t in texts:
            f.write(json.dumps({"text": t, "ids": tok.encode(t.strip()).ids}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    write_unicode_normalizer(os.path.join(HERE, "unicode-normalizer.txt"))
    write_edge_cases(os.path.join(HERE, "edge-cases.jsonl.gz"))
    write_added_tokens(os.path.join(HERE, "added-tokens.jsonl.gz"))
