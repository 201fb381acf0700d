#!/usr/bin/env bash
# lockgate admission webhook load benchmark: `lockgate admit` on loopback, judging Pod
# AdmissionReviews with the `test` profile (every Pod Security "restricted" rule on)
# plus the five Rego policies in bench/admission/policies/, at fixed request rates.
#
#   server      lockgate admit --listen 127.0.0.1:PORT --cert ... --key ...
#                 --config bench/admission/lockgate.toml --workers 2
#                 --decision-log bench/work/admission/decisions.jsonl --shutdown-delay 0s
#   generator   bench/admission/loadgen (a separate Rust program, not lockgate code):
#                 open loop, request i scheduled at t0 + i/rate, latency measured from the
#                 scheduled time to the last byte of the answer (queueing for a free
#                 connection counts: no coordinated omission), over a pool of keep-alive
#                 HTTP/1.1-over-TLS connections opened before the clock starts; every
#                 answer must be HTTP 200 with the request's uid and a boolean
#                 response.allowed, anything else is an error.
#   inputs      bench/admission/gen_reviews.py: 1,000 distinct Pod AdmissionReviews
#                 (~80 % hardened and admitted, ~20 % insecure and denied), sent round
#                 robin; the generator gives every request its own uid.
#
# Runs a warm-up (not reported), then each rate for BENCH_ADMIT_SECONDS, and prints
# per rate: achieved rate, p50/p99/p99.9/max latency, errors, lockgate's peak RSS
# (VmHWM, since start), its CPU use, and PASS/MISS against the issue's targets (on 2
# cores: p99 < 2 ms at 1,000 requests/s, zero errors, peak RSS < 64 MB). The generator
# runs on the same machine and competes with the server for the same cores; its CPU
# use is printed beside the server's.
#
# Usage:
#
#     bash bench/admission/run.sh
#
# Knobs (environment):
#   BENCH_ADMIT_RATES="500 1000 2000"   requests/s, one run each, in this order
#   BENCH_ADMIT_SECONDS=30              length of each run
#   BENCH_ADMIT_WARMUP="500 5"          warm-up rate and seconds (not reported); "" skips it
#   BENCH_ADMIT_CONNECTIONS=32          keep-alive connections in the generator's pool
#   BENCH_ADMIT_GEN_THREADS=1           the generator's runtime threads (plus its scheduler)
#   BENCH_ADMIT_WORKERS=2               lockgate admit --workers
#   BENCH_ADMIT_REVIEWS=1000            distinct AdmissionReviews generated
#   BENCH_ADMIT_PIN=none                none: both processes may use every CPU; split: the
#                                       server on CPU 1, the generator on CPU 0 (taskset)
#   BENCH_ADMIT_PERF=0                  1: `perf record -e cpu-clock -g` on the server
#   BENCH_ADMIT_RELOAD=1                1: one more run at 1,000/s during which the
#                                       configuration and a policy change every second
#                                       (hot reload under load: must give zero errors)
#                                       during the 1,000/s run (bench/work/admission/perf.*)
#   LOCKGATE=PATH                       the lockgate binary (default: cargo build --release
#                                       -p lockgate, into $CARGO_TARGET_DIR when set)
#   LOADGEN=PATH                        the generator binary (default: cargo build --release
#                                       --manifest-path bench/admission/loadgen/Cargo.toml)
#
# Everything it writes goes under bench/work/admission/ (gitignored): reviews.jsonl, tls/
# (a throwaway CA and serving certificate, made with openssl), server.err (lockgate's own
# log), decisions.jsonl (the decision log), runs/ (each run's generator JSON and /metrics
# scrapes), runs.tsv and results.md (the tables it prints).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"
WORK="$BENCH/work/admission"
RUNDIR="$WORK/runs"
TLS="$WORK/tls"
RATES="${BENCH_ADMIT_RATES:-500 1000 2000}"
RELOAD="${BENCH_ADMIT_RELOAD:-1}"
SECONDS_PER_RATE="${BENCH_ADMIT_SECONDS:-30}"
WARMUP="${BENCH_ADMIT_WARMUP-500 5}"
CONNECTIONS="${BENCH_ADMIT_CONNECTIONS:-32}"
GEN_THREADS="${BENCH_ADMIT_GEN_THREADS:-1}"
WORKERS="${BENCH_ADMIT_WORKERS:-2}"
REVIEWS="${BENCH_ADMIT_REVIEWS:-1000}"
PIN="${BENCH_ADMIT_PIN:-none}"
PERF="${BENCH_ADMIT_PERF:-0}"

