#!/usr/bin/env python3
"""Turn bench/work/secrets-results.tsv into the secrets benchmark's tables.

    python3 summarize.py RESULTS.tsv --planted planted.json [--cap S] [--markdown OUT.md]
        [--json OUT.json] [--version TOOL=TEXT]... [--unavailable TOOL=WHY]... [--note TEXT]...

Per tool (best wall of its timed runs): wall time, throughput (tree MB / wall), MB per
CPU-second (tree MB / user+system CPU of the tool and its children), CPU use, peak RSS
(GNU time: the largest single process), planted secrets found (a finding on the plant's
file within one line of it), the kinds it missed, and all findings it reported. Then
lockgate's ratios to each peer and to the floor (a plain literal search over the same
tree). MB = 10^6 bytes. Prints a plain table and the same tables in Markdown.

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import score as scoring  # noqa: E402

ORDER = ["lockgate", "gitleaks", "kingfisher", "detect-secrets", "trufflehog3", "floor-rg", "floor-grep"]
LABEL = {
    "lockgate": "lockgate scan --scanners secrets",
    "gitleaks": "gitleaks dir",
    "kingfisher": "kingfisher scan --no-validate",
    "detect-secrets": "detect-secrets scan --all-files",
    "trufflehog3": "trufflehog3 --no-history",
    "floor-rg": "floor: rg -F AKIA",
    "floor-grep": "floor: grep -rF AKIA",
}
PEERS = ["gitleaks", "kingfisher", "detect-secrets", "trufflehog3"]
FLOORS = ["floor-rg", "floor-grep"]


def fnum(x: float, digits: int = 3) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits > 2 else f"{x:.{digits}f}"


def ratio(x: float) -> str:
    return f"{x:,.0f}×" if x >= 100 else f"{x:.1f}×" if x >= 10 else f"{x:.2f}×"


def load_rows(path: Path) -> dict[str, list[dict]]:
    runs: dict[str, list[dict]] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["run"] == "warmup":
                continue
            for k in ("wall_s", "cpu_s", "user_s", "sys_s"):
                row[k] = float(row[k] or 0)
            row["peak_kb"] = int(float(row["peak_kb"] or 0))
            runs.setdefault(row["tool"], []).append(row)
    return runs


def pick(rows: list[dict]) -> dict:
    ok = [r for r in rows if r["status"] == "ok"]
    if ok:
        best = min(ok, key=lambda r: r["wall_s"])
        best = dict(best, runs=len(rows), ok_runs=len(ok))
        return best
    capped = [r for r in rows if r["status"] == "capped"]
    r = (capped or rows)[-1]
    return dict(r, runs=len(rows), ok_runs=0)


def floor_matches(report_out: Path) -> int | None:
    try:
        with report_out.open("rb") as fh:
            return sum(1 for _ in fh)
    except OSError:
        return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", type=Path)
    ap.add_argument("--planted", required=True, type=Path)
    ap.add_argument("--cap", type=float, default=900)
    ap.add_argument("--markdown", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--version", action="append", default=[], metavar="TOOL=TEXT")
    ap.add_argument("--unavailable", action="append", default=[], metavar="TOOL=WHY")
    ap.add_argument("--note", action="append", default=[])
    args = ap.parse_args()

    planted = json.loads(args.planted.read_text())
    tree_bytes = planted["bytes"]
    mb = tree_bytes / 1e6
    versions = dict(v.split("=", 1) for v in args.version)
    unavailable = dict(v.split("=", 1) for v in args.unavailable)
    runs = load_rows(args.results)

    tools = {}
    for tool in ORDER:
        if tool not in runs:
            if tool in unavailable:
                tools[tool] = {"tool": tool, "status": "not run", "why": unavailable[tool]}
            continue
        r = pick(runs[tool])
        t = {
            "tool": tool,
            "status": r["status"],
            "runs": r["runs"],
            "ok_runs": r["ok_runs"],
            "wall_s": r["wall_s"],
            "cpu_s": r["cpu_s"],
            "user_s": r["user_s"],
            "sys_s": r["sys_s"],
            "peak_mb": r["peak_kb"] / 1024,
            "rc": r["rc"],
            "command": r["command"],
            "walls": [x["wall_s"] for x in runs[tool]],
        }
        if r["status"] == "ok":
            t["mb_per_s"] = mb / r["wall_s"] if r["wall_s"] else None
            t["mb_per_cpu_s"] = mb / r["cpu_s"] if r["cpu_s"] else None
            if tool in FLOORS:
                t["matched_lines"] = floor_matches(Path(r["report"]))
            else:
                try:
                    s = scoring.score(tool, Path(r["report"]), planted, planted["tree"])
                    t.update(
                        findings=s["findings"],
                        found=s["found"],
                        planted=s["planted"],
                        found_by_kind=s["found_by_kind"],
                        missed_by_kind=s["missed_by_kind"],
                        rules_on_plants=s["rules_on_plants"],
                        missed=s["missed"],
                    )
                    if "stats" in s:
                        t["stats"] = s["stats"]
                except (scoring.ReportError, OSError) as e:
                    t["status"] = "unreadable report"
                    t["why"] = str(e)
        tools[tool] = t
    for tool, why in unavailable.items():
        tools.setdefault(tool, {"tool": tool, "status": "not run", "why": why})

    # ------------------------------------------------------------------ table 1
    head = ["tool", "wall s", "MB/s", "CPU s", "MB/s per CPU-s", "peak RSS MB", "planted found",
            "missed (kind missed/planted)", "findings"]
    body = []
    for tool in ORDER:
        t = tools.get(tool)
        if not t:
            continue
        name = LABEL[tool]
        if t["status"] == "not run":
            body.append([name, "not run", "-", "-", "-", "-", "-", t["why"], "-"])
            continue
        if t["status"] == "capped":
            # CPU is not shown: the workers a killed tool leaves are never reaped by it,
            # so GNU time misses their CPU time.
            body.append([name, f"> {args.cap:g} (timeout)", f"< {fnum(mb / args.cap)}",
                         "-", "-", f"≥ {t['peak_mb']:.0f} at the cap", "-", "-", "-"])
            continue
        if t["status"] != "ok":
            body.append([name, t["status"], "-", "-", "-", "-", "-", t.get("why", "see secrets-runs/"), "-"])
            continue
        runs_note = f" (best of {t['runs']})" if t["runs"] > 1 else ""
        if tool in FLOORS:
            found = "-"
            missed = "-"
            findings = f"{t.get('matched_lines', '?')} matching lines"
        else:
            found = f"{t['found']}/{t['planted']}"
            missed = ", ".join(
                f"{k} {v}/{planted['by_kind'][k]}" for k, v in t["missed_by_kind"].items()
            ) or "none"
            findings = f"{t['findings']:,}"
        body.append([
            name,
            fnum(t["wall_s"]) + runs_note,
            fnum(t["mb_per_s"], 1),
            fnum(t["cpu_s"], 2),
            fnum(t["mb_per_cpu_s"], 1),
            f"{t['peak_mb']:.1f}",
            found,
            missed,
            findings,
        ])

    # ------------------------------------------------------------------ table 2: ratios
    lg = tools.get("lockgate")
    ratio_head = ["lockgate vs", "wall: other ÷ lockgate", "CPU: other ÷ lockgate",
                  "peak RSS: other ÷ lockgate", "planted found: lockgate / other"]
    ratio_body = []
    lg_ok = lg is not None and lg["status"] == "ok"
    if lg_ok:
        for tool in PEERS + FLOORS:
            t = tools.get(tool)
            if not t:
                continue
            name = LABEL[tool]
            if t["status"] == "capped":
                ratio_body.append([name, f"> {ratio(args.cap / lg['wall_s'])} (peer hit the cap)", "-", "-", "-"])
                continue
            if t["status"] != "ok":
                ratio_body.append([name, t["status"], "-", "-", "-"])
                continue
            found = "-" if tool in FLOORS else f"{lg['found']} / {t['found']}"
            ratio_body.append([
                name,
                ratio(t["wall_s"] / lg["wall_s"]),
                ratio(t["cpu_s"] / lg["cpu_s"]) if lg["cpu_s"] else "-",
                ratio(t["peak_mb"] / lg["peak_mb"]) if lg["peak_mb"] and tool not in FLOORS else "-",
                found,
            ])

    # ------------------------------------------------------------------ notes
    notes = [
        f"tree: {planted['files']:,} files, {mb:.1f} MB (MB = 10^6 bytes): "
        + ", ".join(f"{k} = {v}" for k, v in planted["sources"].items())
        + (f", plus {planted['crates_unpacked_from_cache']} crates unpacked from cargo's cache"
           if planted.get("crates_unpacked_from_cache") else ""),
        f"planted: {planted['count']} secrets (seed {planted['seed']}), one per file, "
        + ", ".join(f"{k} {v}" for k, v in planted["by_kind"].items())
        + "; in " + ", ".join(f"{k} {v}" for k, v in sorted(planted["by_ext"].items(), key=lambda kv: -kv[1]))
        + " files. Found = a finding on the plant's file within one line of it.",
        "MB/s per CPU-s = tree MB / (user + system CPU seconds of the tool and its children); "
        "peak RSS = GNU time's maximum resident set of the largest single process "
        "(detect-secrets and trufflehog3 run worker processes: their sum is higher).",
    ]
    if versions:
        notes.append("versions: " + "; ".join(f"{v}" for k, v in versions.items()))
    for tool in ["lockgate", "kingfisher"]:
        t = tools.get(tool)
        if t and t.get("stats"):
            st = t["stats"]
            if tool == "lockgate":
                notes.append(
                    "lockgate's own stats: "
                    + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in st.items())
                    + f" (the tree: {planted['files']:,} files, {tree_bytes:,} bytes)"
                )
            else:
                notes.append(
                    f"kingfisher's own stats: {st.get('blobs_scanned')} blobs, "
                    f"{(st.get('bytes_scanned') or 0) / 1e6:.1f} MB scanned, scan phase "
                    f"{st.get('scan_duration_seconds') or 0:.2f} s of the wall time"
                )
    if lg_ok:
        ok_floors = [tools[f] for f in FLOORS if tools.get(f, {}).get("status") == "ok"]
        fl = min(ok_floors, key=lambda t: t["wall_s"]) if ok_floors else None  # the faster one
        if fl:
            notes.append(
                f"lockgate takes {ratio(lg['wall_s'] / fl['wall_s'])} the wall time and "
                f"{ratio(lg['cpu_s'] / fl['cpu_s']) if fl['cpu_s'] else '-'} the CPU time of the floor "
                f"({LABEL[fl['tool']]}, {fnum(fl['mb_per_s'], 1)} MB/s)"
            )
    elif "lockgate" in runs or lg:
        notes.append(f"lockgate: {lg['status'] if lg else 'missing'}: no ratios")
    else:
        notes.append("lockgate was not run (BENCH_SECRETS_TOOLS): no ratios")
    notes.extend(args.note)

    # ------------------------------------------------------------------ print
    def plain(h, rows):
        w = [max(len(str(x)) for x in col) for col in zip(h, *rows)]
        lines = ["  ".join(str(x).ljust(w[i]) for i, x in enumerate(h))]
        lines.append("  ".join("-" * w[i] for i in range(len(h))))
        for row in rows:
            lines.append("  ".join(str(x).ljust(w[i]) for i, x in enumerate(row)))
        return "\n".join(lines)

    def md(h, rows, right=()):
        lines = ["| " + " | ".join(h) + " |"]
        lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(h))) + "|")
        for row in rows:
            lines.append("| " + " | ".join(str(x).replace("|", "\\|") for x in row) + " |")
        return "\n".join(lines)

    out = [plain(head, body)]
    if ratio_body:
        out += ["", plain(ratio_head, ratio_body)]
    out += [""] + [f"- {n}" for n in notes]
    for tool in ["lockgate"] + PEERS:
        t = tools.get(tool)
        if t and t.get("missed"):
            by = {}
            for m in t["missed"]:
                ext = Path(m["path"]).suffix or "(none)"
                by.setdefault(m["kind"], {}).setdefault(ext, 0)
                by[m["kind"]][ext] += 1
            where = "; ".join(
                f"{k} in " + ", ".join(f"{e} {n}" for e, n in sorted(v.items(), key=lambda kv: -kv[1]))
                for k, v in sorted(by.items())
            )
            m = t["missed"][0]
            out.append(f"- {tool} missed {len(t['missed'])}: {where} (e.g. {m['path']}:{m['line']})")
    print("\n".join(out))

    markdown = ["### Secrets: planted secrets in a real source tree", ""]
    markdown.append(md(head, body, right={1, 2, 3, 4, 5, 8}))
    if ratio_body:
        markdown += ["", md(ratio_head, ratio_body, right={1, 2, 3})]
    markdown += [""] + [f"- {n}" for n in notes]
    md_text = "\n".join(markdown) + "\n"
    print("\n" + md_text)
    if args.markdown:
        args.markdown.write_text(md_text)
    if args.json:
        args.json.write_text(json.dumps({"tree_bytes": tree_bytes, "tools": tools, "notes": notes}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
