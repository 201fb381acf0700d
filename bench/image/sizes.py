#!/usr/bin/env python3
"""sizes.py WORK TAG...: prints "TAG ARCHIVE_MB LAYERS_MB LAYERS FILES" for WORK/TAG.tar.

ARCHIVE_MB is the docker archive's size, LAYERS_MB the uncompressed bytes of its layers
(skopeo writes docker archives with uncompressed layers), FILES the regular files of the
squashed image (whiteouts applied); MB = 10^6 bytes.
"""
import json
import os
import posixpath
import sys
import tarfile

work, tags = sys.argv[1], sys.argv[2:]
for tag in tags:
    path = os.path.join(work, tag + ".tar")
    with tarfile.open(path) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))[0]
        layers = manifest["Layers"]
        total = sum(tar.getmember(l).size for l in layers)
        files = {}
        for l in layers:
            with tarfile.open(fileobj=tar.extractfile(l)) as lt:
                for m in lt:
                    name = posixpath.normpath("/" + m.name)
                    d, b = posixpath.split(name)
                    if b == ".wh..wh..opq":
                        files = {k: v for k, v in files.items() if not k.startswith(d.rstrip("/") + "/")}
                    elif b.startswith(".wh."):
                        gone = posixpath.join(d, b[4:])
                        files = {k: v for k, v in files.items() if k != gone and not k.startswith(gone + "/")}
                    else:
                        files[name] = m.isreg()
    print(tag, f"{os.path.getsize(path) / 1e6:.0f}", f"{total / 1e6:.0f}", len(layers),
          sum(files.values()))
