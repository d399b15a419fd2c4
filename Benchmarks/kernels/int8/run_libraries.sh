#!/usr/bin/env bash
# The other libraries of the int8 study, beside run.sh's oneDNN / OpenBLAS / our kernels, on the same
# shapes, the same way (best of RUNS (7), ≥ 20 ms each, QUIET=1 redoes a measurement another process
# disturbed), one process per candidate and thread count:
#   bench_xnnpack.c   XNNPACK (Debian: libxnnpack-dev libpthreadpool-dev): xnnpack-qs8 (fully
#                     connected, per-tensor scales, s8 output), xnnpack-qc8 (1 × 1 convolution,
#                     per-channel weight scales, s8 output), xnnpack-f32
#   bench_gemmlowp.cc gemmlowp (Debian: libgemmlowp-dev, header-only): u8 × u8 → int32,
#                     gemmlowp-avx2 (-mavx2 -DGEMMLOWP_ENABLE_AVX2) and gemmlowp-sse4 (-msse4.1)
# A library whose headers are missing is skipped. Each binary first checks its results against an
# int32 reference (`check`). Prints the raw lines (name threads M K N seconds GOPS), as run.sh.
# Usage: Benchmarks/kernels/int8/run_libraries.sh   (THREADS="1 2", LIBRARIES="xnnpack gemmlowp")
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cc="${CC:-clang}"
cxx="${CXX:-clang++}"
export RUNS=${RUNS:-7} QUIET=${QUIET:-1}
THREADS=${THREADS:-"1 2"}
LIBRARIES=${LIBRARIES:-"xnnpack gemmlowp"}
measure() { echo "# $(uptime)"; "$@"; }
for library in $LIBRARIES; do
    case $library in
    xnnpack)
        if [ ! -f /usr/include/xnnpack.h ] || [ ! -f /usr/include/pthreadpool.h ]; then
            echo "# xnnpack: headers missing (apt-get install libxnnpack-dev libpthreadpool-dev), skipped" >&2
            continue
        fi
        "$cc" -std=c11 -O2 "$here/bench_xnnpack.c" -lXNNPACK -lpthreadpool -lpthread -lm -o "$out/bench_xnnpack"
        "$out/bench_xnnpack" check >&2
        for t in $THREADS; do
            for c in xnnpack-qs8 xnnpack-qc8 xnnpack-f32; do measure "$out/bench_xnnpack" "$c" "$t"; done
        done
        ;;
    gemmlowp)
        if [ ! -f /usr/include/gemmlowp/public/gemmlowp.h ]; then
            echo "# gemmlowp: headers missing (apt-get install libgemmlowp-dev), skipped" >&2
            continue
        fi
        "$cxx" -std=c++14 -O2 -mavx2 -DGEMMLOWP_ENABLE_AVX2 "$here/bench_gemmlowp.cc" -lpthread -o "$out/gemmlowp-avx2"
        "$cxx" -std=c++14 -O2 -msse4.1 "$here/bench_gemmlowp.cc" -lpthread -o "$out/gemmlowp-sse4"
        for v in avx2 sse4; do "$out/gemmlowp-$v" check >&2; done
        for t in $THREADS; do
            for v in avx2 sse4; do measure "$out/gemmlowp-$v" "$t"; done
        done
        ;;
    *) echo "unknown library $library" >&2; exit 2 ;;
    esac
done
