#!/usr/bin/env python3
"""Checks `embed encode` against reference vectors (sentence-transformers' output).

usage: Scripts/parity.py REFERENCE.jsonl [--embed PATH] [--model M] [--tokens]

REFERENCE.jsonl has lines {"text", "embedding"} (and optionally "ids", checked with --tokens
through `embed tokenize`). Prints the worst cosine and the worst max |Δ| with their texts, and
exits 1 when any text misses the bars (cosine >= 0.99999, max |Δ| <= 2e-5) or any ids differ.
Standard library only.
"""
import argparse
import json
import math
import os
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("reference")
parser.add_argument("--embed", default=os.path.join(root, ".build", "release", "embed"))
parser.add_argument("--model")
parser.add_argument("--tokens", action="store_true")
args = parser.parse_args()

rows = [json.loads(line) for line in open(args.reference, encoding="utf-8") if line.strip()]
payload = "".join(json.dumps({"text": row["text"]}, ensure_ascii=False) + "\n" for row in rows).encode()
model = ["--model", args.model] if args.model else []


def run(command):
    result = subprocess.run([args.embed] + command + model + ["--input", "-", "--output", "-"],
                            input=payload, capture_output=True)
    if result.returncode != 0:
        sys.exit(result.stderr.decode())
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


out = run(["encode", "--allow-empty", "--quiet"])
assert len(out) == len(rows), (len(out), len(rows))
worst_cos, worst_diff, failures = (2.0, ""), (0.0, ""), 0
for row, got in zip(rows, out):
    a, b = got["embedding"], row["embedding"]
    dot = sum(x * y for x, y in zip(a, b))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    cos = dot / (na * nb) if na and nb else float(na == nb)
    diff = max(abs(x - y) for x, y in zip(a, b))
    worst_cos = min(worst_cos, (cos, row["text"][:60]))
    worst_diff = max(worst_diff, (diff, row["text"][:60]))
    failures += cos < 0.99999 or diff > 2e-5
print(f"{len(rows)} texts: worst cosine {worst_cos[0]:.9f} ({worst_cos[1]!r}), "
      f"worst max |d| {worst_diff[0]:.3g} ({worst_diff[1]!r}), {failures} outside the bars")
if args.tokens:
    ids = run(["tokenize"])
    mismatches = sum(got["ids"] != row["ids"] for row, got in zip(rows, ids) if "ids" in row)
    print(f"token ids: {mismatches} of {len(rows)} differ")
    failures += mismatches
sys.exit(1 if failures else 0)
