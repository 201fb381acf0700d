#!/usr/bin/env python3
"""Summarize bench/sbom/run.sh: one table per tree (wall, CPU, peak RSS, package counts,
ratios against lockgate), then the database import and matching timings.

    python3 summarize.py RESULTS.tsv --markdown OUT.md [--json OUT.json] [--note TEXT]...

Package counts are read from each tool's CycloneDX output: components (nested ones
included), and distinct purls without qualifiers or subpath, by purl type.
"""

import argparse
import collections
import json
import os


def components(doc):
    stack = list(doc.get("components") or []) if isinstance(doc, dict) else []
    while stack:
        c = stack.pop()
        if isinstance(c, dict):
            yield c
            stack.extend(c.get("components") or [])


def counts(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    total = 0
    purls = set()
    for c in components(doc):
        total += 1
        purl = c.get("purl")
        if isinstance(purl, str) and purl.startswith("pkg:"):
            purls.add(purl.split("?")[0].split("#")[0])
    by_type = collections.Counter(p[4:].split("/")[0] for p in purls)
    return {"components": total, "purls": len(purls), "by_type": dict(sorted(by_type.items()))}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--json")
    parser.add_argument("--note", action="append", default=[])
    args = parser.parse_args()

    rows = []
    with open(args.results, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))

    # (task, subject, tool) -> best wall, its CPU, largest peak, a report, statuses
    groups = collections.OrderedDict()
    for r in rows:
        key = (r["task"], r["subject"], r["tool"])
        g = groups.setdefault(key, {"walls": [], "cpus": [], "peaks": [], "reports": [], "status": set()})
        g["status"].add(r["status"])
        if r["status"] == "ok":
            g["walls"].append(float(r["wall_s"]))
            g["cpus"].append(float(r["cpu_s"]))
            g["peaks"].append(int(r["peak_kb"]))
            g["reports"].append(r["report"])

    summary = []
    for (task, subject, tool), g in groups.items():
        entry = {"task": task, "subject": subject, "tool": tool, "status": sorted(g["status"])}
        if g["walls"]:
            best = min(range(len(g["walls"])), key=lambda i: g["walls"][i])
            entry.update(
                wall_s=g["walls"][best],
                cpu_s=g["cpus"][best],
                peak_mb=max(g["peaks"]) / 1024,
                runs=len(g["walls"]),
            )
            report = g["reports"][best]
            if task == "sbom" and report and os.path.exists(report):
                entry["counts"] = counts(report)
        summary.append(entry)

    out = []
    for note in args.note:
        out.append(f"- {note}")
    out.append("")
    sbom_subjects = list(dict.fromkeys(e["subject"] for e in summary if e["task"] == "sbom"))
    for subject in sbom_subjects:
        entries = [e for e in summary if e["task"] == "sbom" and e["subject"] == subject]
        base = next((e for e in entries if e["tool"] == "lockgate" and "wall_s" in e), None)
        out.append(f"**SBOM of `{subject}`**")
        out.append("")
        out.append("| tool | wall (best) | CPU | peak RSS | components | distinct purls | by purl type | wall / lockgate's |")
        out.append("|---|---:|---:|---:|---:|---:|---|---:|")
        for e in entries:
            if "wall_s" not in e:
                out.append(f"| {e['tool']} | {', '.join(e['status'])} | | | | | | |")
                continue
            c = e.get("counts") or {}
            types = ", ".join(f"{k} {v}" for k, v in (c.get("by_type") or {}).items())
            ratio = f"{e['wall_s'] / base['wall_s']:.1f}×" if base and base["wall_s"] > 0 else "-"
            out.append(
                f"| {e['tool']} | {e['wall_s']:.3f} s | {e['cpu_s']:.2f} s | {e['peak_mb']:.1f} MB "
                f"| {c.get('components', '-')} | {c.get('purls', '-')} | {types} | {ratio} |"
            )
        out.append("")
    others = [e for e in summary if e["task"] != "sbom"]
    if others:
        out.append("**lockgate's database**")
        out.append("")
        out.append("| task | input | wall (best) | CPU | peak RSS |")
        out.append("|---|---|---:|---:|---:|")
        for e in others:
            if "wall_s" not in e:
                out.append(f"| {e['task']} | {e['subject']} | {', '.join(e['status'])} | | |")
                continue
            out.append(
                f"| {e['task']} | {e['subject']} | {e['wall_s']:.3f} s | {e['cpu_s']:.2f} s | {e['peak_mb']:.1f} MB |"
            )
        out.append("")
    text = "\n".join(out)
    with open(args.markdown, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
