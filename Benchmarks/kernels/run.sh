#!/usr/bin/env bash
# Builds and runs the kernel microbenchmarks of Benchmarks/README.md against this checkout's
# CEmbedKernels and the system OpenBLAS (Debian: libopenblas-dev), in a temporary folder.
# Usage: Benchmarks/kernels/run.sh [ROWS...]   (rows for small_product; default 1 17 48 96 128)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
kernels=Sources/CEmbedKernels
# clang, as SwiftPM compiles the C targets with it.
cc="${CC:-clang}"
"$cc" -O2 -I"$kernels/include" -I"$kernels" $(pkg-config --cflags openblas) \
    Benchmarks/kernels/small_product.c "$kernels/small_gemm.c" "$kernels/kernels.c" \
    $(pkg-config --libs openblas) -lm -o "$out/small_product"
"$cc" -O2 -mavx2 -mfma -pthread Benchmarks/kernels/floors.c -o "$out/floors"
"$out/floors"
"$out/small_product" "$@"
