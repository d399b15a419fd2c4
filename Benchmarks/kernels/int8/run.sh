#!/usr/bin/env bash
# The int8 kernel study of Benchmarks/README.md ("int8"): builds bench_int8.c and pack_cost.c against
# this checkout's CEmbedKernels (int8_gemm.c, small_gemm.c) and the system OpenBLAS, plus oneDNN when
# its headers are installed (Debian: libdnnl-dev), and measures every candidate, one process each, at
# 1 and 2 threads, best of RUNS (7). QUIET=1 (default) discards and redoes a measurement during which
# another process used the CPU. Prints the raw file (name threads M K N seconds GOPS); make_tables.py
# turns it into the tables.
# Usage: Benchmarks/kernels/int8/run.sh   (THREADS="1 2", CANDIDATES, STACKS narrow a run; STACKS="" skips the stacks)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../../.."
kernels="$root/Sources/CEmbedKernels"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cc="${CC:-clang}"
flags=(-std=c11 -O2 -ffp-contract=off -I"$kernels/include" -I"$kernels")
dnnl=()
if [ -f /usr/include/oneapi/dnnl/dnnl.h ]; then dnnl=(-DHAVE_DNNL=1 -ldnnl -lgomp); fi
"$cc" "${flags[@]}" "$here/bench_int8.c" "$kernels/int8_gemm.c" "$kernels/small_gemm.c" \
    $(pkg-config --cflags --libs openblas) "${dnnl[@]}" -lpthread -lm -o "$out/bench_int8"
"$cc" "${flags[@]}" "$here/pack_cost.c" "$kernels/int8_gemm.c" -lm -o "$out/pack_cost"
"$out/pack_cost"
export RUNS=${RUNS:-7} QUIET=${QUIET:-1}
onednn=""
[ ${#dnnl[@]} -gt 0 ] && onednn="onednn-u8 onednn-s8"
THREADS=${THREADS-"1 2"}
CANDIDATES=${CANDIDATES-"openblas smallgemm $onednn int8-avx512vnni int8-avxvnni int8-avx2 int8-portable"}
STACKS=${STACKS-"stack-fp32 stack-int8-avx512vnni stack-int8-avxvnni stack-int8-avx2"}
measure() { echo "# $(uptime)"; OPENBLAS_NUM_THREADS=$2 OMP_NUM_THREADS=$2 "$out/bench_int8" "$1" "$2"; }
for t in $THREADS; do for c in $CANDIDATES; do measure "$c" "$t"; done; done
case " $THREADS " in *" 1 "*) for c in quantize-avx512vnni quantize-avx2 quantize-portable; do measure "$c" 1; done;; esac
for t in $THREADS; do for c in $STACKS; do measure "$c" "$t"; done; done
