#!/usr/bin/env python3
"""A CycloneDX 1.6 document of N packages that all have advisories, for timing matching.

    python3 gen_sbom.py OUT.cdx.json --count 10000 OSV_DIR_OR_FILE...

Reads OSV records (JSON files, directories of them, osv.dev `{"vulns": [...]}` files,
and YAML files such as PyPA's when PyYAML is installed), collects every
(ecosystem, package) that lockgate reads from a purl, and for each the versions its
records name (`versions` lists, `introduced`/`last_affected` events). Components cycle
over the packages, each time with the package's next version, so most components are
affected by at least one advisory and all of them touch the database. Deterministic:
same input, same document.
"""

import argparse
import json
import os
import sys
import urllib.parse

try:
    import yaml
except ImportError:  # PyYAML is optional: without it, YAML records are skipped
    yaml = None

# OSV ecosystem → purl type (only the types lockgate reads back from a purl).
PURL_TYPES = {
    "PyPI": "pypi",
    "Go": "golang",
    "crates.io": "cargo",
    "npm": "npm",
    "Maven": "maven",
    "RubyGems": "gem",
    "NuGet": "nuget",
    "Packagist": "composer",
}


def records(paths):
    for root in paths:
        files = []
        if os.path.isdir(root):
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                files.extend(
                    os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith((".json", ".yaml", ".yml"))
                )
        else:
            files.append(root)
        for path in files:
            try:
                with open(path, encoding="utf-8") as f:
                    if path.endswith(".json"):
                        doc = json.load(f)
                    elif yaml is not None:
                        doc = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
                    else:
                        continue
            except Exception:  # noqa: BLE001 - unreadable input is skipped, as a scanner would
                continue
            items = doc.get("vulns", [doc]) if isinstance(doc, dict) else doc if isinstance(doc, list) else []
            for item in items:
                if isinstance(item, dict) and item.get("id") and not item.get("withdrawn"):
                    yield item


def purl(kind, name, version):
    quote = lambda s: urllib.parse.quote(s, safe=".-_~")  # noqa: E731
    if kind == "maven":
        group, _, artifact = name.partition(":")
        path = f"{quote(group)}/{quote(artifact)}"
    elif kind in ("golang", "npm", "composer"):
        path = "/".join(quote(part) for part in name.split("/"))
    else:
        path = quote(name)
    if kind == "golang" and not version.startswith("v"):
        version = "v" + version
    return f"pkg:{kind}/{path}@{quote(version)}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--count", type=int, default=10000)
    args = parser.parse_args()

    versions = {}  # (purl type, name) -> ordered versions
    for record in records(args.inputs):
        for affected in record.get("affected") or []:
            package = affected.get("package") or {}
            kind = PURL_TYPES.get(str(package.get("ecosystem", "")).split(":")[0])
            name = package.get("name")
            if not kind or not isinstance(name, str) or not name:
                continue
            found = versions.setdefault((kind, name), [])
            candidates = [v for v in affected.get("versions") or [] if isinstance(v, str)]
            for r in affected.get("ranges") or []:
                if r.get("type") in ("SEMVER", "ECOSYSTEM"):
                    for event in r.get("events") or []:
                        for key in ("introduced", "last_affected"):
                            v = event.get(key)
                            if isinstance(v, str) and v != "0":
                                candidates.append(v)
            for v in candidates:
                if v not in found:
                    found.append(v)
            if not found:
                found.append("0.0.1")
    keys = sorted(versions)
    if not keys:
        sys.exit("gen_sbom.py: no packages found in the inputs")
    components = []
    for i in range(args.count):
        kind, name = keys[i % len(keys)]
        options = versions[(kind, name)]
        version = options[(i // len(keys)) % len(options)]
        components.append(
            {
                "type": "library",
                "bom-ref": f"c{i}",
                "name": name,
                "version": version,
                "purl": purl(kind, name, version),
            }
        )
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "lockgate-bench-10k"}},
        "components": components,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f)
    print(f"{len(components)} components over {len(keys)} packages", file=sys.stderr)


if __name__ == "__main__":
    main()
