#!/usr/bin/env python3
"""Rebuild a Hugging Face tokenizer.json from a GGUF file's metadata alone.

    python gguf_tokenizer_json.py MODEL.gguf [-o tokenizer.json] [--mask-lstrip {auto,true,false}]

Handles the two tokenizer kinds llama.cpp's convert_hf_to_gguf.py writes for RoBERTa-family encoders
(general.architecture "bert"):

  tokenizer.ggml.model = "t5"    XLM-RoBERTa: SentencePiece Unigram + precompiled_charsmap
  tokenizer.ggml.model = "gpt2"  RoBERTa:     byte-level BPE with merges

The output reproduces the pipeline transformers 5 builds for XLMRobertaTokenizer / RobertaTokenizer
(which keep only vocab, scores/merges, the charsmap and the added tokens of a model's own
tokenizer.json and build normalizer / pre-tokenizer / post-processor themselves). Everything the GGUF
cannot say is an assumption, listed in ASSUMPTIONS below and printed with --explain.
Needs only numpy and gguf (gguf-py); no transformers, no tokenizers, no access to the original folder.
If the GGUF carries tokenizer.huggingface.json, that text is written unchanged.
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from gguf import GGUFReader

# gguf.TokenType
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

# tokenizer.ggml.pre values llama.cpp maps to LLAMA_VOCAB_PRE_TYPE_GPT2 (src/llama-vocab.cpp), i.e.
# the GPT-2 split regex, which is what tokenizers' ByteLevel(use_regex=True) applies.
GPT2_REGEX_PRE = {"gpt-2", "roberta-bpe", "jina-v1-en", "jina-v2-code", "jina-es", "jina-de",
                  "jina-v2-es", "jina-v2-de", "phi-2", "gigachat", "a.x-4.0", "mellum", "modern-bert"}
# llama.cpp gives "<mask>" the LSTRIP attribute for these tokenizer.ggml.pre / architectures.
MASK_LSTRIP_PRE = {"jina-v2-de", "jina-v2-es", "jina-v2-code", "mmbert"}
MASK_LSTRIP_ARCH = {"nomic-bert-moe", "jina-bert-v3"}
XLMR_HEAD = ["<s>", "<pad>", "</s>", "<unk>"]  # the converter's realigned first four ids

ASSUMPTIONS = """\
Assumptions (facts a GGUF does not record):
 t5 / Unigram
  - normalizer = Precompiled(charsmap) only; pre-tokenizer = Sequence[WhitespaceSplit,
    Metaspace("\u2581", prepend_scheme always|never from add_space_prefix, split=true)]: the pipeline of
    transformers 5's XLMRobertaTokenizer. tokenizer.ggml.remove_extra_whitespaces is ignored: from a
    tokenizer.json the converter writes tokenizer.clean_up_tokenization_spaces there (a decode flag),
    from sentencepiece.bpe.model the real SentencePiece flag (true), whose strip-and-collapse effect
    WhitespaceSplit already gives.
  - type_id 0 for every position; pair template "<s> $A </s> </s> $B </s>" when add_sep_token.
  - UNUSED filler tokens "[PAD<n>]" (ids the tokenizer did not have) keep their ids with the lowest
    real score instead of -10000 (so the Unigram unknown penalty, min score - 10, is unchanged); the
    one at tokenizer.ggml.mask_token_id is renamed "<mask>" (sentencepiece.bpe.model path, where the
    converter leaves "[PAD250000]" at XLM-R's <mask> id 250001). Without a mask_token_id key, the last
    token is taken as <mask> when it is such a filler and the vocabulary starts <s> <pad> </s> <unk>.
  - unk_id = tokenizer.ggml.unknown_token_id, else the first token of type UNKNOWN.
 gpt2 / BPE
  - ByteLevel(add_prefix_space = tokenizer.ggml.add_space_prefix or false, trim_offsets=true,
    use_regex=true); only tokenizer.ggml.pre values llama.cpp maps to the GPT-2 regex are accepted.
  - BPE: unk_token null, no dropout, no continuing_subword_prefix / end_of_word_suffix,
    fuse_unk=false, byte_fallback=false, ignore_merges=false (what RobertaTokenizer uses).
    Merges "a b" split at the single ASCII space (byte-level tokens never contain one; the converter
    writes a space inside a token as U+0120, which byte-level BPE also uses for the space byte).
  - post-processor RobertaProcessing(sep=(eos), cls=(bos)) when add_bos, add_eos and add_sep are all
    true (the converter cannot tell RobertaProcessing from the equivalent TemplateProcessing).
 both
  - added tokens: CONTROL and UNKNOWN -> special, normalized=false; USER_DEFINED -> not special,
    normalized=true; single_word/lstrip/rstrip false, except "<mask>" lstrip per --mask-lstrip
    (auto = llama.cpp's rule: true only for the pre values / architectures it patches).
  - the GGUF's sep id is used as-is; cls is taken to be bos (the converter drops cls_token_id).
  - a missing add_bos_token / add_eos_token / add_sep_token key counts as true (the converter leaves
    them out when the folder has no tokenizer.json; every RoBERTa-family encoder adds <s> ... </s>).
"""


def read_fields(path: Path) -> dict:
    reader = GGUFReader(path)
    out = {}
    for key, field in reader.fields.items():
        if not (key.startswith("tokenizer.") or key.startswith("general.")):
            continue
        if key == "tokenizer.ggml.precompiled_charsmap":
            # GGUFReader keeps one part per array element; field.data indexes them
            out[key] = b"".join(field.parts[i].tobytes() for i in field.data)
        else:
            out[key] = field.contents()
    return out


def added_token(tid: int, content: str, special: bool, normalized: bool, lstrip: bool = False) -> dict:
    return {"id": tid, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
            "normalized": normalized, "special": special}


def build_added_tokens(tokens, types, mask_id, mask_lstrip: bool) -> list[dict]:
    out = []
    for tid, (tok, typ) in enumerate(zip(tokens, types)):
        if typ in (CONTROL, UNKNOWN):
            out.append(added_token(tid, tok, True, False, lstrip=mask_lstrip and tid == mask_id))
        elif typ == USER_DEFINED:
            out.append(added_token(tid, tok, False, True, lstrip=mask_lstrip and tid == mask_id))
    return out


def add_flags(f: dict) -> tuple[bool, bool, bool]:
    """add_bos/add_eos/add_sep; a missing key counts as true (every RoBERTa-family encoder adds them)."""
    return tuple(bool(f.get(f"tokenizer.ggml.add_{k}_token", True)) for k in ("bos", "eos", "sep"))


def template(f: dict, tokens: list[str]) -> dict | None:
    bos, eos = f.get("tokenizer.ggml.bos_token_id"), f.get("tokenizer.ggml.eos_token_id")
    sep = f.get("tokenizer.ggml.seperator_token_id", eos)
    add_bos, add_eos, add_sep = add_flags(f)
    add_bos, add_eos, add_sep = add_bos and bos is not None, add_eos and eos is not None, add_sep and sep is not None
    if not (add_bos or add_eos):
        return None

    def sp(tid):
        return {"SpecialToken": {"id": tokens[tid], "type_id": 0}}

    def seq(name):
        return {"Sequence": {"id": name, "type_id": 0}}

    head = [sp(bos)] if add_bos else []
    tail = [sp(eos)] if add_eos else []
    single = head + [seq("A")] + tail
    pair = head + [seq("A")] + tail + ([sp(sep)] if add_sep else []) + [seq("B")] + tail
    used = sorted({t for t, on in ((bos, add_bos), (eos, add_eos), (sep, add_sep)) if on})
    special = {tokens[t]: {"id": tokens[t], "ids": [t], "tokens": [tokens[t]]} for t in used}
    return {"type": "TemplateProcessing", "single": single, "pair": pair,
            "special_tokens": dict(sorted(special.items()))}


def resolve_mask_lstrip(choice: str, f: dict) -> bool:
    if choice != "auto":
        return choice == "true"
    return (f.get("tokenizer.ggml.pre") in MASK_LSTRIP_PRE
            or f.get("general.architecture") in MASK_LSTRIP_ARCH)


def unigram_json(f: dict, mask_lstrip_choice: str) -> dict:
    tokens = list(f["tokenizer.ggml.tokens"])
    scores = [float(s) for s in f["tokenizer.ggml.scores"]]
    types = list(f.get("tokenizer.ggml.token_type", [NORMAL] * len(tokens)))
    mask_id = f.get("tokenizer.ggml.mask_token_id")
    if mask_id is None and "<mask>" not in tokens and types[-1] == UNUSED and tokens[:4] == XLMR_HEAD:
        mask_id = len(tokens) - 1  # XLM-R layout (fairseq ids, <mask> last) without a mask_token_id key
    unk_id = f.get("tokenizer.ggml.unknown_token_id")
    if unk_id is None:
        unk_id = next((i for i, t in enumerate(types) if t == UNKNOWN), None)

    real = [s for s, t in zip(scores, types) if t in (NORMAL, USER_DEFINED, BYTE)]
    floor = min(real) if real else 0.0
    for i, t in enumerate(types):
        if t != UNUSED:
            continue
        scores[i] = floor
        if i == mask_id and tokens[i].startswith("[PAD"):
            tokens[i], types[i], scores[i] = "<mask>", CONTROL, 0.0

    charsmap = f.get("tokenizer.ggml.precompiled_charsmap", b"")
    normalizer = ({"type": "Precompiled", "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")}
                  if charsmap else None)
    prepend = "always" if f.get("tokenizer.ggml.add_space_prefix", True) else "never"
    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": prepend, "split": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": build_added_tokens(tokens, types, mask_id, resolve_mask_lstrip(mask_lstrip_choice, f)),
        "normalizer": normalizer,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, metaspace]},
        "post_processor": template(f, tokens),
        "decoder": dict(metaspace),
        "model": {"type": "Unigram", "unk_id": unk_id,
                  "vocab": [[t, s] for t, s in zip(tokens, scores)],
                  "byte_fallback": any(t == BYTE for t in types)},
    }


def bpe_json(f: dict, mask_lstrip_choice: str) -> dict:
    pre = f.get("tokenizer.ggml.pre", "")
    if pre not in GPT2_REGEX_PRE:
        raise SystemExit(f"tokenizer.ggml.pre = {pre!r}: not a GPT-2-regex pre-tokenizer; unsupported")
    tokens = list(f["tokenizer.ggml.tokens"])
    types = list(f.get("tokenizer.ggml.token_type", [NORMAL] * len(tokens)))
    merges = []
    for m in f.get("tokenizer.ggml.merges", []):
        a, sep, b = m.partition(" ")
        if not sep or " " in b:
            raise SystemExit(f"malformed merge {m!r}")
        merges.append([a, b])
    vocab = {}
    for tid, tok in enumerate(tokens):
        if tok in vocab:
            print(f"warning: duplicate token text {tok!r} (ids {vocab[tok]} and {tid}); keeping the first",
                  file=sys.stderr)
            continue
        vocab[tok] = tid
    add_prefix = bool(f.get("tokenizer.ggml.add_space_prefix", False))
    normalizers = []
    if f.get("tokenizer.ggml.normalizer.strip_accents"):
        normalizers += [{"type": "NFD"}, {"type": "StripAccents"}]
    if f.get("tokenizer.ggml.normalizer.lowercase"):
        normalizers.append({"type": "Lowercase"})
    normalizer = None if not normalizers else (
        normalizers[0] if len(normalizers) == 1 else {"type": "Sequence", "normalizers": normalizers})

    bos, eos = f.get("tokenizer.ggml.bos_token_id"), f.get("tokenizer.ggml.eos_token_id")
    sep = f.get("tokenizer.ggml.seperator_token_id", eos)
    if all(add_flags(f)) and None not in (bos, eos) and sep == eos:
        post = {"type": "RobertaProcessing", "sep": [tokens[sep], sep], "cls": [tokens[bos], bos],
                "trim_offsets": True, "add_prefix_space": add_prefix}
    else:
        post = template(f, tokens)
    byte_level = {"type": "ByteLevel", "add_prefix_space": add_prefix, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": build_added_tokens(tokens, types, f.get("tokenizer.ggml.mask_token_id"),
                                           resolve_mask_lstrip(mask_lstrip_choice, f)),
        "normalizer": normalizer,
        "pre_tokenizer": byte_level,
        "post_processor": post,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False, "vocab": vocab, "merges": merges},
    }


def tokenizer_json_from_fields(f: dict, mask_lstrip: str = "auto") -> dict:
    if "tokenizer.huggingface.json" in f:
        return json.loads(f["tokenizer.huggingface.json"])
    kind = f.get("tokenizer.ggml.model")
    if kind == "t5":
        return unigram_json(f, mask_lstrip)
    if kind == "gpt2":
        return bpe_json(f, mask_lstrip)
    raise SystemExit(f"tokenizer.ggml.model = {kind!r}: only 't5' and 'gpt2' are handled here")


def tokenizer_json_from_gguf(path, mask_lstrip: str = "auto") -> dict:
    return tokenizer_json_from_fields(read_fields(Path(path)), mask_lstrip)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("gguf", type=Path)
    ap.add_argument("-o", "--output", type=Path, help="write here (default: stdout)")
    ap.add_argument("--mask-lstrip", choices=["auto", "true", "false"], default="auto",
                    help="lstrip flag of the mask token (the GGUF does not record it)")
    ap.add_argument("--explain", action="store_true", help="print the assumptions and exit")
    args = ap.parse_args()
    if args.explain:
        print(ASSUMPTIONS, end="")
        return
    tok = tokenizer_json_from_gguf(args.gguf, args.mask_lstrip)
    text = json.dumps(tok, ensure_ascii=False, indent=2)  # as tokenizers saves it: no final newline
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
