#!/usr/bin/env python3
"""Read one secret scanner's report and score it against the planted secrets.

    python3 score.py --planted bench/work/planted.json --tool gitleaks --report FILE

Prints one JSON object: findings (all the tool reported), found / planted, found and
missed per kind, the missed plants, and rule IDs seen on planted lines. A planted secret
counts as found when the tool reports a finding on its file whose line lies within the
plant's lines, widened by one line on each side (a PEM key spans several lines; an AWS
key ID has its secret key on the next line).

Report shapes understood (--tool):
  lockgate        {"findings": [{"rule_id", "location": {"path", "line"}}], "stats": {...}}
  gitleaks        [{"RuleID", "File", "StartLine", "EndLine"}]
  kingfisher      {"findings": [{"rule": {"id"}, "finding": {"path", "line"}}]}
                  (or JSON Lines of such objects)
  detect-secrets  {"results": {path: [{"type", "line_number"}]}}
  trufflehog3     [{"rule": {"id"}, "path", "line"}]  (line may be a string)

Paths are matched relative to the tree: absolute paths under it, paths that start with
the tree as given on the command line, and paths relative to it are all understood.

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path


class ReportError(Exception):
    pass


def _load_json(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise ReportError(f"{path} is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        # JSON Lines (kingfisher --format jsonl, or a tool that streams)
        items = []
        for n, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError:
                raise ReportError(f"{path} is not JSON ({e})") from None
        return items


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def parse(tool: str, report: Path):
    """-> (list of (path, line, rule), extra dict)."""
    data = _load_json(report)
    out = []
    extra = {}
    if tool == "lockgate":
        if not isinstance(data, dict) or "findings" not in data:
            raise ReportError("lockgate report has no top-level 'findings'")
        for f in data["findings"]:
            loc = f.get("location") or {}
            out.append((loc.get("path"), _int(loc.get("line")), f.get("rule_id")))
        if isinstance(data.get("stats"), dict):
            extra["stats"] = data["stats"]
    elif tool == "gitleaks":
        if not isinstance(data, list):
            raise ReportError("gitleaks report is not a JSON array")
        for f in data:
            out.append((f.get("File"), _int(f.get("StartLine")), f.get("RuleID")))
    elif tool == "kingfisher":
        items = data.get("findings", []) if isinstance(data, dict) else data
        if isinstance(data, dict) and "findings" not in data:
            raise ReportError("kingfisher report has no top-level 'findings'")
        for f in items:
            fd = f.get("finding") or {}
            out.append((fd.get("path"), _int(fd.get("line")), (f.get("rule") or {}).get("id")))
        if isinstance(data, dict):
            meta = (data.get("metadata") or {}).get("summary") or {}
            if meta:
                extra["stats"] = {
                    k: meta.get(k) for k in ("blobs_scanned", "bytes_scanned", "scan_duration_seconds")
                }
    elif tool == "detect-secrets":
        if not isinstance(data, dict) or "results" not in data:
            raise ReportError("detect-secrets report has no top-level 'results'")
        for path, items in data["results"].items():
            for f in items:
                out.append((f.get("filename", path), _int(f.get("line_number")), f.get("type")))
    elif tool == "trufflehog3":
        if not isinstance(data, list):
            raise ReportError("trufflehog3 report is not a JSON array")
        for f in data:
            out.append((f.get("path"), _int(f.get("line")), (f.get("rule") or {}).get("id")))
    else:
        raise ReportError(f"unknown tool {tool!r}")
    return out, extra


def relativize(path: str | None, tree: Path, tree_given: str) -> str | None:
    if not path:
        return None
    p = path.replace("\\", "/")
    if p.startswith("file://"):
        p = p[len("file://"):]
    tree_abs = os.path.realpath(tree)
    if os.path.isabs(p):
        rp = os.path.realpath(p)
        if rp == tree_abs or rp.startswith(tree_abs + os.sep):
            return os.path.relpath(rp, tree_abs).replace(os.sep, "/")
        return p
    given = tree_given.rstrip("/").replace("\\", "/")
    for prefix in (given + "/", "./" + given + "/"):
        if given and p.startswith(prefix):
            return p[len(prefix):]
    if p.startswith("./"):
        p = p[2:]
    if not os.path.isfile(os.path.join(tree_abs, p)):
        # relative to some other working directory: cut at the tree's own name
        parts = p.split("/")
        name = os.path.basename(tree_abs)
        if name in parts:
            i = len(parts) - 1 - parts[::-1].index(name)
            return "/".join(parts[i + 1:])
    return p


def score(tool: str, report: Path, planted: dict, tree_given: str | None = None) -> dict:
    tree = Path(planted["tree"])
    given = tree_given if tree_given is not None else planted["tree"]
    findings, extra = parse(tool, report)
    by_file = defaultdict(list)
    for path, line, rule in findings:
        rel = relativize(path, tree, given)
        if rel is not None and line is not None:
            by_file[rel].append((line, rule))
    found_by_kind = defaultdict(int)
    planted_by_kind = defaultdict(int)
    missed = []
    rules_on_plants = defaultdict(int)
    for p in planted["planted"]:
        planted_by_kind[p["kind"]] += 1
        lo, hi = p["line"] - 1, p["end_line"] + 1
        hits = [rule for line, rule in by_file.get(p["path"], []) if lo <= line <= hi]
        if hits:
            found_by_kind[p["kind"]] += 1
            for r in set(hits):
                rules_on_plants[str(r)] += 1
        else:
            missed.append({k: p[k] for k in ("path", "line", "kind")})
    missed_by_kind = {
        k: planted_by_kind[k] - found_by_kind.get(k, 0)
        for k in sorted(planted_by_kind)
        if planted_by_kind[k] - found_by_kind.get(k, 0)
    }
    return {
        "tool": tool,
        "findings": len(findings),
        "findings_unlocated": sum(1 for f in findings if f[0] is None or f[1] is None),
        "planted": len(planted["planted"]),
        "found": sum(found_by_kind.values()),
        "found_by_kind": dict(sorted(found_by_kind.items())),
        "missed_by_kind": missed_by_kind,
        "missed": missed,
        "rules_on_plants": dict(sorted(rules_on_plants.items(), key=lambda kv: -kv[1])),
        **extra,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--planted", required=True, type=Path)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--report", required=True, type=Path)
    ap.add_argument("--tree-as-given", help="the tree path as passed to the tool (default: planted.json's)")
    ap.add_argument("--brief", action="store_true", help="omit the list of missed plants")
    args = ap.parse_args()
    planted = json.loads(args.planted.read_text())
    try:
        result = score(args.tool, args.report, planted, args.tree_as_given)
    except (ReportError, OSError) as e:
        print(json.dumps({"tool": args.tool, "error": str(e)}))
        return 1
    if args.brief:
        result.pop("missed")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
