# Shared plumbing of the benchmark scripts (bench/*/run.sh); source it after defining
# `say` (a progress heading) and `die` (print an error and exit 2), which these use.
# shellcheck shell=bash

# bench_gnu_time: make sure GNU time is at /usr/bin/time (peak RSS and CPU of each run),
# installing Debian's `time` package when running as root.
bench_gnu_time() {
    [[ -x /usr/bin/time ]] && return 0
    say "installing GNU time (apt-get)"
    [[ $(id -u) -eq 0 ]] || die "/usr/bin/time is missing; install the 'time' package"
    apt-get update -qq && apt-get install -y -qq time >/dev/null
}

# bench_lockgate ROOT: set LOCKGATE_BIN to $LOCKGATE, or build lockgate in release mode
# from the repository at ROOT (into $CARGO_TARGET_DIR when set) and use that.
bench_lockgate() {
    local root="$1"
    if [[ -n "${LOCKGATE:-}" ]]; then
        LOCKGATE_BIN="$LOCKGATE"
    else
        command -v cargo >/dev/null || die "cargo not found (set LOCKGATE=PATH to a built lockgate)"
        say "building lockgate (cargo build --release -p lockgate)"
        (cd "$root" && cargo build --release -p lockgate) || die "cargo build --release -p lockgate failed"
        LOCKGATE_BIN="${CARGO_TARGET_DIR:-$root/target}/release/lockgate"
    fi
    [[ -x "$LOCKGATE_BIN" ]] || die "no lockgate binary at $LOCKGATE_BIN"
}