say() { printf '\n== %s\n' "$*" >&2; }
note() { printf 'bench-admission: %s\n' "$*" >&2; }
die() { printf 'bench-admission: ERROR: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

positive() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer, not '$2'"; }
for rate in $RATES; do positive BENCH_ADMIT_RATES "$rate"; done
[[ -n "${RATES// /}" ]] || die "BENCH_ADMIT_RATES is empty"
positive BENCH_ADMIT_SECONDS "$SECONDS_PER_RATE"
positive BENCH_ADMIT_CONNECTIONS "$CONNECTIONS"
positive BENCH_ADMIT_GEN_THREADS "$GEN_THREADS"
positive BENCH_ADMIT_WORKERS "$WORKERS"
positive BENCH_ADMIT_REVIEWS "$REVIEWS"
if [[ -n "$WARMUP" ]]; then
    read -r WARMUP_RATE WARMUP_SECONDS <<<"$WARMUP"
    positive "BENCH_ADMIT_WARMUP's rate" "${WARMUP_RATE:-}"
    positive "BENCH_ADMIT_WARMUP's seconds" "${WARMUP_SECONDS:-}"
fi
case "$PIN" in
    none) SERVER_PIN=() GEN_PIN=() ;;
    split)
        command -v taskset >/dev/null || die "BENCH_ADMIT_PIN=split needs taskset (util-linux)"
        (($(nproc) >= 2)) || die "BENCH_ADMIT_PIN=split needs 2 CPUs"
        SERVER_PIN=(taskset -c 1) GEN_PIN=(taskset -c 0) ;;
    *) die "BENCH_ADMIT_PIN must be none or split, not '$PIN'" ;;
esac
[[ "$PERF" == 0 || "$PERF" == 1 ]] || die "BENCH_ADMIT_PERF must be 0 or 1"
[[ "$PERF" == 0 ]] || command -v perf >/dev/null || die "BENCH_ADMIT_PERF=1 needs perf (linux-perf)"
command -v python3 >/dev/null || die "python3 not found"
command -v openssl >/dev/null || die "openssl not found (it makes the throwaway certificates)"
[[ -r /proc/self/status ]] || die "/proc is needed to read the server's memory and CPU time"
bench_gnu_time

# ---------------------------------------------------------------------------- binaries
bench_lockgate "$ROOT"
"$LOCKGATE_BIN" admit --help 2>/dev/null | grep -q -- '--decision-log' ||
    die "$LOCKGATE_BIN has no 'admit --decision-log' (too old?)"

if [[ -n "${LOADGEN:-}" ]]; then
    LOADGEN_BIN="$LOADGEN"
else
    command -v cargo >/dev/null || die "cargo not found (set LOADGEN=PATH to a built generator)"
    say "building the load generator (bench/admission/loadgen)"
    cargo build --release --manifest-path "$HERE/loadgen/Cargo.toml" ||
        die "building bench/admission/loadgen failed"
    LOADGEN_BIN="${CARGO_TARGET_DIR:-$HERE/loadgen/target}/release/lockgate-admission-loadgen"
fi
[[ -x "$LOADGEN_BIN" ]] || die "no load generator binary at $LOADGEN_BIN"

# ---------------------------------------------------------------------------- inputs
mkdir -p "$WORK"
rm -rf "$RUNDIR"
mkdir -p "$RUNDIR" "$TLS"
say "generating $REVIEWS AdmissionReviews ($WORK/reviews.jsonl)"
python3 "$HERE/gen_reviews.py" --out "$WORK/reviews.jsonl" --count "$REVIEWS" >"$WORK/reviews.json" ||
    die "gen_reviews.py failed"
note "$(cat "$WORK/reviews.json")"

say "making a throwaway CA and serving certificate for 127.0.0.1 ($TLS)"
# A CA and a leaf it signs (not one self-signed certificate: rustls refuses a CA
# certificate as a server's end-entity certificate).
{
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -keyout "$TLS/ca.key" -out "$TLS/ca.crt" -subj "/CN=lockgate bench CA" &&
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$TLS/tls.key" -out "$TLS/tls.csr" -subj /CN=localhost &&
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' >"$TLS/ext.cnf" &&
        openssl x509 -req -in "$TLS/tls.csr" -CA "$TLS/ca.crt" -CAkey "$TLS/ca.key" -CAcreateserial \
            -days 2 -extfile "$TLS/ext.cnf" -out "$TLS/tls.crt"
} >"$TLS/openssl.log" 2>&1 || die "openssl failed: $(tail -n 5 "$TLS/openssl.log")"

