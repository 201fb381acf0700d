#!/usr/bin/env python3
"""Turns bench/work/admission/runs.tsv (written by bench/admission/run.sh) into the
Markdown tables it prints: one row per rate, the targets, and the cross-checks against
the server's own /metrics and decision log.

Targets (the issue's, on 2 cores): p99 under 2 ms at 1,000 requests/s; zero errors;
peak memory under 64 MB. The latency target applies to the 1,000/s row only; errors and
memory to every row.
"""

import argparse
import csv
import json
import os
import re
import sys

P99_TARGET_MS = 2.0
P99_TARGET_RATE = 1000
RSS_TARGET_MB = 64.0
HIST = "lockgate_admission_request_duration_seconds"


def parse_metrics(path):
    """{(name, labels): value} from a Prometheus text exposition."""
    values = {}
    line_re = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)$")
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            m = line_re.match(line.strip())
            if m:
                values[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return values


def family_total(values, name):
    return sum(v for (n, _), v in values.items() if n == name)


def server_side(before, after):
    """Mean and approximate p99 (the bucket bound it falls under) of the server's own
    handler time over one run, from two scrapes of its histogram."""
    count = after.get((f"{HIST}_count", ""), 0) - before.get((f"{HIST}_count", ""), 0)
    total = after.get((f"{HIST}_sum", ""), 0) - before.get((f"{HIST}_sum", ""), 0)
    if count <= 0:
        return None, None, None
    buckets = []
    for (name, labels), value in after.items():
        if name == f"{HIST}_bucket":
            le = labels.split('"')[1]
            bound = float("inf") if le == "+Inf" else float(le)
            buckets.append((bound, value - before.get((name, labels), 0)))
    buckets.sort()
    p99 = next((b for b, c in buckets if c >= 0.99 * count), float("inf"))
    under_1ms = next((c for b, c in buckets if b == 0.001), 0) / count
    return total / count * 1000, p99 * 1000, under_1ms


def fmt_ms(value):
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def reload_count(before, after):
    """Configuration reloads between two scrapes, by result."""
    counts = {"ok": 0.0, "failed": 0.0}
    for (name, labels), value in after.items():
        if name == "lockgate_admission_reloads_total" and 'what="config"' in labels:
            result = "ok" if 'result="ok"' in labels else "failed"
            counts[result] += value - before.get((name, labels), 0)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", required=True)
    parser.add_argument("--decisions", required=True)
    parser.add_argument("--metrics", required=True, help="the /metrics scrape after the last run")
    parser.add_argument("--server-log", required=True)
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--note", action="append", default=[])
    args = parser.parse_args()

    rows = list(csv.DictReader(open(args.runs), delimiter="\t"))
    if not rows:
        sys.exit("summarize.py: no runs")
    out = []
    for note in args.note:
        out.append(f"- {note}")
    out.append("")
    out.append("| rate/s | achieved/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | allowed / denied "
               "| peak RSS MB | server CPU % | generator CPU % | server handler mean / p99 ms | targets |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|")
    misses, sent_total, target_rows = [], 0, 0
    reload_note = None
    details = []
    for row in rows:
        r = json.load(open(row["base"] + ".json"))
        sent_total += r["sent"]
        if row["label"] == "warmup":
            continue
        rate = int(row["rate"])
        reloading = row["label"] == "reload"
        lat = r["latency_ms"] or {}
        wall = float(row["wall_s"])
        peak_mb = int(row["vmhwm_kb"]) / 1024
        cpu = float(row["server_cpu_s"]) / wall * 100 if wall else 0
        gen_cpu = float(row["gen_cpu_s"]) / wall * 100 if wall else 0
        mean, p99_bucket, under_1ms = server_side(parse_metrics(row["base"] + ".metrics.before"),
                                                 parse_metrics(row["base"] + ".metrics.after"))
        handler = "-" if mean is None else f"{mean:.3f} / ≤ {fmt_ms(p99_bucket)}"
        verdicts = []
        if r["errors"]:
            verdicts.append(f"**MISS** errors ({r['errors']})")
            misses.append(f"{rate}/s: {r['errors']} errors {r['errors_by_kind']}")
        if peak_mb >= RSS_TARGET_MB:
            verdicts.append(f"**MISS** RSS ≥ {RSS_TARGET_MB:.0f} MB")
            misses.append(f"{rate}/s: peak RSS {peak_mb:.1f} MB")
        if rate == P99_TARGET_RATE and not reloading:
            target_rows += 1
            p99 = lat.get("p99")
            if p99 is None or p99 >= P99_TARGET_MS:
                verdicts.append(f"**MISS** p99 ≥ {P99_TARGET_MS:g} ms")
                misses.append(f"{rate}/s: p99 {p99} ms")
        verdict = "; ".join(verdicts) if verdicts else "PASS"
        if (rate != P99_TARGET_RATE or reloading) and not verdicts:
            verdict = "PASS (errors, RSS)"
        if reloading:
            reloads = reload_count(parse_metrics(row["base"] + ".metrics.before"),
                                   parse_metrics(row["base"] + ".metrics.after"))
            reload_note = (f"The reload run: {reloads['ok']:.0f} reloads of the configuration and policies "
                           f"({reloads['failed']:.0f} failed) while it ran, {r['errors']} errors.")
        shown_rate = f"{rate:,} (reloading)" if reloading else f"{rate:,}"
        out.append(
            f"| {shown_rate} | {r['achieved_rate']:,.1f} | {fmt_ms(lat.get('p50'))} | {fmt_ms(lat.get('p99'))} "
            f"| {fmt_ms(lat.get('p99.9'))} | {fmt_ms(lat.get('max'))} | {r['errors']} "
            f"| {r['allowed']:,} / {r['denied']:,} | {peak_mb:.1f} | {cpu:.0f} | {gen_cpu:.0f} | {handler} | {verdict} |")
        svc, queue, lag = r["service_ms"] or {}, r["queue_wait_ms"] or {}, r["schedule_lag_ms"] or {}
        details.append(
            f"| {shown_rate} | {r['sent']:,} | {fmt_ms(svc.get('p50'))} / {fmt_ms(svc.get('p99'))} "
            f"| {fmt_ms(queue.get('p99'))} / {fmt_ms(queue.get('max'))} | {fmt_ms(lag.get('p99'))} / {fmt_ms(lag.get('max'))} "
            f"| {'-' if under_1ms is None else f'{under_1ms * 100:.1f} %'} | {int(row['vmrss_kb']) / 1024:.1f} | {row['threads']} "
            f"| {r['reconnects']} | {json.dumps(r['error_examples'][:2]) if r['error_examples'] else '-'} |")
    out.append("")
    if reload_note:
        out.append(reload_note)
        out.append("")
    out.append("Latency is from each request's scheduled send time to the last byte of its answer, "
               "measured by the generator (so it includes TLS, HTTP, the generator's own scheduling "
               "and any queueing). Server CPU % is of one CPU (200 % = both cores). \"Server handler\" "
               "is lockgate's own histogram (body parsed to answer serialized; the p99 is the "
               "histogram bucket it falls under).")
    out.append("")
    out.append("| rate/s | sent | service p50 / p99 ms | waiting for a connection p99 / max ms "
               "| generator schedule lag p99 / max ms | handler ≤ 1 ms | RSS at end MB | server threads at end | reconnects | first errors |")
    out.append("|---:|---:|---|---|---|---:|---:|---:|---:|---|")
    out.extend(details)
    out.append("")

    end = parse_metrics(args.metrics)
    received = family_total(end, "lockgate_admission_requests_total")
    decided = family_total(end, "lockgate_admission_decisions_total")
    http_errors = family_total(end, "lockgate_admission_errors_total")
    lines = 0
    with open(args.decisions, "rb") as f:
        for _ in f:
            lines += 1
    size = os.path.getsize(args.decisions)
    warnings = 0
    with open(args.server_log) as f:
        for line in f:
            if '"level":"warn"' in line or '"level":"error"' in line:
                warnings += 1
    ok = received == sent_total and decided == sent_total and lines == sent_total and http_errors == 0
    out.append(f"Cross-check (warm-up included): the generator sent {sent_total:,} requests; the server "
               f"counted {received:,.0f} received, {decided:,.0f} decided and {http_errors:,.0f} HTTP errors "
               f"(`/metrics`), and wrote {lines:,} decision lines ({size / 1e6:.1f} MB, "
               f"{size / max(lines, 1):,.0f} bytes each); {warnings} warnings or errors in its own log: "
               f"{'consistent' if ok else '**INCONSISTENT**'}.")
    out.append("")
    if target_rows == 0:
        out.append(f"(No {P99_TARGET_RATE}/s run: the latency target was not measured.)")
    if misses or not ok:
        out.append("Targets: **missed** — " + "; ".join(misses or ["cross-check failed"]) + ".")
    else:
        out.append(f"Targets: all met (p99 < {P99_TARGET_MS:g} ms at {P99_TARGET_RATE}/s, zero errors, "
                   f"peak RSS < {RSS_TARGET_MB:.0f} MB).")
    text = "\n".join(out) + "\n"
    with open(args.markdown, "w") as f:
        f.write(text)
    print(text)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
