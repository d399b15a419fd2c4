#!/usr/bin/env bash
# Rebuilds the all-MiniLM-L6-v2 GGUF files the tests read (Models/gguf/all-MiniLM-L6-v2.{f32,f16,bf16,q8_0}.gguf),
# byte for byte the output of llama.cpp's convert_hf_to_gguf.py: the skeletons in Tests/Fixtures/gguf
# hold everything before the tensor data, rebuild_minilm.py appends the tensors of
# Models/all-MiniLM-L6-v2/model.safetensors converted as the converter converts them, and checks
# each file's SHA-256 against Tests/Fixtures/gguf/SHA256SUMS (see that folder's README).
#
# Needs Python 3 with venv; installs numpy and gguf in a throw-away virtual environment outside
# the repository. Files already present with the right hash are kept. About 5 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=Models/gguf
mkdir -p "$out"
variants=(f32 f16 bf16 q8_0)
missing=()
for variant in "${variants[@]}"; do
    file="all-MiniLM-L6-v2.$variant.gguf"
    want="$(awk -v f="$file" '$2 == f {print $1}' Tests/Fixtures/gguf/SHA256SUMS)"
    if [[ -f "$out/$file" ]] && [[ "$(sha256sum "$out/$file" | awk '{print $1}')" == "$want" ]]; then continue; fi
    missing+=("$variant")
done
((${#missing[@]})) || exit 0

venv="$(mktemp -d "${TMPDIR:-/tmp}/embed-gguf-venv.XXXXXX")"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
# gguf is pinned to the version whose quantizers made the fixtures (bit-exact ports of ggml's).
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check numpy "gguf==0.19.0"
for variant in "${missing[@]}"; do
    "$venv/bin/python" Scripts/gguf/rebuild_minilm.py "Tests/Fixtures/gguf/all-MiniLM-L6-v2.$variant.header.gz" \
        Models/all-MiniLM-L6-v2 "$out/all-MiniLM-L6-v2.$variant.gguf"
done
