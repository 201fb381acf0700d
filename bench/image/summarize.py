#!/usr/bin/env python3
"""Tables of the image benchmark (bench/image/run.sh), from its results.tsv.

    summarize.py RESULTS.tsv --planted PLANTED.json --image NAME=ARCHIVE_MB,LAYERS_MB,LAYERS,FILES,CACHE_MB ...
                 [--json OUT.json] [--markdown OUT.md] [--note TEXT ...]

Per tool and image: best and median wall time of the timed runs, median CPU time, the
largest peak RSS, what the tool reported (counted from its JSON report of the best run),
the planted secrets it found, and ratios against lockgate with a cold cache. A planted
secret counts as found when a finding of the tool is on the plant's file, within one line
of it (each finding goes to the nearest plant of its file), or, for the ENV plant, when
the tool reports a secret in the image config.
"""
import argparse
import json
import re
import statistics
import sys

TOOL_LABEL = {
    "lockgate-cold": "lockgate image (cold cache)",
    "lockgate-warm": "lockgate image (warm cache)",
    "trivy-cold": "trivy image --input, misconfig+secret (cold cache)",
    "trivy-warm": "trivy image --input, misconfig+secret (warm cache)",
    "syft": "syft docker-archive: (packages)",
}
ORDER = list(TOOL_LABEL)


def read_report(tool, path):
    """(secret locations, summary dict) from a tool's JSON report.

    A secret location is (path or None for the image config, line)."""
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        return None, {"error": f"no readable report ({e.__class__.__name__})"}
    secrets, summary = [], {}
    if tool.startswith("lockgate"):
        other = 0
        for f in doc.get("findings", []):
            loc = f.get("location", {})
            path = loc.get("path", "")
            inner = path.split("!", 1)[1] if "!" in path else path
            # A file a later layer deleted or replaced is reported as `PATH@layerN`.
            inner = re.sub(r"@layer[0-9]+$", "", inner)
            if f.get("rule_id", "").startswith("SEC-"):
                secrets.append((None if inner == "config.json" else inner, loc.get("line") or 0))
            else:
                other += 1
        summary = {"secrets": len(secrets), "misconfigs": other}
    elif tool.startswith("trivy"):
        mis = 0
        artifact = doc.get("ArtifactName")
        for r in doc.get("Results") or []:
            target = r.get("Target", "")
            for s in r.get("Secrets") or []:
                # Secrets of the image config are reported under the artifact's own name.
                p = None if target == artifact or not target.startswith("/") else target
                secrets.append((p, s.get("StartLine") or 0))
            mis += sum(1 for m in r.get("Misconfigurations") or [] if m.get("Status") == "FAIL")
        summary = {"secrets": len(secrets), "misconfigs": mis}
    elif tool == "syft":
        summary = {"packages": len(doc.get("artifacts", []))}
    return secrets, summary


def match_plants(secrets, plants):
    """The ids of the plants found among the secret locations."""
    found = set()
    by_path = {}
    for p in plants:
        if p["where"] == "file":
            by_path.setdefault(p["path"], []).append(p)
    for path, line in secrets:
        if path is None:
            found.update(p["id"] for p in plants if p["where"] == "config")
            continue
        near = [p for p in by_path.get(path, []) if abs(p["line"] - line) <= 1]
        if near:
            found.add(min(near, key=lambda p: abs(p["line"] - line))["id"])
    return found


