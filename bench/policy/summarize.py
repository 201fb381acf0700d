#!/usr/bin/env python3
"""Tables for bench/policy/run.sh: timing per variant, and findings per rule compared
between the built-in rules and their two Rego forms.

    python3 bench/policy/summarize.py RESULTS.tsv --objects N [--target S]
        [--policies make_policies.py] [--markdown OUT] [--note TEXT ...]

Timing: best and median wall of the timed runs (run 0 is the warm-up and is left out),
median CPU, largest peak RSS, objects/s from the best wall, ratio = variant's best wall /
the built-in rules' best wall, and PASS/FAIL against the target for the policy runs.

Findings are read from the JSON of the first timed run of each variant. Rule IDs are
mapped to the built-in rule they mirror: `REGO-KUBE-NNN` (conftest) and
`<Kind>/kube-NNN` (Gatekeeper) to `KUBE-NNN`. Equivalence is checked per object: the
number of findings of each rule on each (file, kind, namespace, name) must be the same in
all three forms; every difference is listed.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import statistics
import subprocess
import sys

LABELS = {
    "builtin": "built-in rules (20 KUBE rules)",
    "conftest": "Rego, conftest (20 deny rules)",
    "gatekeeper": "Rego, Gatekeeper (20 templates + constraints)",
    "floor-1": "floor: 1 Rego rule that never matches",
    "floor-20": "floor: 20 Rego rules that never match",
}
POLICY_VARIANTS = ("conftest", "gatekeeper")


def read_rows(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


def mirrored(rule_id: str) -> str | None:
    if re.fullmatch(r"KUBE-\d{3}", rule_id):
        return rule_id
    m = re.fullmatch(r"REGO-(KUBE-\d{3})", rule_id)
    if m:
        return m.group(1)
    m = re.fullmatch(r"\w+/kube-(\d{3})", rule_id)
    if m:
        return f"KUBE-{m.group(1)}"
    return None


def findings(path: str):
    """(per-rule counts, per-(rule, object) counts, other rule IDs with counts, total)."""
    try:
        doc = json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError) as error:
        return None, None, {f"unreadable: {error}": 1}, 0
    per_rule: collections.Counter = collections.Counter()
    per_object: collections.Counter = collections.Counter()
    other: collections.Counter = collections.Counter()
    items = doc.get("findings", [])
    for f in items:
        rule = mirrored(f.get("rule_id", ""))
        if rule is None:
            other[f.get("rule_id", "?")] += 1
            continue
        per_rule[rule] += 1
        obj = f.get("object") or {}
        where = (f.get("location") or {}).get("path", "?")
        per_object[(rule, where, obj.get("kind"), obj.get("namespace"), obj.get("name"))] += 1
    return per_rule, per_object, other, len(items)


def fmt_wall(s: float) -> str:
    return f"{s:.3f}" if s < 10 else f"{s:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--objects", type=int, required=True)
    parser.add_argument("--target", type=float, default=2.0)
    parser.add_argument("--policies", help="make_policies.py, for the rules' names")
    parser.add_argument("--markdown")
    parser.add_argument("--note", action="append", default=[])
    args = parser.parse_args()

    names: dict[str, str] = {}
    if args.policies:
        listing = subprocess.run([sys.executable, args.policies, "--list"], capture_output=True, text=True, check=False)
        for line in listing.stdout.splitlines():
            parts = line.split()
            if len(parts) >= 2:
                names[parts[0]] = parts[1]

    rows = read_rows(args.results)
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    out: list[str] = []
    out.append(f"### {args.objects:,} objects × 20 checks: built-in rules and Rego policies\n")
    out.append("| variant | runs | wall s (best) | wall s (median) | cpu s (median) | peak MB | findings | objects/s | ratio vs built-in | target < "
               f"{args.target:g} s |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    best: dict[str, float] = {}
    first_report: dict[str, str] = {}
    totals: dict[str, int] = {}
    bad: list[str] = []
    for variant in variants:
        timed = [r for r in rows if r["variant"] == variant and r["run"] != "0"]
        ok = [r for r in timed if r["status"] == "ok"]
        bad += [f"{variant} run {r['run']}: {r['status']}" for r in timed if r["status"] != "ok"]
        if not ok:
            continue
        walls = [float(r["wall_s"]) for r in ok]
        best[variant] = min(walls)
        first_report[variant] = ok[0]["report"]
    base = best.get("builtin")
    for variant in variants:
        if variant not in best:
            out.append(f"| {LABELS.get(variant, variant)} | 0 | - | - | - | - | - | - | - | no successful run |")
            continue
        ok = [r for r in rows if r["variant"] == variant and r["run"] != "0" and r["status"] == "ok"]
        walls = [float(r["wall_s"]) for r in ok]
        cpus = [float(r["cpu_s"]) for r in ok]
        peak = max(int(r["peak_kb"]) for r in ok) / 1024
        _, _, _, total = findings(first_report[variant])
        totals[variant] = total
        ratio = f"{best[variant] / base:.2f}×" if base else "-"
        if variant in POLICY_VARIANTS:
            target = "**PASS**" if best[variant] < args.target else "**FAIL**"
        else:
            target = "-"
        out.append(
            f"| {LABELS.get(variant, variant)} | {len(ok)} | {fmt_wall(best[variant])} | {fmt_wall(statistics.median(walls))} | "
            f"{statistics.median(cpus):.2f} | {peak:.1f} | {total:,} | {args.objects / best[variant]:,.0f} | {ratio} | {target} |"
        )
    out.append("")
    cpu = {v: statistics.median(float(r["cpu_s"]) for r in rows
                                if r["variant"] == v and r["run"] != "0" and r["status"] == "ok")
           for v in best}
    if "floor-1" in cpu and "floor-20" in cpu:
        f1, f20 = cpu["floor-1"], cpu["floor-20"]
        per_eval = (f20 - f1) / (19 * args.objects) * 1e6
        out.append("Where the CPU time goes (median CPU seconds): reading, parsing and converting "
                   f"{args.objects:,} documents to Rego values with one evaluation each: {f1:.2f} s (floor-1); "
                   f"19 more evaluations per document of a rule that never matches: {f20 - f1:.2f} s "
                   f"({per_eval:.1f} µs per evaluation, floor-20 − floor-1).")
        for v in POLICY_VARIANTS:
            if v in cpu:
                out.append(f"- {v}: {cpu[v]:.2f} CPU s = floor-20 {f20:.2f} s + the 20 policies' own work "
                           f"{cpu[v] - f20:.2f} s; CPU ratio vs built-in {cpu[v] / cpu['builtin']:.1f}×"
                           if "builtin" in cpu else "")
        if "builtin" in cpu:
            out.append(f"- built-in: {cpu['builtin']:.2f} CPU s for parsing and the same 20 checks.")
        out.append("")
    # Findings per rule.
    data = {v: findings(first_report[v]) for v in ("builtin", *POLICY_VARIANTS) if v in first_report}
    if "builtin" in data:
        out.append("### Findings per rule (first timed run)\n")
        cols = [v for v in ("builtin", *POLICY_VARIANTS) if v in data]
        out.append("| rule | " + " | ".join(cols) + " | same |")
        out.append("|---|" + "---:|" * len(cols) + "---|")
        rules = sorted(set().union(*(d[0].keys() for d in data.values() if d[0] is not None)))
        for rule in rules:
            counts = [data[c][0][rule] if data[c][0] is not None else 0 for c in cols]
            same = "yes" if len(set(counts)) == 1 else "**no**"
            label = f"{rule} {names.get(rule, '')}".strip()
            out.append(f"| {label} | " + " | ".join(f"{n:,}" for n in counts) + f" | {same} |")
        sums = [sum(data[c][0].values()) if data[c][0] is not None else 0 for c in cols]
        out.append("| **total** | " + " | ".join(f"**{n:,}**" for n in sums) + f" | {'yes' if len(set(sums)) == 1 else '**no**'} |")
        out.append("")
        for variant in POLICY_VARIANTS:
            if variant not in data or data[variant][1] is None:
                continue
            diff_lines = []
            a, b = data["builtin"][1], data[variant][1]
            for key in sorted(set(a) | set(b), key=lambda k: tuple(str(x) for x in k)):
                if a[key] != b[key]:
                    rule, path, kind, ns, name = key
                    diff_lines.append(f"  - {rule} on {kind} {ns}/{name} ({path}): built-in {a[key]}, {variant} {b[key]}")
            if diff_lines:
                out.append(f"Per-object differences, built-in vs {variant}: {len(diff_lines)}")
                out.extend(diff_lines[:40])
                if len(diff_lines) > 40:
                    out.append(f"  - ... and {len(diff_lines) - 40} more")
            else:
                out.append(f"Per-object comparison, built-in vs {variant}: identical (same number of findings of every "
                           "rule on every object).")
            other = data[variant][2]
            if other:
                out.append(f"Other findings in the {variant} run: " + ", ".join(f"{k} ×{n}" for k, n in sorted(other.items())))
        other = data["builtin"][2]
        if other:
            out.append("Other findings in the built-in run: " + ", ".join(f"{k} ×{n}" for k, n in sorted(other.items())))
        out.append("")

    policy_best = {v: best[v] for v in POLICY_VARIANTS if v in best}
    if policy_best:
        verdicts = ", ".join(f"{v} {s:.3f} s ({'met' if s < args.target else 'missed'})" for v, s in policy_best.items())
        out.append(f"Target: {args.objects:,} objects × 20 Rego policies in under {args.target:g} s: {verdicts}.\n")
    for note in args.note:
        out.append(f"- {note}")
    if bad:
        out.append("")
        out.append("Failed runs: " + "; ".join(bad))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(text)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
