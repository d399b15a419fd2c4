#!/usr/bin/env python3
"""Rebuild, byte for byte, a GGUF file made by llama.cpp's convert_hf_to_gguf.py, without torch.

    python rebuild_minilm.py SKELETON MODEL_DIR OUT [--sha256 HEX]

SKELETON (NAME.header.gz) is the gzipped head of the real converter output: everything before the
tensor data (magic, version, counts, metadata with the vocabulary, tensor infos, alignment padding).
This script appends each tensor's data, read from MODEL_DIR/model.safetensors, renamed by
llama.cpp's tensor mapping (gguf-py tensor_mapping.py; table below), converted as the converter
converts it (gguf.quants.quantize: F32 copy, F16 numpy astype, BF16 and Q8_0 gguf-py's bit-exact
ports of ggml), each padded with zeros to the alignment; then checks the file's SHA-256 against HEX
or, by default, against the line for NAME.gguf in SHA256SUMS beside the skeleton, and exits 1 on a
mismatch (the partial file is removed). Needs only the standard library, numpy and `gguf` (the
package, pinned to the version named in Tests/Fixtures/gguf/README.md).

Works for the BERT and NomicBERT files whose tensors the converter only renames and retypes
(all-MiniLM-L6-v2 and the tiny fixtures); it fails loudly on any other tensor.
"""
import gzip
import hashlib
import json
import re
import struct
import sys
from pathlib import Path

import numpy as np
from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType
from gguf.quants import quantize

# Hugging Face name -> GGUF name (gguf-py tensor_mapping.py, MODEL_ARCH.BERT and NOMIC_BERT).
# The converter drops a "bert." prefix first and skips what has no entry (position_ids, pooler).
MAPPING = [(re.compile(r"(?:" + p + r")\.(weight|bias)"), g) for p, g in [
    (r"embeddings\.word_embeddings", "token_embd"),
    (r"embeddings\.position_embeddings", "position_embd"),
    (r"embeddings\.token_type_embeddings", "token_types"),
    (r"embeddings\.LayerNorm|emb_ln", "token_embd_norm"),
    (r"encoder\.layer\.(\d+)\.attention\.self\.query", r"blk.\1.attn_q"),
    (r"encoder\.layer\.(\d+)\.attention\.self\.key", r"blk.\1.attn_k"),
    (r"encoder\.layer\.(\d+)\.attention\.self\.value", r"blk.\1.attn_v"),
    (r"encoder\.layer\.(\d+)\.attention\.output\.dense", r"blk.\1.attn_output"),
    (r"encoder\.layer\.(\d+)\.attention\.output\.LayerNorm", r"blk.\1.attn_output_norm"),
    (r"encoder\.layer\.(\d+)\.intermediate\.dense", r"blk.\1.ffn_up"),
    (r"encoder\.layer\.(\d+)\.output\.dense", r"blk.\1.ffn_down"),
    (r"encoder\.layer\.(\d+)\.output\.LayerNorm", r"blk.\1.layer_output_norm"),
    (r"encoder\.layers\.(\d+)\.attn\.Wqkv", r"blk.\1.attn_qkv"),          # NomicBERT
    (r"encoder\.layers\.(\d+)\.attn\.out_proj", r"blk.\1.attn_output"),
    (r"encoder\.layers\.(\d+)\.mlp\.fc11", r"blk.\1.ffn_up"),
    (r"encoder\.layers\.(\d+)\.mlp\.fc12", r"blk.\1.ffn_gate"),
    (r"encoder\.layers\.(\d+)\.mlp\.fc2", r"blk.\1.ffn_down"),
    (r"encoder\.layers\.(\d+)\.norm1", r"blk.\1.attn_output_norm"),
    (r"encoder\.layers\.(\d+)\.norm2", r"blk.\1.layer_output_norm"),
]]

SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}