# ---------------------------------------------------------------------------- server
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="https://127.0.0.1:$PORT/validate"
DECISIONS="$WORK/decisions.jsonl"
: >"$DECISIONS"
SERVER_PID=""
stop_server() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
}
trap stop_server EXIT

# The server reads a copy of the configuration and policies, which the reload run edits.
CONF="$WORK/config"
rm -rf "$CONF"
mkdir -p "$CONF"
cp -r "$HERE/lockgate.toml" "$HERE/policies" "$CONF/"
say "starting lockgate admit on $URL (--workers $WORKERS, pin: $PIN)"
"${SERVER_PIN[@]}" "$LOCKGATE_BIN" admit --listen "127.0.0.1:$PORT" --cert "$TLS/tls.crt" --key "$TLS/tls.key" \
    --config "$CONF/lockgate.toml" --decision-log "$DECISIONS" --workers "$WORKERS" --shutdown-delay 0s \
    --reload-interval 250ms \
    2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 300); do
    grep -q '"event":"listening"' "$WORK/server.err" 2>/dev/null && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "lockgate admit exited while starting: $(tail -n 5 "$WORK/server.err")"
    sleep 0.1
done
grep -q '"event":"listening"' "$WORK/server.err" || die "lockgate admit did not log 'listening' within 30 s"
note "$(grep -m1 '"event":"listening"' "$WORK/server.err")"
grep -q '"profile":"test"' "$WORK/server.err" || die "the server is not using the test profile"

metrics() { # metrics FILE: scrape /metrics
    python3 - "$URL" "$TLS/ca.crt" "$1" <<'EOF' || die "cannot scrape /metrics"
import ssl, sys, urllib.request
url, ca, out = sys.argv[1], sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
with urllib.request.urlopen(url.replace("/validate", "/metrics"), context=ctx, timeout=10) as r:
    open(out, "wb").write(r.read())
EOF
}
metrics "$RUNDIR/metrics.start"

TICKS=$(getconf CLK_TCK)
# server CPU seconds (user + system) so far
server_cpu() { python3 -c "import sys; f = open('/proc/$SERVER_PID/stat').read().rsplit(')', 1)[1].split(); print((int(f[11]) + int(f[12])) / $TICKS)"; }
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"; }

# load LABEL RATE SECONDS: one generator run; appends a row to runs.tsv
load() {
    local label="$1" rate="$2" secs="$3" base="$RUNDIR/$1"
    kill -0 "$SERVER_PID" 2>/dev/null || die "lockgate admit is no longer running: $(tail -n 5 "$WORK/server.err")"
    local cpu0 cpu1 t0 t1 perf_pid=""
    metrics "$base.metrics.before"
    if [[ "$PERF" == 1 && "$rate" == 1000 && "$label" != warmup ]]; then
        perf record -e cpu-clock -g -p "$SERVER_PID" -o "$WORK/perf.data" -- sleep "$((secs + 1))" \
            >"$WORK/perf.record.log" 2>&1 &
        perf_pid=$!
        sleep 0.5
    fi
    cpu0=$(server_cpu)
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%U %S %M' -o "$base.gen.time" \
        "${GEN_PIN[@]}" "$LOADGEN_BIN" --url "$URL" --ca "$TLS/ca.crt" --bodies "$WORK/reviews.jsonl" \
        --rate "$rate" --seconds "$secs" --connections "$CONNECTIONS" --threads "$GEN_THREADS" \
        >"$base.json" 2>"$base.err" || die "the load generator failed ($label): $(tail -n 5 "$base.err")"
    t1=$EPOCHREALTIME
    cpu1=$(server_cpu)
    [[ -z "$perf_pid" ]] || wait "$perf_pid" || note "perf record failed: $(tail -n 3 "$WORK/perf.record.log")"
    metrics "$base.metrics.after"
    local gen_user gen_sys gen_kb
    read -r gen_user gen_sys gen_kb < <(tail -n 1 "$base.gen.time")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rate" "$secs" \
        "$(python3 -c "print(f'{$t1 - $t0:.3f}')")" "$(python3 -c "print(f'{$cpu1 - $cpu0:.2f}')")" \
        "$(status_kb VmHWM)" "$(status_kb VmRSS)" "$(python3 -c "print(f'{$gen_user + $gen_sys:.2f}')")" \
        "$gen_kb" "$(status_kb Threads)" "$base" >>"$WORK/runs.tsv"
    python3 - "$base.json" "$label" <<'EOF' >&2
import json, sys
r = json.load(open(sys.argv[1])); l = r["latency_ms"] or {}
print(f"   {sys.argv[2]:>8}: {r['ok']}/{r['scheduled']} ok at {r['achieved_rate']}/s, p50 {l.get('p50')} ms, "
      f"p99 {l.get('p99')} ms, p99.9 {l.get('p99.9')} ms, max {l.get('max')} ms, errors {r['errors']}")
EOF
}

