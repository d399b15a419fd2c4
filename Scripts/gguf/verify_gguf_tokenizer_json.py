#!/usr/bin/env python3
"""Check gguf_tokenizer_json.py against a model's own tokenizer.json with the `tokenizers` library.

    python verify_gguf_tokenizer_json.py MODEL.gguf ORIGINAL/tokenizer.json [CASES.jsonl.gz ...]
        [--write-synth OUT.json] [--variants] [--texts-only] [--mask-lstrip auto|true|false]

Builds a tokenizer.json from MODEL.gguf alone, loads it and ORIGINAL with tokenizers.Tokenizer and
compares encode(text).ids (special tokens added, no truncation) and type_ids on: every "text" of the
given .jsonl(.gz) files (where a line has "ids", those recorded ids are checked too, allowing for
goldens truncated to max_seq_length), built-in stress
strings, and all pairs of a few of them (encode(a, b)). Prints a structural diff of the two JSONs
(vocabulary/merges compared entry by entry, not printed). --variants also counts how many texts other
plausible choices would get wrong (to show which assumptions matter). Exit status 1 on any mismatch.
"""
from __future__ import annotations

import argparse
import difflib
import gzip
import json
import sys
from pathlib import Path

from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gguf_tokenizer_json import read_fields, tokenizer_json_from_fields  # noqa: E402

STRESS = [
    "", " ", "   ", "\t", "\n", "\r\n", " \t\n ", "a", " a", "a ", "  a  ", "a  b", "a   b    c",
    "a\tb", "a\nb", "a\r\nb", "a \n b", "\ta\t", "\n\nhello\n\n", "line one\nline two\n\nline four",
    "hello world", "Hello World!", "HELLO", "I'm here, you're there; it's 'quoted' \"double\"",
    "''''''```````\"\"\"\"......!!!!!!??????", "3 33 333 3333 33333 3.3 3..3 3...3",
    "e\u0301 caf\u00e9 cafe\u0301 n\u0303 \u00c5 A\u030a", "\u1100\u1161\u11a8 \uac01",  # combining / jamo
    "a\u00a0b", "\u00a0lead", "trail\u00a0", "a\u202fb", "a\u3000b", "a\u2009b", "a\u200bb",
    "a\u200d\u200cb", "a\u2028b\u2029c", "a\u0085b", "a\u000bb\u000cc", "\x00\x01\x7f", "a\x00b",
    "\ufeffbom", "\u200e\u200fltr rtl",
    "\uff2e\uff26\uff2b\uff23\uff1a\u2460\u2461\u2462 \ufb01 \u2122 \uff11\uff12\uff13 \uff41\uff42\uff43",
    "\u2167 \u2173 \u00bd \u2082 \u00b2 \u3392 \u337f \uff76\uff9e \u30ac",
    "\U0001f680 (normal) \U0001f636\u200d\U0001f32b\ufe0f \u2705 \U0001f999\U0001f999",
    "\U0001f44d\U0001f3fd \U0001f1ef\U0001f1f5 \U0001f468\u200d\U0001f469\u200d\U0001f467 \u2764\ufe0f",
    "\u1780\u17b6\u1793\u17cb\u178f\u17c2 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35 \u0928\u092e\u0938\u094d\u0924\u0947",
    "\u6211\u60f3\u5728apple\u5de5\u4f5c1314151\u5929\uff5e \u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "\u043d\u0435\u0449\u043e \u043d\u0430 \u0411\u044a\u043b\u0433\u0430\u0440\u0441\u043a\u0438 "
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd \u03b3\u03b5\u03b9\u03ac",
    "<s>", "</s>", "<pad>", "<unk>", "<mask>", "<s><s></s>", "a<s>b", "a <s> b", "a<mask>b",
    "a <mask> b", "a  <mask>  b", "<mask>", " <mask>", "<mask> ", "the <mask> sat", "<MASK> <S> < s >",
    "<s", "s>", "<<s>>", "</s></s>", "<pad><pad>", " <unk> ", "x</s>y",
    "\u2581", "\u2581\u2581", "\u2581hello \u2581 world\u2581", "\u0120hello \u0120", "\u0100\u0101\u0143",
    "a" * 1000, "ab" * 300, "antidisestablishmentarianism" * 10,
    "Pneumonoultramicroscopicsilicovolcanoconiosis supercalifragilisticexpialidocious",
    "\u00e9" * 200, "\u6f22" * 300, "\U0001f600" * 100, "x" * 2000 + " y",
    "https://example.com/path?query=1&b=2#frag user@example.org",
    "def f(x):\n    return x**2  # comment\n\tpass", "{\"json\": [1, 2, 3]}",
    "snake_case camelCase kebab-case UPPER_CASE", "$100 \u20ac50 \u00a330 \u00a51000 50% #tag @user",
    "  multiple   spaces   everywhere  ", "\t\ttabs\t\tand\nnewlines\n\n", " \u00a0 \u3000 mixed \u2003 spaces ",
]
PAIR_SOURCES = ["hello world", " a  b ", "<mask>", "\u6211\u60f3\u5728apple", "", "caf\u00e9"]