def fmt_s(x):
    return "-" if x is None else (f"{x:.2f}" if x < 100 else f"{x:.0f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--planted", required=True)
    ap.add_argument("--image", action="append", default=[])
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    ap.add_argument("--note", action="append", default=[])
    a = ap.parse_args()

    images = {}
    for spec in a.image:
        name, vals = spec.split("=", 1)
        archive, layers_mb, layers, files, cache = vals.split(",")
        images[name] = dict(archive_mb=float(archive), layers_mb=float(layers_mb), layers=int(layers),
                            files=int(files), cache_mb=float(cache))
    plants_all = json.load(open(a.planted))["plants"]

    rows = {}
    with open(a.results) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(header, line.rstrip("\n").split("\t")))
            rows.setdefault((r["tool"], r["image"]), []).append(r)

    out = []
    for (tool, image), runs in rows.items():
        ok = [r for r in runs if r["status"] == "ok"]
        e = dict(tool=tool, image=image, runs=len(runs), ok=len(ok),
                 status="ok" if ok else runs[-1]["status"])
        if ok:
            walls = [float(r["wall_s"]) for r in ok]
            best = min(ok, key=lambda r: float(r["wall_s"]))
            e.update(wall_best=min(walls), wall_median=statistics.median(walls),
                     cpu_median=statistics.median(float(r["cpu_s"]) for r in ok),
                     peak_mb=max(int(r["peak_kb"]) for r in ok) / 1024)
            secrets, summary = read_report(tool, best["report"])
            e["summary"] = summary
            if secrets is not None and not tool.startswith("syft"):
                plants = [p for p in plants_all if image == "large" or p["image"] == "small"]
                found = match_plants(secrets, plants)
                vis = [p for p in plants if p["visible"]]
                hid = [p for p in plants if not p["visible"]]
                e["planted_visible"] = [sum(p["id"] in found for p in vis), len(vis)]
                e["planted_deleted"] = [sum(p["id"] in found for p in hid), len(hid)]
                e["missed"] = sorted(p["kind"] + (" (ENV)" if p["where"] == "config" else "")
                                     for p in vis if p["id"] not in found)
        out.append(e)

    def get(tool, image):
        return next((e for e in out if e["tool"] == tool and e["image"] == image), None)

    for e in out:
        ref = get("lockgate-cold", e["image"])
        if ref and "wall_best" in ref and "wall_best" in e:
            e["ratio_wall"] = e["wall_best"] / ref["wall_best"]
            e["ratio_peak"] = e["peak_mb"] / ref["peak_mb"]
        # The same cache state: trivy warm against lockgate warm.
        same = get("lockgate-warm" if e["tool"].endswith("-warm") else "lockgate-cold", e["image"])
        if same and "wall_best" in same and "wall_best" in e:
            e["ratio_wall_same"] = e["wall_best"] / same["wall_best"]

    md = []
    md.append("| tool | image | archive MB | wall s (best) | wall s (median) | CPU s | peak RSS MB | reported | planted secrets found | wall / lockgate cold | wall / lockgate, same cache state | RSS / lockgate cold |")
    md.append("|---|---|---:|---:|---:|---:|---:|---|---|---:|---:|---:|")
    for image in sorted({e["image"] for e in out}, key=lambda i: (i != "small", i)):
        for tool in ORDER:
            e = get(tool, image)
            if not e:
                continue
            im = images.get(image, {})
            if "wall_best" not in e:
                md.append(f"| {TOOL_LABEL[tool]} | {image} | {im.get('archive_mb', 0):.0f} | {e['status']} | | | | | | | | |")
                continue
            s = e.get("summary", {})
            if "error" in s:
                rep = s["error"]
            elif tool == "syft":
                rep = f"{s['packages']:,} packages"
            else:
                rep = f"{s['secrets']} secrets, {s['misconfigs']} misconfig/image"
            if "planted_visible" in e:
                fv, nv = e["planted_visible"]
                fd, nd = e["planted_deleted"]
                pl = f"{fv}/{nv}" + (f" (missed {', '.join(e['missed'])})" if e["missed"] else "")
                pl += f"; deleted-layer plant {fd}/{nd}"
            else:
                pl = "n/a"
            rw = f"{e['ratio_wall']:.2f}×" if "ratio_wall" in e else "-"
            rp = f"{e['ratio_peak']:.2f}×" if "ratio_peak" in e else "-"
            rs = f"{e['ratio_wall_same']:.2f}×" if "ratio_wall_same" in e else "-"
            md.append(f"| {TOOL_LABEL[tool]} | {image} | {im.get('archive_mb', 0):.0f} | {fmt_s(e['wall_best'])} | "
                      f"{fmt_s(e['wall_median'])} | {fmt_s(e['cpu_median'])} | {e['peak_mb']:.1f} | {rep} | {pl} | {rw} | {rs} | {rp} |")

    # memory against image size
    mem = []
    if "small" in images and "large" in images:
        mem.append("")
        mem.append("| tool | small: peak RSS MB | large: peak RSS MB | RSS large / small | image size large / small |")
        mem.append("|---|---:|---:|---:|---:|")
        grow = images["large"]["archive_mb"] / images["small"]["archive_mb"]
        for tool in ORDER:
            s, l = get(tool, "small"), get(tool, "large")
            if s and l and "peak_mb" in s and "peak_mb" in l:
                mem.append(f"| {TOOL_LABEL[tool]} | {s['peak_mb']:.1f} | {l['peak_mb']:.1f} | "
                           f"{l['peak_mb'] / s['peak_mb']:.2f}× | {grow:.1f}× |")
        if len(mem) == 3:  # no tool ran on both images
            mem = []

    imgs = []
    for name, im in images.items():
        imgs.append(f"- {name}: {im['archive_mb']:.0f} MB docker archive, {im['layers']} layers "
                    f"({im['layers_mb']:.0f} MB uncompressed), {im['files']:,} regular files"
                    + (f"; lockgate's layer cache after a scan: {im['cache_mb']:.0f} MB" if im["cache_mb"] else ""))

    text = "\n".join(md + mem + [""] + imgs + [""] + [f"- {n}" for n in a.note]) + "\n"
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"images": images, "results": out, "notes": a.note}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
