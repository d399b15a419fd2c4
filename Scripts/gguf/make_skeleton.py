#!/usr/bin/env python3
"""Cut the skeleton of a real converter-made GGUF file for rebuild_minilm.py.

    python make_skeleton.py FILE.gguf OUT_DIR

Writes OUT_DIR/FILE.header.gz (the bytes before the tensor data, gzip with no name and mtime 0, so
the same input always gives the same skeleton) and prints the `sha256sum` line of the whole file,
to be added to OUT_DIR/SHA256SUMS. Needs numpy and gguf (it imports rebuild_minilm).
"""
import gzip
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rebuild_minilm import parse_header  # noqa: E402

if len(sys.argv) != 3:
    sys.exit(__doc__)
src, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
data = src.read_bytes()
_, _, data_start = parse_header(data)
skeleton = out_dir / (src.name.removesuffix(".gguf") + ".header.gz")
with open(skeleton, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as z:
    z.write(data[:data_start])
print(f"{hashlib.sha256(data).hexdigest()}  {src.name}")
print(f"# {skeleton}: {data_start} header bytes -> {skeleton.stat().st_size} gzipped", file=sys.stderr)
