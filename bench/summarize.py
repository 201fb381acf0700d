#!/usr/bin/env python3
"""Summarise bench/run.sh measurements: a table per input and the issue's targets.

Reads the TSV that run.sh writes (one row per run, warm-ups included) and prints
Markdown: wall time (best and median of the timed runs), CPU time, peak RSS,
findings or documents counted from each tool's output, the ratio to lockgate,
and whether each target holds. Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import statistics
import sys

TOOL_ORDER = ["lockgate", "lockgate-o-file", "parse-tree", "parse-events", "trivy", "checkov"]
TOOL_LABEL = {
    "lockgate": "lockgate scan --format json (stdout)",
    "lockgate-o-file": "lockgate scan --format json -o FILE",
    "parse-tree": "parse only: lockgate-syntax tree",
    "parse-events": "parse only: saphyr-parser events",
    "trivy": "trivy config",
    "checkov": "checkov --framework kubernetes",
}
# Stream-friendly counters: outputs can be hundreds of MB, so count tokens, not objects.
COUNTERS = {
    "lockgate": (re.compile(rb'"rule_id":'), "findings"),
    "lockgate-o-file": (re.compile(rb'"rule_id":'), "findings"),
    "trivy": (re.compile(rb'"Status": "FAIL"'), "findings"),
    "checkov": (re.compile(rb'"check_id":'), "findings"),
}


def count_tokens(path: str, pattern: re.Pattern[bytes]) -> int | None:
    if not os.path.exists(path):
        return None
    total = 0
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            data = tail + chunk
            # Count up to the last newline (or all but a short tail), carry the rest
            # over, so a token split between two reads is counted exactly once.
            cut = data.rfind(b"\n") + 1 or max(0, len(data) - 63)
            total += len(pattern.findall(data, 0, cut))
            tail = data[cut:]
    total += len(pattern.findall(tail))
    return total


def output_count(tool: str, row: dict[str, str]) -> str:
    out = row["output"]
    if tool.startswith("parse-"):
        try:
            text = open(out, encoding="utf-8").read()
        except OSError:
            return "?"
        m = re.search(r"documents=(\d+)", text)
        return f"{int(m.group(1)):,} docs" if m else "?"
    if row["status"] != "ok":
        return "-"
    if tool == "lockgate-o-file":
        out = os.path.join(os.path.dirname(out), f"lockgate-o-file.{row['input']}.json")
    pattern, what = COUNTERS[tool]
    n = count_tokens(out, pattern)
    return "?" if n is None else f"{n:,} {what}"


def fmt_s(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--cap", type=float, default=900)
    ap.add_argument("--tree-summary")
    ap.add_argument("--note", action="append", default=[])
    args = ap.parse_args()

    rows = list(csv.DictReader(open(args.results, encoding="utf-8"), delimiter="\t"))
    inputs: list[str] = []
    for r in rows:
        if r["input"] not in inputs:
            inputs.append(r["input"])

    stats: dict[tuple[str, str], dict] = {}
    for tool in TOOL_ORDER:
        for inp in inputs:
            timed = [r for r in rows if r["tool"] == tool and r["input"] == inp and r["run"] != "warmup"]
            if not timed:
                continue
            ok = [r for r in timed if r["status"] == "ok"]
            capped = any(r["status"] == "capped" for r in timed)
            walls = [float(r["wall_s"]) for r in ok]
            s = {
                "runs": len(timed),
                "status": "ok" if ok else timed[0]["status"],
                "capped": capped and not ok,
                "best": min(walls) if walls else None,
                "median": statistics.median(walls) if walls else None,
                "cpu": statistics.median(float(r["cpu_s"]) for r in ok) if ok else None,
                "peak_mb": max(int(r["peak_kb"]) for r in ok) / 1024 if ok else None,
                "peak_at_cap_mb": max((int(r["peak_kb"]) for r in timed if r["status"] == "capped"), default=0) / 1024,
                "count": output_count(tool, (ok or timed)[0]),
            }
            stats[(tool, inp)] = s

    print("## Results\n")
    for note in args.note:
        print(f"- {note}")
    if args.tree_summary and os.path.exists(args.tree_summary):
        t = json.load(open(args.tree_summary, encoding="utf-8"))
        kinds = ", ".join(f"{v} {k}" for k, v in sorted(t["kinds"].items()))
        print(
            f"- tree-10k: {t['workloads']:,} workload objects ({kinds}) plus {t['Service']:,} Services and "
            f"{t['ConfigMap']:,} ConfigMaps: {t['documents']:,} documents in {t['files']:,} files"
        )
    print(
        "- wall = best of the timed runs (median beside it); lockgate and the parse baselines: "
        "1 warm-up + N runs, peers: 1 run after a warm-up. ratio = tool best wall / lockgate best wall."
    )
    print()

    for inp in inputs:
        base = stats.get(("lockgate", inp), {}).get("best")
        print(f"### {inp}\n")
        print("| tool | runs | wall s (best) | wall s (median) | cpu s | peak MB | output | ratio vs lockgate |")
        print("|---|---:|---:|---:|---:|---:|---|---:|")
        for tool in TOOL_ORDER:
            s = stats.get((tool, inp))
            if not s:
                continue
            if s["capped"]:
                wall = f"> {args.cap:.0f} (cap)"
                ratio = f"> {args.cap / base:.0f}×" if base else "-"
                peak = f"{s['peak_at_cap_mb']:.0f} at the cap" if s["peak_at_cap_mb"] else "-"
                print(f"| {TOOL_LABEL[tool]} | {s['runs']} | {wall} | - | - | {peak} | - | {ratio} |")
                continue
            if s["status"] != "ok":
                print(f"| {TOOL_LABEL[tool]} | {s['runs']} | {s['status']} | - | - | - | - | - |")
                continue
            ratio = f"{s['best'] / base:.2f}×" if base else "-"
            print(
                f"| {TOOL_LABEL[tool]} | {s['runs']} | {fmt_s(s['best'])} | {fmt_s(s['median'])} | "
                f"{s['cpu']:.2f} | {s['peak_mb']:.1f} | {s['count']} | {ratio} |"
            )
        print()

    # ------------------------------------------------------------------ targets
    print("### Targets\n")
    print("| target | measured | met |")
    print("|---|---|---|")

    def line(name: str, measured: str, met: bool | None) -> None:
        verdict = "n/a" if met is None else ("yes" if met else "**no**")
        print(f"| {name} | {measured} | {verdict} |")

    lg = stats.get(("lockgate", "tree-10k"))
    if lg and lg["best"] is not None:
        b = lg["best"]
        line(
            "10,000 objects in < 1 s (2 cores)",
            f"{b:.3f} s" + ("" if b < 1 else f" ({b:.2f}× the budget)"),
            b < 1.0,
        )
    for peer, need in (("trivy", 20), ("checkov", 100)):
        for inp in inputs:
            s, l = stats.get((peer, inp)), stats.get(("lockgate", inp))
            if not s or not l or l["best"] is None:
                continue
            if s["capped"]:
                r = args.cap / l["best"]
                line(f"≥ {need}× faster than {peer} ({inp})", f"> {r:.0f}× (peer hit the {args.cap:.0f} s cap)", True)
            elif s["best"] is not None:
                r = s["best"] / l["best"]
                line(f"≥ {need}× faster than {peer} ({inp})", f"{r:.1f}×", r >= need)
            else:
                line(f"≥ {need}× faster than {peer} ({inp})", s["status"], None)
    for inp in inputs:
        l = stats.get(("lockgate", inp))
        for base_tool, what in (("parse-events", "saphyr-parser events"), ("parse-tree", "lockgate-syntax tree")):
            p = stats.get((base_tool, inp))
            if not l or not p or l["best"] is None or p["best"] is None:
                continue
            r = l["best"] / p["best"]
            line(f"within 2× of parse-only, {what} ({inp})", f"{r:.2f}× ({l['best']:.3f} s vs {p['best']:.3f} s)", r <= 2.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
