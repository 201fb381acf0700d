#!/usr/bin/env python3
"""synth.py SOURCE.tar OUT.tar COPIES: a larger docker archive for the memory plateau check.

OUT holds every layer of the docker archive SOURCE, then COPIES more copies of each of
its layers with every path moved under /copyN/ (hard link targets too; symlinks are kept
as written: absolute ones point into the original tree, relative ones into the copy).
The image grows (COPIES + 1 times the files and bytes, the same kinds of content) while
its config stays the same but for the added diff IDs and history entries. Nothing is
pulled; only the standard library is used.
"""
import hashlib
import io
import json
import os
import sys
import tarfile
import tempfile


def copy_layer(src_bytes_file, prefix, out_path):
    """Writes src with every name under prefix to out_path; returns its sha256 hex."""
    with tarfile.open(fileobj=src_bytes_file, mode="r|") as src, open(out_path, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w|", format=tarfile.PAX_FORMAT) as dst:
            for member in src:
                name = member.name.lstrip("./").lstrip("/")
                member.name = f"{prefix}/{name}" if name else prefix
                if member.islnk():
                    member.linkname = f"{prefix}/{member.linkname.lstrip('./').lstrip('/')}"
                data = src.extractfile(member) if member.isfile() else None
                dst.addfile(member, data)
    digest = hashlib.sha256()
    with open(out_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    source, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with tarfile.open(source) as archive, tempfile.TemporaryDirectory(dir=os.path.dirname(out) or ".") as tmp:
        manifest = json.load(archive.extractfile("manifest.json"))[0]
        config = json.load(archive.extractfile(manifest["Config"]))
        layers = list(manifest["Layers"])
        added = []
        for n in range(1, copies + 1):
            for layer in manifest["Layers"]:
                path = os.path.join(tmp, f"copy{n}-{len(added)}.tar")
                hexdigest = copy_layer(archive.extractfile(layer), f"copy{n}", path)
                added.append((f"{hexdigest}.tar", path, hexdigest))
                config["rootfs"]["diff_ids"].append(f"sha256:{hexdigest}")
                config.setdefault("history", []).append(
                    {"created_by": f"synth.py: copy {n} of {layer}"}
                )
        config_bytes = json.dumps(config).encode()
        config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
        manifest_out = [
            {
                "Config": config_name,
                "RepoTags": [t.replace(":", "-synth:", 1) if ":" in t else t for t in manifest.get("RepoTags") or []],
                "Layers": layers + [name for name, _, _ in added],
            }
        ]
        with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
            for layer in layers:
                dst.addfile(archive.getmember(layer), archive.extractfile(layer))
            for name, path, _ in added:
                dst.add(path, arcname=name)
            for name, data in ((config_name, config_bytes), ("manifest.json", json.dumps(manifest_out).encode())):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                dst.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main()
