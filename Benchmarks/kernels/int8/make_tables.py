#!/usr/bin/env python3
"""Markdown tables from a run.sh raw file (name threads M K N seconds GOPS)."""
import sys, collections, math

rows = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.startswith('#')]
data = {}
for name, t, m, k, n, sec, gops in rows:
    data[(name, int(t), m, k, n)] = (float(sec), float(gops))

cols = ['openblas', 'openblas-split', 'smallgemm', 'onednn-u8', 'onednn-s8', 'int8-avx512vnni', 'int8-avx512vnni+q',
        'int8-avxvnni', 'int8-avxvnni+q', 'int8-avx2', 'int8-avx2+q', 'int8-portable']
short = {'openblas': 'OpenBLAS f32', 'openblas-split': 'OpenBLAS f32, N split by our 2 threads', 'smallgemm': 'repo small_gemm f32', 'onednn-u8': 'oneDNN u8s8',
         'onednn-s8': 'oneDNN s8s8', 'int8-avx512vnni': 'ours 512VNNI', 'int8-avx512vnni+q': '512VNNI +quant',
         'int8-avxvnni': 'ours AVX-VNNI', 'int8-avxvnni+q': 'AVX-VNNI +quant', 'int8-avx2': 'ours AVX2',
         'int8-avx2+q': 'AVX2 +quant', 'int8-portable': 'ours portable'}
shapes = [('384', '384'), ('384', '1152'), ('384', '1536'), ('1536', '384'), ('768', '768'), ('768', '3072'), ('3072', '768')]
ms = ['1', '8', '16', '128', '512', '2048']
for t in (1, 2):
    print(f'\n#### GOPS, {t} thread{"s" if t > 1 else ""} (2·M·N·K / time; best of 7)\n')
    print('| K×N | M | ' + ' | '.join(short[c] for c in cols) + ' |')
    print('|---|---:|' + '---:|' * len(cols))
    for k, n in shapes:
        for m in ms:
            cells = []
            for c in cols:
                v = data.get((c, t, m, k, n))
                cells.append('' if v is None else f'{v[1]:.0f}')
            print(f'| {k}×{n} | {m} | ' + ' | '.join(cells) + ' |')
    # geometric means per M
    print(f'\n| geomean over the 7 shapes, {t} thr | M | ' + ' | '.join(short[c] for c in cols) + ' |')
    print('|---|---:|' + '---:|' * len(cols))
    for m in ms:
        cells = []
        for c in cols:
            vals = [data[(c, t, m, k, n)][1] for k, n in shapes if (c, t, m, k, n) in data]
            cells.append(f'{math.exp(sum(map(math.log, vals)) / len(vals)):.0f}' if len(vals) == 7 else '')
        print(f'| | {m} | ' + ' | '.join(cells) + ' |')

print('\n#### Quantizing the activations (M × K floats → int8 + scales), µs, 1 thread\n')
qs = ['quantize-avx512vnni', 'quantize-avx2', 'quantize-portable']
print('| M | K | ' + ' | '.join(q.split('-')[1] for q in qs) + ' | 512VNNI GB/s read |')
print('|---:|---:|' + '---:|' * (len(qs) + 1))
for k in ('384', '768', '1536', '3072'):
    for m in ms:
        cells = []
        for q in qs:
            found = [v for key, v in data.items() if key[0] == q and key[2] == m and key[3] == k]
            cells.append(f'{found[0][0] * 1e6:.2f}' if found else '')
        found = [v for key, v in data.items() if key[0] == qs[0] and key[2] == m and key[3] == k]
        bw = f'{int(m) * int(k) * 4 / found[0][0] / 1e9:.1f}' if found else ''
        print(f'| {m} | {k} | ' + ' | '.join(cells) + f' | {bw} |')

print('\n#### MiniLM-L6 linear layers (24 products, distinct weights), ms per forward pass\n')
print('fp32 = the current path: the repo\'s small_gemm for ≤ 16 tokens, else OpenBLAS (2 threads: "OpenBLAS" = its own pool, "split" = our two workers each calling 1-thread OpenBLAS on half the columns). int8 includes quantizing the activations of every product.\n')
sc = ['stack-fp32', 'stack-fp32-split', 'stack-int8-avx512vnni', 'stack-int8-avxvnni', 'stack-int8-avx2']
print('| tokens | threads | fp32 | fp32 split | int8 512VNNI | int8 AVX-VNNI | int8 AVX2 | speed-up 512VNNI | speed-up AVX-VNNI | speed-up AVX2 |')
print('|---:|---:|' + '---:|' * (len(sc) + 3))
for t in (1, 2):
    for m in ('1', '8', '16', '128', '512'):
        v = [data.get((s, t, m, 'minilm-linears', '-')) for s in sc]
        cells = ['' if x is None else f'{x[0] * 1e3:.3f}' for x in v]
        base = min(x[0] for x in v[:2] if x)
        sus = [f'{base / x[0]:.2f}×' if x else '' for x in v[2:]]
        print(f'| {m} | {t} | ' + ' | '.join(cells) + ' | ' + ' | '.join(sus) + ' |')
print('\n(speed-up against the faster fp32 variant)')
