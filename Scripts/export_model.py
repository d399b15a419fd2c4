#!/usr/bin/env python3
"""Rewrites a sentence-transformers folder whose weights are only in PyTorch's pickle format
(pytorch_model.bin) into one `embed convert` can read (model.safetensors).

usage: python Scripts/export_model.py SOURCE OUT_DIR [--dtype float32|float16|keep] [--embed-file NAME.embed]

SOURCE is a sentence-transformers folder (the Transformer at the root or in a module folder,
Pooling, Dense, Normalize as modules.json lists them). Every folder holding pytorch_model.bin (or
the shards a pytorch_model.bin.index.json lists) — the transformer and each Dense head — gets a
model.safetensors with the same tensors; every other file the runtime reads (configuration,
tokenizer, modules.json, Pooling/Dense configuration) is copied unchanged. Pickle files are not
copied. OUT_DIR is written through a temporary sibling and renamed into place at the end, so an
interrupted run leaves nothing half-written.

Then: embed convert OUT_DIR NAME.embed   (or pass --embed-file to run it; `embed` must be on PATH)

Needs torch and safetensors (`pip install torch safetensors`); the pickles are read with
torch.load(weights_only=True), which refuses to run code embedded in them. Download a Hub
repository first (for example `huggingface-cli download ORG/NAME --local-dir SOURCE`).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

# What the runtime reads from each folder; anything else (ONNX, OpenVINO, TF/Flax weights,
# READMEs, training scripts) stays behind.
KEPT_FILES = {
    "modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json",
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
    "model.safetensors", "model.safetensors.index.json",
}
# The config.json model types `embed convert` runs: EncoderArchitectures.supportedModelTypes in
# Sources/EmbedLocal/Architectures/ (ArchitectureTests checks that the two lists agree).
SUPPORTED_MODEL_TYPES = ["bert", "camembert", "distilbert", "modernbert", "mpnet", "nomic_bert", "roberta", "xlm-roberta"]
PICKLE_SINGLE = "pytorch_model.bin"
PICKLE_INDEX = "pytorch_model.bin.index.json"


def fail(message):
    sys.exit(f"export_model: {message}")


def module_folders(source):
    """The root plus every module folder modules.json names (sentence-transformers' own order)."""
    folders = [""]
    modules_path = os.path.join(source, "modules.json")
    if os.path.isfile(modules_path):
        try:
            modules = json.load(open(modules_path, encoding="utf-8"))
        except (OSError, ValueError) as error:
            fail(f"{modules_path}: not readable JSON ({error})")
        if not isinstance(modules, list):
            fail(f"{modules_path}: expected a list of modules")
        for module in modules:
            path = (module.get("path") or "").strip("/")
            if path and path not in folders:
                if os.path.isabs(path) or ".." in path.split("/"):
                    fail(f"{modules_path}: refusing module path {path!r}")
                folders.append(path)
    return folders


def check_architecture(source, folders):
    """Refuses, before any conversion, a transformer `embed convert` cannot run."""
    for relative in folders:
        config_path = os.path.join(source, relative, "config.json")
        if not os.path.isfile(config_path):
            continue
        try:
            config = json.load(open(config_path, encoding="utf-8"))
        except (OSError, ValueError) as error:
            fail(f"{config_path}: not readable JSON ({error})")
        if not isinstance(config, dict) or "model_type" not in config and "hidden_size" not in config:
            continue  # a Pooling or Dense configuration
        model_type = config.get("model_type", "bert")
        if model_type not in SUPPORTED_MODEL_TYPES:
            fail(f"{config_path}: model_type {model_type!r} is not supported by embed; supported model types: "
                 + ", ".join(SUPPORTED_MODEL_TYPES))
        folder = os.path.join(source, relative)
        if not os.path.isfile(os.path.join(folder, "tokenizer.json")) and (
                model_type != "bert" or not os.path.isfile(os.path.join(folder, "vocab.txt"))):
            fail(f"{folder}: no tokenizer.json; embed reads Unigram and BPE tokenizers (and WordPiece ones other "
                 "than BERT's vocab.txt) from tokenizer.json only. Save the tokenizer with a fast tokenizer "
                 "(tokenizer.save_pretrained) first.")
        return model_type
    fail(f"{source}: no transformer config.json found")


def pickle_shards(folder):
    """The pickle files holding a folder's weights: one file, or the shards its index lists."""
    index_path = os.path.join(folder, PICKLE_INDEX)
    if os.path.isfile(index_path):
        index = json.load(open(index_path, encoding="utf-8"))
        shards = sorted(set(index.get("weight_map", {}).values()))
        if not shards:
            fail(f"{index_path}: no weight_map")
        return [os.path.join(folder, shard) for shard in shards]
    single = os.path.join(folder, PICKLE_SINGLE)
    return [single] if os.path.isfile(single) else []


def load_state(paths, dtype):
    import torch

    tensors = {}
    for path in paths:
        state = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
            state = state["state_dict"]
        if not isinstance(state, dict):
            fail(f"{path}: expected a state dict of tensors, found {type(state).__name__}")
        for name, tensor in state.items():
            if not isinstance(tensor, torch.Tensor):
                continue  # e.g. a stray integer buffer or metadata entry
            if name in tensors:
                fail(f"{path}: tensor {name} appears in more than one shard")
            if dtype == "float32" and tensor.is_floating_point():
                tensor = tensor.to(torch.float32)
            elif dtype == "float16" and tensor.is_floating_point():
                tensor = tensor.to(torch.float16)
            # safetensors refuses tensors that share storage (tied embeddings) or are views:
            # give each its own contiguous copy.
            tensors[name] = tensor.detach().contiguous().clone()
    if not tensors:
        fail(f"{', '.join(paths)}: no tensors found")
    return tensors


def export(source, staging, dtype):
    converted = []
    for relative in module_folders(source):
        folder = os.path.join(source, relative)
        if not os.path.isdir(folder):
            continue  # Normalize modules often have no folder
        target = os.path.join(staging, relative)
        os.makedirs(target, exist_ok=True)
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.isfile(path) and (name in KEPT_FILES or (name.startswith("model-") and name.endswith(".safetensors"))):
                shutil.copy2(path, os.path.join(target, name))
        has_safetensors = any(
            os.path.isfile(os.path.join(folder, name)) for name in ("model.safetensors", "model.safetensors.index.json"))
        shards = pickle_shards(folder)
        if has_safetensors or not shards:
            continue
        from safetensors.torch import save_file

        tensors = load_state(shards, dtype)
        save_file(tensors, os.path.join(target, "model.safetensors"), metadata={"format": "pt"})
        converted.append((relative or ".", len(tensors)))
    return converted


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="a sentence-transformers folder")
    parser.add_argument("out_dir", help="the folder to write (must not exist)")
    parser.add_argument("--dtype", choices=["float32", "float16", "keep"], default="float32",
                        help="floating-point type of the written tensors (default float32, which `embed convert` maps without a copy)")
    parser.add_argument("--embed-file", help="also run `embed convert OUT_DIR FILE`")
    args = parser.parse_args()

    source = os.path.abspath(args.source)
    out_dir = os.path.abspath(args.out_dir)
    if not os.path.isdir(source):
        fail(f"{source} is not a folder")
    if os.path.exists(out_dir):
        fail(f"{out_dir} already exists; choose a new folder")
    if out_dir == source or out_dir.startswith(source + os.sep):
        fail("OUT_DIR must be outside SOURCE")
    model_type = check_architecture(source, module_folders(source))
    print(f"export_model: model_type {model_type}", file=sys.stderr)
    try:
        import safetensors  # noqa: F401
        import torch  # noqa: F401
    except ImportError as error:
        fail(f"needs torch and safetensors (pip install torch safetensors): {error}")

    staging = out_dir + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        converted = export(source, staging, args.dtype)
        os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for folder, count in converted:
        print(f"export_model: {folder}: wrote model.safetensors ({count} tensors)", file=sys.stderr)
    if not converted:
        print("export_model: every module already had safetensors weights; copied the folder", file=sys.stderr)
    if args.embed_file:
        subprocess.run(["embed", "convert", out_dir, args.embed_file], check=True)
    else:
        print(f"export_model: next: embed convert {out_dir} NAME.embed", file=sys.stderr)


if __name__ == "__main__":
    main()
