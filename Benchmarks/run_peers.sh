#!/usr/bin/env bash
# Measures sentence-transformers, ONNX Runtime (fp32) and ONNX Runtime on the same export quantized to
# int8 (Benchmarks/peers/quantize_onnx.py: dynamic quantization as sentence-transformers' avx512_vnni
# export does it, printed as "ort-int8") on Benchmarks/corpus.jsonl, next to `embed bench`, on the same
# machine in one run. Needs a virtual environment OUTSIDE the repository with
#   pip install torch sentence-transformers onnxruntime onnx
# (about 6 GB): pass its path as PEERS_VENV (default /tmp/peers-venv).
# Usage: Benchmarks/run_peers.sh [MODEL_DIR]   (default Models/all-MiniLM-L6-v2)
# ROUNDS=N repeats the measurements N times; EMBED_BIN=path/to/embed also runs `embed bench --quick`
# at the start of every round, so ours and the peers alternate on a machine whose speed drifts
# (shared cloud hosts do: report the median of the rounds), on the model's fp32 file and, when
# EMBED_INT8_MODEL names one (made by `embed convert MODEL_DIR FILE --dtype int8`), on its int8 file.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${PEERS_VENV:-/tmp/peers-venv}"
model="${1:-Models/all-MiniLM-L6-v2}"
python="$venv/bin/python"
[ -x "$python" ] || { echo "no virtual environment at $venv (see the comment at the top)" >&2; exit 2; }
onnx="${TMPDIR:-/tmp}/embed-peer-$(basename "$model").onnx"
[ -f "$onnx" ] || HF_HUB_OFFLINE=1 "$python" Benchmarks/peers/export_onnx.py "$model" "$onnx" >&2
onnx_int8="${onnx%.onnx}-int8.onnx"
[ -f "$onnx_int8" ] || "$python" Benchmarks/peers/quantize_onnx.py "$onnx" "$onnx_int8" >&2
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
for round in $(seq "${ROUNDS:-1}"); do
    [ "${ROUNDS:-1}" = 1 ] || echo "== round $round"
    if [ -n "${EMBED_BIN:-}" ]; then
        "$EMBED_BIN" bench --quick 2>/dev/null  # the default model, exported f32
        if [ -n "${EMBED_INT8_MODEL:-}" ]; then "$EMBED_BIN" bench --quick --model "$EMBED_INT8_MODEL" 2>/dev/null; fi
    fi
    "$python" Benchmarks/peers/bench_peers.py "$model" Benchmarks/corpus.jsonl --singles Benchmarks/sts-sentences.jsonl --peer st
    "$python" Benchmarks/peers/bench_peers.py "$model" Benchmarks/corpus.jsonl --singles Benchmarks/sts-sentences.jsonl --peer ort --onnx "$onnx"
    "$python" Benchmarks/peers/bench_peers.py "$model" Benchmarks/corpus.jsonl --singles Benchmarks/sts-sentences.jsonl --peer ort --onnx "$onnx_int8" --label ort-int8
done