printf 'label\trate\tseconds\twall_s\tserver_cpu_s\tvmhwm_kb\tvmrss_kb\tgen_cpu_s\tgen_peak_kb\tthreads\tbase\n' >"$WORK/runs.tsv"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$EPOCHREALTIME
if [[ -n "$WARMUP" ]]; then
    say "warm-up: $WARMUP_RATE requests/s for $WARMUP_SECONDS s (not reported)"
    load warmup "$WARMUP_RATE" "$WARMUP_SECONDS"
fi
say "timed runs: $RATES requests/s, $SECONDS_PER_RATE s each, $CONNECTIONS connections"
for rate in $RATES; do
    load "rate-$rate" "$rate" "$SECONDS_PER_RATE"
done
if [[ "$RELOAD" == 1 ]]; then
    say "reload run: 1000 requests/s for $SECONDS_PER_RATE s while the configuration and a policy change every second"
    (
        for ((i = 1; i <= SECONDS_PER_RATE; i++)); do
            sleep 1
            if ((i % 2)); then
                printf '# edited by run.sh, %d\n' "$i" >>"$CONF/lockgate.toml"
            else
                policy=$(find "$CONF/policies" -name '*.rego' | sort | head -n 1)
                printf '# edited by run.sh, %d\n' "$i" >>"$policy"
            fi
        done
    ) &
    EDITOR_PID=$!
    load reload 1000 "$SECONDS_PER_RATE"
    wait "$EDITOR_PID" || true
fi
ELAPSED=$(python3 -c "print(f'{$EPOCHREALTIME - $START:.0f}')")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
metrics "$RUNDIR/metrics.end"
kill -0 "$SERVER_PID" 2>/dev/null || die "lockgate admit died during the runs: $(tail -n 5 "$WORK/server.err")"
stop_server
SERVER_PID=""
if [[ "$PERF" == 1 && -s "$WORK/perf.data" ]]; then
    say "perf report ($WORK/perf.txt)"
    perf report -i "$WORK/perf.data" --no-children --sort symbol --stdio 2>/dev/null | head -n 400 >"$WORK/perf.txt" || true
    perf report -i "$WORK/perf.data" --children --sort symbol --stdio -g none 2>/dev/null | head -n 200 >"$WORK/perf.children.txt" || true
fi

# ---------------------------------------------------------------------------- report
say "results"
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=""
if git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | grep -q .; then
    DIRTY=", with uncommitted changes"
fi
PIN_NOTE="not pinned: server and generator share all $(nproc) CPUs"
[[ "$PIN" == split ]] && PIN_NOTE="pinned apart: server on CPU 1, generator on CPU 0 (taskset)"
python3 "$HERE/summarize.py" --runs "$WORK/runs.tsv" --decisions "$DECISIONS" --metrics "$RUNDIR/metrics.end" \
    --server-log "$WORK/server.err" --markdown "$WORK/results.md" \
    --note "$(date -u '+%Y-%m-%d %H:%M UTC'); lockgate $("$LOCKGATE_BIN" --version | cut -d' ' -f2) at commit $COMMIT$DIRTY" \
    --note "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(free -g | awk '/^Mem:/ {print $2}') GiB; load average before $LOAD_BEFORE, after $LOAD_AFTER; timed section ${ELAPSED} s" \
    --note "lockgate admit --workers $WORKERS, profile test + 5 Rego policies, decision log to a file; generator: $CONNECTIONS keep-alive TLS connections, $GEN_THREADS runtime thread(s) + 1 scheduling thread, on the same machine ($PIN_NOTE)" \
    --note "inputs: $(cat "$WORK/reviews.json")"