def load_cases(paths):
    texts, recorded = [], {}
    for p in paths:
        opener = gzip.open if str(p).endswith(".gz") else open
        with opener(p, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                texts.append(row["text"])
                if "ids" in row:
                    recorded.setdefault(row["text"], row["ids"])
    return texts, recorded


def compare(a: Tokenizer, b: Tokenizer, texts):
    bad = []
    for t in texts:
        ea, eb = a.encode(t), b.encode(t)
        if ea.ids != eb.ids or ea.type_ids != eb.type_ids:
            bad.append((t, ea.ids, eb.ids))
    return bad


def compare_pairs(a: Tokenizer, b: Tokenizer):
    bad = 0
    for x in PAIR_SOURCES:
        for y in PAIR_SOURCES:
            ea, eb = a.encode(x, y), b.encode(x, y)
            if (ea.ids, ea.type_ids) != (eb.ids, eb.type_ids):
                bad += 1
    return bad, len(PAIR_SOURCES) ** 2


def structural_diff(orig: dict, synth: dict) -> list[str]:
    lines = []
    for key in sorted(set(orig) | set(synth)):
        if key == "model":
            continue
        a = json.dumps(orig.get(key), indent=1, sort_keys=True, ensure_ascii=False).splitlines()
        b = json.dumps(synth.get(key), indent=1, sort_keys=True, ensure_ascii=False).splitlines()
        if a != b:
            lines += [f"--- {key}"] + [ln for ln in difflib.unified_diff(a, b, "original", "synthesized", n=1, lineterm="")]
    mo, ms = orig["model"], synth["model"]
    opts_o = {k: v for k, v in mo.items() if k not in ("vocab", "merges")}
    opts_s = {k: v for k, v in ms.items() if k not in ("vocab", "merges")}
    if opts_o != opts_s:
        lines.append(f"--- model options: original {opts_o} | synthesized {opts_s}")
    if mo["type"] == "Unigram" and ms["type"] == "Unigram":
        vo, vs = mo["vocab"], ms["vocab"]
        diff_pieces = sum(1 for x, y in zip(vo, vs) if x[0] != y[0])
        diff_scores = sum(1 for x, y in zip(vo, vs) if x[1] != y[1])
        lines.append(f"=== model.vocab: {len(vo)} vs {len(vs)} entries, {diff_pieces} pieces differ, "
                     f"{diff_scores} scores differ (max |d| = "
                     f"{max((abs(x[1] - y[1]) for x, y in zip(vo, vs)), default=0):.3g})")
    elif mo["type"] == "BPE" and ms["type"] == "BPE":
        lines.append(f"=== model.vocab: {len(mo['vocab'])} vs {len(ms['vocab'])} entries, equal: {mo['vocab'] == ms['vocab']}")
        norm = [m.split(" ", 1) if isinstance(m, str) else list(m) for m in mo["merges"]]
        lines.append(f"=== model.merges: {len(norm)} vs {len(ms['merges'])} entries, equal: {norm == ms['merges']}")
    return lines


def variants(fields: dict, synth: dict, orig_tok: Tokenizer, texts) -> list[str]:
    out = []
    kind = fields.get("tokenizer.ggml.model")
    if kind == "t5":
        meta = synth["pre_tokenizer"]["pretokenizers"][1]
        v1 = dict(synth, pre_tokenizer=meta)
        out.append(("Metaspace only (no WhitespaceSplit; naive reading of remove_extra_whitespaces=false)", v1))
        v2 = dict(synth, pre_tokenizer=meta, normalizer={"type": "Sequence", "normalizers": [
            synth["normalizer"], {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]})
        out.append(("Precompiled + Replace(' {2,}',' ') + Metaspace (older hub tokenizer.json style)", v2))
        v3 = dict(synth, pre_tokenizer=meta, normalizer={"type": "Sequence", "normalizers": [
            synth["normalizer"], {"type": "Strip", "strip_left": True, "strip_right": True},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]})
        out.append(("Precompiled + Strip + Replace(' {2,}',' ') + Metaspace (SentencePiece-like)", v3))
    if kind in ("t5", "gpt2"):
        at = [dict(t, lstrip=True) if t["content"] == "<mask>" else t for t in synth["added_tokens"]]
        out.append(("<mask> with lstrip=true (roberta-base / xlm-roberta-base hub files)", dict(synth, added_tokens=at)))
    res = []
    for name, tj in out:
        bad = compare(orig_tok, Tokenizer.from_str(json.dumps(tj)), texts)
        ex = f"  e.g. {bad[0][0][:40]!r}: {bad[0][1][:12]} vs {bad[0][2][:12]}" if bad else ""
        res.append(f"variant: {name}: {len(bad)} of {len(texts)} texts differ{ex}")
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gguf", type=Path)
    ap.add_argument("original", type=Path)
    ap.add_argument("cases", type=Path, nargs="*")
    ap.add_argument("--write-synth", type=Path)
    ap.add_argument("--variants", action="store_true")
    ap.add_argument("--texts-only", action="store_true",
                    help="use the case files' texts only, not their recorded ids (another vocabulary)")
    ap.add_argument("--mask-lstrip", choices=["auto", "true", "false"], default="auto")
    args = ap.parse_args()

    fields = read_fields(args.gguf)
    synth = tokenizer_json_from_fields(fields, args.mask_lstrip)
    synth_text = json.dumps(synth, ensure_ascii=False, indent=2)
    if args.write_synth:
        args.write_synth.write_text(synth_text, encoding="utf-8")
    orig_json = json.loads(args.original.read_text(encoding="utf-8"))
    orig_tok = Tokenizer.from_file(str(args.original))
    synth_tok = Tokenizer.from_str(synth_text)
    for t in (orig_tok, synth_tok):
        t.no_truncation()
        t.no_padding()

    print(f"== {args.gguf.name} (tokenizer.ggml.model={fields.get('tokenizer.ggml.model')!r}, "
          f"pre={fields.get('tokenizer.ggml.pre')!r}) vs {args.original}")
    for line in structural_diff(orig_json, synth):
        print(line)

    groups = [(p.name, t) for p, t in zip(args.cases, [load_cases([p])[0] for p in args.cases])]
    groups.append(("stress strings", STRESS))
    total_bad = 0
    all_texts = []
    for name, texts in groups:
        bad = compare(orig_tok, synth_tok, texts)
        total_bad += len(bad)
        all_texts += texts
        print(f"{name}: {len(texts)} texts, {len(bad)} mismatches")
        for t, a, b in bad[:5]:
            print(f"   {t[:60]!r}\n     original    {a[:20]}\n     synthesized {b[:20]}")
    rec_bad = 0
    for p in [] if args.texts_only else args.cases:
        _, rec = load_cases([p])
        exact = cut = 0
        for t, ids in rec.items():
            full = synth_tok.encode(t).ids
            if full == ids:
                exact += 1
            elif len(ids) < len(full) and full[:len(ids) - 1] + full[-1:] == ids:
                cut += 1  # goldens were made with the model's max_seq_length: first n-1 ids + </s>
            else:
                rec_bad += 1
        if rec:
            print(f"{p.name}: recorded ids of {len(rec)} texts vs synthesized: {exact} equal, {cut} equal to its "
                  f"truncation to the recorded length, {len(rec) - exact - cut} differ")
    pb, pn = compare_pairs(orig_tok, synth_tok)
    print(f"pairs encode(a, b): {pn}, {pb} mismatches (ids + type_ids)")
    total_bad += pb + rec_bad
    if args.variants:
        for line in variants(fields, synth, orig_tok, all_texts):
            print(line)
    print(f"TOTAL mismatches: {total_bad}")
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