def parse_header(buf):
    """GGUF v3, little endian: returns (metadata dict, [(name, ne, type, offset)], data start)."""
    magic, version, n_tensors, n_kv = struct.unpack_from("<4sIQQ", buf, 0)
    if magic != b"GGUF" or version != 3:
        raise ValueError(f"not a little-endian GGUF v3 file: {magic!r} v{version}")
    pos = 24

    def value(vtype):
        nonlocal pos
        if vtype in SCALARS:
            (v,) = struct.unpack_from("<" + SCALARS[vtype], buf, pos)
            pos += struct.calcsize(SCALARS[vtype])
            return v
        if vtype == 8:  # string: uint64 byte length, UTF-8 bytes, no terminator
            (n,) = struct.unpack_from("<Q", buf, pos)
            pos += 8 + n
            return bytes(buf[pos - n:pos]).decode("utf-8")
        if vtype == 9:  # array: uint32 element type, uint64 count, elements
            etype, n = struct.unpack_from("<IQ", buf, pos)
            pos += 12
            return [value(etype) for _ in range(n)]
        raise ValueError(f"unknown metadata value type {vtype}")

    meta = {}
    for _ in range(n_kv):
        key = value(8)
        (vtype,) = struct.unpack_from("<I", buf, pos)
        pos += 4
        meta[key] = value(vtype)
    tensors = []
    for _ in range(n_tensors):
        name = value(8)
        (n_dims,) = struct.unpack_from("<I", buf, pos)
        ne = struct.unpack_from(f"<{n_dims}Q", buf, pos + 4)  # ggml order: ne[0] = row length
        ttype, offset = struct.unpack_from("<IQ", buf, pos + 4 + 8 * n_dims)
        pos += 4 + 8 * n_dims + 12
        tensors.append((name, ne, GGMLQuantizationType(ttype), offset))
    align = meta.get("general.alignment", 32)
    return meta, tensors, -(-pos // align) * align


def read_safetensors(path):
    """{name: numpy array} for a safetensors file (8-byte LE header size, JSON header, raw data)."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    (n,) = struct.unpack("<Q", raw[:8].tobytes())
    header = json.loads(raw[8:8 + n].tobytes())
    dtypes = {"F32": np.float32, "F16": np.float16, "BF16": np.uint16}
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] not in dtypes:
            continue  # e.g. int64 position_ids, which the converter drops too
        begin, end = info["data_offsets"]
        a = raw[8 + n + begin:8 + n + end].view(dtypes[info["dtype"]]).reshape(info["shape"])
        if info["dtype"] == "BF16":  # the converter turns anything but F16/F32 into F32
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[name] = a
    return out


def gguf_name(hf_name):
    hf_name = hf_name.removeprefix("bert.")
    for pattern, repl in MAPPING:
        if m := pattern.fullmatch(hf_name):
            return m.expand(repl) + "." + m.group(m.re.groups)
    return None


def write(out, head, tensors, data_start, align, source, model_dir, digest):
    """Header, then each tensor converted to its GGUF type and zero-padded to the alignment."""
    with open(out, "wb") as f:
        f.write(head)
        for tname, ne, ttype, offset in tensors:
            if f.tell() != data_start + offset:
                raise ValueError(f"{tname}: offset {offset} but data is at {f.tell() - data_start}")
            a = source.get(tname)
            if a is None or tuple(reversed(a.shape)) != tuple(ne):
                raise ValueError(f"{tname} {ne}: missing or of another shape in {model_dir} "
                                 f"({None if a is None else a.shape})")
            data = quantize(np.ascontiguousarray(a), ttype).tobytes()
            block, size = GGML_QUANT_SIZES[ttype]
            if len(data) != a.size // block * size:
                raise ValueError(f"{tname}: {len(data)} bytes for {ttype.name} {ne}")
            data += bytes(-len(data) % align)
            f.write(data)
            digest.update(data)


def main(argv):
    if len(argv) not in (3, 5) or (len(argv) == 5 and argv[3] != "--sha256"):
        sys.exit(__doc__)
    skeleton, model_dir, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    name = skeleton.name.removesuffix(".header.gz") + ".gguf"
    if len(argv) == 5:
        want = argv[4].lower()
    else:
        sums = dict(reversed(line.split()) for line in (skeleton.parent / "SHA256SUMS").read_text().splitlines() if line)
        want = sums[name]

    head = gzip.decompress(skeleton.read_bytes())
    meta, tensors, data_start = parse_header(head)
    if len(head) != data_start:
        raise ValueError(f"skeleton is {len(head)} bytes, header ends at {data_start}")
    align = meta.get("general.alignment", 32)
    source = {gguf_name(k): v for k, v in read_safetensors(model_dir / "model.safetensors").items()}

    digest = hashlib.sha256(head)
    try:
        write(out, head, tensors, data_start, align, source, model_dir, digest)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    got = digest.hexdigest()
    if got != want:
        out.unlink()
        sys.exit(f"SHA-256 MISMATCH for {name}: rebuilt {got}, expected {want} ({out} removed)")
    print(f"{got}  {out}  OK ({out.stat().st_size} bytes, {len(tensors)} tensors)")


if __name__ == "__main__":
    main(sys.argv[1:])
