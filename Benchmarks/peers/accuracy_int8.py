"""Accuracy of an int8 ONNX model against its fp32 export and the sentence-transformers reference.

usage: python accuracy_int8.py MODEL_DIR FP32.onnx INT8.onnx --reference REF.jsonl --stsb stsb-dev.tsv
                               [--max-length N] [--threads 2]
MODEL_DIR: the sentence-transformers folder (tokenizer; max_seq_length from sentence_bert_config.json unless
--max-length). REF.jsonl: fp32 sentence-transformers vectors, one {"text", "ids", "embedding"} a line
(../shared/reference/minilm-dev.jsonl or mpnet-dev.jsonl). stsb-dev.tsv: STS-B dev, columns genre, file, year,
id, score, sent1, sent2 (a few lines carry extra trailing columns, ignored).
Both ONNX models (last_hidden_state exports, export_onnx.py) are run as bench_peers.py runs them: texts
stripped, tokenized with the folder's tokenizer and truncated at max_seq_length, batches of 32 sorted by
length, mean pooling over the attention mask, L2 normalization.
Prints one JSON line:
  stsb_spearman_x100: Spearman x100 of the pair cosines against the gold scores, for the reference vectors
    (when the reference holds every STS-B sentence: a check of the data, 86.7163 for all-MiniLM-L6-v2),
    fp32 ONNX and int8 ONNX;
  cosine_vs_reference: per-text cosine to the reference vector (min, 1st and 5th percentile, median, mean), of
    the int8 and of the fp32 ONNX vectors (the latter shows the export itself is exact), over the STS-B dev
    sentences and over every reference text (stress texts, other languages, >max-length texts included);
  token_id_mismatches: reference texts whose ids differ from this tokenizer's (should be 0).
"""
import argparse, json, os

import numpy as np
import onnxruntime as ort
from scipy.stats import spearmanr
from transformers import AutoTokenizer

p = argparse.ArgumentParser()
p.add_argument("model_dir"); p.add_argument("fp32"); p.add_argument("int8")
p.add_argument("--reference", required=True); p.add_argument("--stsb", required=True)
p.add_argument("--max-length", type=int); p.add_argument("--threads", type=int, default=2)
a = p.parse_args()

max_length = a.max_length or json.load(open(os.path.join(a.model_dir, "sentence_bert_config.json")))["max_seq_length"]
tok = AutoTokenizer.from_pretrained(a.model_dir)

ref = [json.loads(l) for l in open(a.reference, encoding="utf-8")]
ref_vec = {r["text"]: np.asarray(r["embedding"], dtype=np.float64) for r in ref}
pairs = []
for line in open(a.stsb, encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    pairs.append((float(f[4]), f[5], f[6]))
sts_texts = sorted({t for _, s1, s2 in pairs for t in (s1, s2)})
texts = sorted(set(sts_texts) | set(ref_vec))


def embed(path):
    so = ort.SessionOptions(); so.intra_op_num_threads = a.threads; so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    out = {}
    order = sorted(texts, key=lambda t: -len(t))
    for i in range(0, len(order), 32):
        batch = order[i:i + 32]
        b = tok([t.strip() for t in batch], padding=True, truncation=True, max_length=max_length, return_tensors="np")
        h = sess.run(None, {k: v.astype(np.int64) for k, v in b.items() if k in names})[0].astype(np.float64)
        m = b["attention_mask"][..., None].astype(np.float64)
        e = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        e /= np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
        out.update(zip(batch, e))
    return out


def spearman(vec):
    if not all(s1 in vec and s2 in vec for _, s1, s2 in pairs):
        return None
    cos = [float(vec[s1] @ vec[s2] / (np.linalg.norm(vec[s1]) * np.linalg.norm(vec[s2]))) for _, s1, s2 in pairs]
    return round(100 * spearmanr(cos, [g for g, _, _ in pairs]).correlation, 4)


def cosine_stats(vec, keys):
    c = np.array([vec[k] @ ref_vec[k] / (np.linalg.norm(vec[k]) * np.linalg.norm(ref_vec[k])) for k in keys])
    return {"n": len(c), "min": round(float(c.min()), 6), "p1": round(float(np.percentile(c, 1)), 6),
            "p5": round(float(np.percentile(c, 5)), 6), "median": round(float(np.median(c)), 6),
            "mean": round(float(c.mean()), 6)}


mismatch = sum(tok(r["text"].strip(), truncation=True, max_length=max_length)["input_ids"] != r["ids"] for r in ref)
fp32, int8 = embed(a.fp32), embed(a.int8)
sts_in_ref = [t for t in sts_texts if t in ref_vec]
all_ref = list(ref_vec)
print(json.dumps({
    "model": os.path.basename(os.path.normpath(a.model_dir)), "max_length": max_length,
    "fp32_onnx_mb": round(os.path.getsize(a.fp32) / 1e6, 1), "int8_onnx_mb": round(os.path.getsize(a.int8) / 1e6, 1),
    "stsb_pairs": len(pairs),
    "stsb_spearman_x100": {"reference": spearman(ref_vec), "fp32_onnx": spearman(fp32), "int8_onnx": spearman(int8)},
    "cosine_vs_reference": {
        "int8_stsb_sentences": cosine_stats(int8, sts_in_ref), "int8_all_reference_texts": cosine_stats(int8, all_ref),
        "fp32_onnx_stsb_sentences": cosine_stats(fp32, sts_in_ref),
        "fp32_onnx_all_reference_texts": cosine_stats(fp32, all_ref)},
    "token_id_mismatches": int(mismatch), "reference_texts": len(ref)}))
