#!/usr/bin/env bash
# down.sh OUTDIR: stops the registries and the token service that up.sh OUTDIR started.
# Keeps the images, keys and registry storage, so a later up.sh is fast. Exits non-zero if
# one will not stop.
set -euo pipefail

die() {
  echo "testimage: error: $*" >&2
  exit 1
}

[[ $# -eq 1 && -n $1 ]] || die "usage: $0 OUTDIR"
[[ -d $1 ]] || exit 0 # nothing was ever started there
OUT=$(cd "$1" && pwd)
command -v flock >/dev/null 2>&1 || die "'flock' not found: install the Debian package 'util-linux'"

# The same lock as up.sh: never stop a registry that an up.sh is starting or pushing to.
exec 9>"$OUT/lock"
flock -w 900 9 || die "timed out waiting for the lock $OUT/lock"

# Alive and not a zombie (a zombie is dead, waiting for a parent that may never reap it).
alive() { # alive PID
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

failed=()
stop() { # stop WHAT PID-FILE CONFIG-FILE
  local pid
  [[ -s $2 ]] || return 0
  pid=$(cat "$2")
  # Only a process that is still ours: alive and running this server's config (a pid
  # file can outlive its process, and the pid be reused by something else).
  if [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$3"; then
    # up.sh starts each under setsid, so its process group is exactly timeout and the
    # server: TERM the group, then KILL it if it lingers.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      kill -KILL -- "-$pid" 2>/dev/null || true
      sleep 0.2
      alive "$pid" && failed+=("$1 (pid $pid)")
    fi
  fi
  rm -f "$2"
}
for name in plain auth tls token; do
  stop "registry $name" "$OUT/registries/$name/pid" "$OUT/registries/$name/config.yml"
done
# The token registry's token service.
stop "token service" "$OUT/token/server.pid" "$OUT/token/server.json"
((${#failed[@]} == 0)) || die "could not stop: ${failed[*]}"
