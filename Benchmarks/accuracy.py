"""Accuracy of one of our model files (an int8 one, say) against sentence-transformers' fp32 vectors.

usage: python Benchmarks/accuracy.py EMBED_BIN MODEL_FILE --reference REF.jsonl --stsb stsb-dev.tsv
EMBED_BIN: a release `embed`; MODEL_FILE: what `embed encode --model` takes. REF.jsonl: sentence-transformers'
fp32 vectors, one {"text", "ids", "embedding"} a line (../shared/reference/minilm-dev.jsonl or mpnet-dev.jsonl).
stsb-dev.tsv: STS-B dev (genre, file, year, id, score, sentence1, sentence2).
Embeds the STS-B dev sentences and every reference text with `embed encode` and prints one JSON line:
  stsb_spearman_x100: Spearman x100 of the pair cosines against the gold scores, for the reference vectors (when
    they hold every STS-B sentence) and for the model's;
  cosine_vs_reference: the per-text cosine between the model's vector and the reference vector (min, 1st and 5th
    percentile, median, mean), over the STS-B sentences the reference holds and over every reference text.
Needs numpy and scipy (the peers' virtual environment has both).
"""
import argparse, json, os, subprocess, tempfile

import numpy as np
from scipy.stats import spearmanr

p = argparse.ArgumentParser()
p.add_argument("embed"); p.add_argument("model")
p.add_argument("--reference", required=True); p.add_argument("--stsb", required=True)
a = p.parse_args()

ref = {}
for line in open(a.reference, encoding="utf-8"):
    r = json.loads(line)
    ref[r["text"]] = np.asarray(r["embedding"], dtype=np.float64)
pairs = []
for line in open(a.stsb, encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    pairs.append((float(f[4]), f[5], f[6]))
texts = sorted({t for _, s1, s2 in pairs for t in (s1, s2)} | set(ref))

with tempfile.TemporaryDirectory() as folder:
    source, output = os.path.join(folder, "in.jsonl"), os.path.join(folder, "out.jsonl")
    with open(source, "w", encoding="utf-8") as f:
        for t in texts:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
    subprocess.run([a.embed, "encode", "-q", "--allow-empty", "--model", a.model, "-i", source, "-o", output], check=True)
    ours = {t: np.asarray(json.loads(l)["embedding"], dtype=np.float64) for t, l in zip(texts, open(output, encoding="utf-8"))}


def spearman(vec):
    if not all(s1 in vec and s2 in vec for _, s1, s2 in pairs):
        return None
    cos = [float(vec[s1] @ vec[s2] / (np.linalg.norm(vec[s1]) * np.linalg.norm(vec[s2]))) for _, s1, s2 in pairs]
    return round(100 * spearmanr(cos, [g for g, _, _ in pairs]).correlation, 4)


def cosine_stats(keys):
    c = np.array([ours[k] @ ref[k] / (np.linalg.norm(ours[k]) * np.linalg.norm(ref[k])) for k in keys])
    return {"n": len(c), "min": round(float(c.min()), 6), "p1": round(float(np.percentile(c, 1)), 6),
            "p5": round(float(np.percentile(c, 5)), 6), "median": round(float(np.median(c)), 6),
            "mean": round(float(c.mean()), 6)}


sts = sorted({t for _, s1, s2 in pairs for t in (s1, s2)} & set(ref))
print(json.dumps({
    "model": a.model, "model_mb": round(os.path.getsize(a.model) / 1e6, 1), "stsb_pairs": len(pairs),
    "stsb_spearman_x100": {"reference": spearman(ref), "model": spearman(ours)},
    "cosine_vs_reference": {"stsb_sentences": cosine_stats(sts), "all_reference_texts": cosine_stats(list(ref))}}))
