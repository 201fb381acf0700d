#!/usr/bin/env bash
# up.sh OUTDIR: builds real container test images and serves them from real registries on
# loopback, for lockgate's `image` and `verify` integration tests. Writes OUTDIR/env.json
# with everything a test needs (see README.md beside this file).
#
# Idempotent and safe to run concurrently (one flock on OUTDIR/lock): images are cached in
# OUTDIR keyed by a hash of these scripts and of the tools' inputs; registries that are
# still up are reused; pushes and signatures are redone only when an image or a port
# changed. Quiet on success; progress goes to stderr only when real work is done. Any
# failure exits non-zero with a message (never a silent skip).
set -euo pipefail

die() {
  echo "testimage: error: $*" >&2
  exit 1
}
progress() { echo "testimage: $*" >&2; }

[[ $# -eq 1 && -n $1 ]] || die "usage: $0 OUTDIR"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$1" || die "cannot create $1"
OUT=$(cd "$1" && pwd)

# How long a registry may live (seconds): a bound so that a crashed test run cannot leave
# servers behind for long. A later up.sh restarts any that expired.
TTL=${LOCKGATE_TESTIMAGE_TTL:-1800}
[[ $TTL =~ ^[0-9]+$ ]] || die "LOCKGATE_TESTIMAGE_TTL must be a number of seconds, not '$TTL'"

# ---------------------------------------------------------------------------------------
# Tools. Each is checked; a missing one is an error naming the Debian package
# (packages.txt lists them all).
# ---------------------------------------------------------------------------------------
need() { # need TOOL PACKAGE
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found: install the Debian package '$2' (see $HERE/packages.txt)"
}
need umoci umoci
need skopeo skopeo
need docker-registry docker-registry
need htpasswd apache2-utils
need openssl openssl
need curl curl
need jq jq
need python3 python3
# Debian's interpreter when there is one: a pyenv shim costs ~0.3 s a call.
PY=/usr/bin/python3
[[ -x $PY ]] || PY=$(command -v python3)
need flock util-linux
need setsid util-linux
need timeout coreutils
need sha256sum coreutils
need base64 coreutils
need tar tar
need gzip gzip
need zstd zstd
BUSYBOX=/bin/busybox
TINI=/usr/bin/tini-static
[[ -x $BUSYBOX ]] || die "$BUSYBOX not found: install the Debian package 'busybox-static'"
[[ -x $TINI ]] || die "$TINI not found: install the Debian package 'tini'"
# The images must hold static binaries (they have no libc); the 'busybox' package's
# dynamic build would make a broken image, so check rather than trust the path.
# Prints each argument that is not a static 64-bit ELF executable.
not_static() {
  "$PY" - "$@" <<'EOF'
import struct, sys
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    static = data[:4] == b"\x7fELF" and data[4] == 2  # 64-bit ELF
    if static:
        phoff, = struct.unpack_from("<Q", data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
        for i in range(phnum):
            ptype, = struct.unpack_from("<I", data, phoff + i * phentsize)
            static = static and ptype != 3  # PT_INTERP: needs a dynamic loader
    if not static:
        print(path)
EOF
}
bad=$(not_static "$BUSYBOX" "$TINI") || die "could not inspect $BUSYBOX and $TINI"
[[ -z $bad ]] || die "not a static ELF binary: $bad (install 'busybox-static', not 'busybox'; and 'tini')"
# umoci must run as root to record root ownership of the setuid/setgid files.
[[ $(id -u) -eq 0 ]] || die "must run as root (umoci records file owners from the unpacked root filesystem)"

# ---------------------------------------------------------------------------------------
# Lock: one up.sh (or down.sh) at a time per OUTDIR. fd 9 is closed in every long-lived
# child (the registries) so the lock is released when this script exits.
# ---------------------------------------------------------------------------------------
exec 9>"$OUT/lock"
flock -w 900 9 || die "timed out waiting for the lock $OUT/lock"

LOG="$OUT/up.log" # output of the last tool run; shown when a step fails
run() {           # run DESCRIPTION CMD...: runs quietly, dies with the tool's output on failure
  local what=$1
  shift
  if ! "$@" >"$LOG" 2>&1 9>&-; then
    echo "testimage: error: $what failed: $*" >&2
    sed 's/^/  | /' "$LOG" >&2
    exit 1
  fi
}
SKOPEO=(skopeo --insecure-policy) # our own images only: no trust policy to consult

# Alive and not a zombie (a zombie is dead, waiting for a parent that may never reap it).
alive() { # alive PID
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}
# A server of ours: the pid file's process, alive and still running our config file.
ours() { # ours PID-FILE CONFIG-FILE: prints the pid if so
  local pid
  [[ -s $1 ]] || return 1
  pid=$(cat "$1")
  [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$2" || return 1
  echo "$pid"
}
our_pid() { # our_pid NAME: prints the pid if the registry's recorded process is ours and alive
  ours "$OUT/registries/$1/pid" "$OUT/registries/$1/config.yml"
}
# Stops a server of ours: TERM to its process group (timeout and the server), then KILL.
stop_group() { # stop_group PID
  kill -TERM -- "-$1" 2>/dev/null || true
  for _ in $(seq 100); do alive "$1" || return 0; sleep 0.1; done
  kill -KILL -- "-$1" 2>/dev/null || true
}
stop_registry() { # stop_registry NAME
  local pid
  pid=$(our_pid "$1") || return 0
  stop_group "$pid"
}

# ---------------------------------------------------------------------------------------
# a. Images (cached by KEY)
# ---------------------------------------------------------------------------------------
KEY=$(
  {
    cat "$HERE/up.sh" "$HERE/packages.txt"
    sha256sum "$BUSYBOX" "$TINI"
    umoci --version
    skopeo --version
  } | sha256sum | cut -c1-16
)

# Fake, format-valid credentials, generated so that no source file holds one (lockgate
# scans its own tree). Deterministic per seed, so a rebuild gives the same values, and
# free of the words lockgate treats as placeholders ("example", "dummy", ...).
# Prints one per line: SEED:LENGTH:ALPHABET for each argument.
fake() {
  "$PY" - "$@" <<'EOF'
import hashlib, sys
for spec in sys.argv[1:]:
    seed, n, alphabet = spec.split(":", 2)
    n, out, i = int(n), "", 0
    while len(out) < n:
        for b in hashlib.sha256(f"lockgate-testimage:{seed}:{i}".encode()).digest():
            if b < 256 - 256 % len(alphabet):  # no modulo bias
                out += alphabet[b % len(alphabet)]
        i += 1
    out = out[:n]
    bad = ["example", "placeholder", "changeme", "dummy", "redacted", "xxxxxx", "your"]
    assert not any(w in out.lower() for w in bad) and len(set(out)) > 4, out
    print(out)
EOF
}
ALNUM=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789
B32=ABCDEFGHIJKLMNOPQRSTUVWXYZ234567
B64=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/
FAKES=$(fake "file-token:36:$ALNUM" "aws-id:16:$B32" "aws-secret:40:$B64" "env-token:36:$ALNUM" \
  "history-token:36:$ALNUM") || die "could not generate the fake credentials"
{
  read -r TOKEN_FILE    # in /opt/app/config.env
  read -r AWS_ID        # in /opt/app/config.env
  read -r AWS_SECRET    # in /opt/app/config.env
  read -r TOKEN_ENV     # in the config's Env
  read -r TOKEN_HISTORY # in a history created_by
} <<<"$FAKES"
TOKEN_FILE="ghp_$TOKEN_FILE"
AWS_ID="AKIA$AWS_ID"
TOKEN_ENV="ghp_$TOKEN_ENV"
TOKEN_HISTORY="ghp_$TOKEN_HISTORY"

# Paths inside the insecure image, also written to env.json as the expected facts.
SETUID_FILE=/usr/bin/passwd
SETGID_FILE=/usr/bin/wall
SECRET_FILE=/opt/app/config.env
DELETED_FILE=/opt/app/install.log
OPAQUE_DIR=/etc/app/conf.d
OPAQUE_HIDDEN=(00-defaults.conf 10-legacy.conf)
OPAQUE_VISIBLE=(50-site.conf)
ADDED_FILE=/opt/app/entrypoint.sh
# A BuildKit-style history entry of a RUN that passed a token on the command line.
HISTORY_RUN=$(printf 'RUN /bin/sh -c wget -q --header "Authorization: token %s" -O /tmp/install.sh https://github.invalid/acme/app/raw/main/install.sh && sh /tmp/install.sh > %s # buildkit' \
  "$TOKEN_HISTORY" "$DELETED_FILE")
APPLETS=(sh ash wget nc ls cat cp mv rm mkdir chmod echo id ps grep sed vi ping telnet su mount)

os_release() { # os_release VERSION_ID CODENAME: the text of Debian's /etc/os-release
  cat <<EOF
PRETTY_NAME="Debian GNU/Linux $1 ($2)"
NAME="Debian GNU/Linux"
VERSION_ID="$1"
VERSION="$1 ($2)"
VERSION_CODENAME=$2
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
EOF
}

# Every layer blob of every image in a layout must be a complete tar (GNU tar fails on a
# truncated one), so the tests never read a layer that is broken by accident.
check_layers() { # check_layers LAYOUT
  local m l mt
  for m in $(jq -r '.manifests[].digest' "$1/index.json"); do
    while read -r mt l; do
      case $mt in
        *tar+gzip) tar --gzip -tf "$1/blobs/sha256/${l#sha256:}" >/dev/null 2>"$LOG" ;;
        *tar+zstd) tar --zstd -tf "$1/blobs/sha256/${l#sha256:}" >/dev/null 2>"$LOG" ;;
        *) false ;;
      esac || die "layer $l ($mt) in $1 is not a complete tar: $(cat "$LOG")"
    done < <(jq -r '.layers[] | "\(.mediaType) \(.digest)"' "$1/blobs/sha256/${m#sha256:}")
  done
}

build_images() {
  local B="$OUT/build.tmp"
  rm -rf "$B"
  mkdir -p "$B"
  local L="$B/oci"
  run "umoci init" umoci init --layout "$L"

  # --- insecure, layer 1: a busybox userland on an end-of-life Debian 9 ---
  run "umoci new" umoci new --image "$L:insecure"
  run "umoci unpack" umoci unpack --image "$L:insecure" "$B/bundle"
  local R="$B/bundle/rootfs"
  mkdir -p "$R"/{bin,etc,root,tmp,usr/bin,opt/app,"$OPAQUE_DIR"}
  chmod 0700 "$R/root"
  chmod 1777 "$R/tmp"
  cp "$BUSYBOX" "$R/bin/busybox"
  local a
  for a in "${APPLETS[@]}"; do ln -s busybox "$R/bin/$a"; done
  os_release 9 stretch >"$R/etc/os-release"
  echo 9.13 >"$R/etc/debian_version"
  cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
app:x:1000:1000:app:/opt/app:/bin/sh
EOF
  cat >"$R/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
tty:x:5:
www-data:x:33:
nogroup:x:65534:
app:x:1000:
EOF
  # Small stand-ins for the real setuid/setgid programs (only the mode bits matter).
  printf '#!/bin/sh\nexec /bin/busybox passwd "$@"\n' >"$R$SETUID_FILE"
  chown 0:0 "$R$SETUID_FILE"
  chmod 4755 "$R$SETUID_FILE"
  printf '#!/bin/sh\nexec /bin/busybox wall "$@"\n' >"$R$SETGID_FILE"
  chown 0:5 "$R$SETGID_FILE"
  chmod 2755 "$R$SETGID_FILE"
  cat >"$R$SECRET_FILE" <<EOF
# deployment settings for the app
GITHUB_TOKEN=$TOKEN_FILE
AWS_ACCESS_KEY_ID=$AWS_ID
AWS_SECRET_ACCESS_KEY=$AWS_SECRET
EOF
  chmod 0640 "$R$SECRET_FILE"
  printf 'installing app 1.4.2\nfetching dependencies\ndone\n' >"$R$DELETED_FILE"
  printf '# defaults shipped with the app\nlisten = 0.0.0.0:22\n' >"$R$OPAQUE_DIR/${OPAQUE_HIDDEN[0]}"
  printf '# legacy settings\nallow_root = yes\n' >"$R$OPAQUE_DIR/${OPAQUE_HIDDEN[1]}"
  # --refresh-bundle: the next repack must diff against this layer, not the empty image.
  run "umoci repack (layer 1)" umoci repack --image "$L:insecure" --refresh-bundle \
    --history.created_by "$HISTORY_RUN" "$B/bundle"

  # --- layer 2: delete a file (umoci writes a .wh. whiteout) and add one ---
  rm "$R$DELETED_FILE"
  printf '#!/bin/sh\nset -e\nexec /bin/sh "$@"\n' >"$R$ADDED_FILE"
  chmod 0755 "$R$ADDED_FILE"
  run "umoci repack (layer 2)" umoci repack --image "$L:insecure" \
    --history.created_by "RUN /bin/sh -c rm -f $DELETED_FILE && install -m 755 /dev/stdin $ADDED_FILE # buildkit" "$B/bundle"

  # --- layer 3: replace a directory wholesale: an opaque marker .wh..wh..opq in it ---
  # Not `umoci insert --opaque`: umoci 0.4.7 writes that layer as a truncated tar (no
  # padding after the last file, no end-of-archive blocks; umoci issue #436). GNU tar
  # writes the layer instead, in BuildKit's order (directory, marker, contents), and
  # `umoci raw add-layer` appends it.
  local S="$B/layer3"
  mkdir -p "$S$OPAQUE_DIR"
  : >"$S$OPAQUE_DIR/.wh..wh..opq"
  printf '# site settings\nlisten = 127.0.0.1:8080\n' >"$S$OPAQUE_DIR/${OPAQUE_VISIBLE[0]}"
  run "tar (layer 3)" tar --create --file "$B/layer3.tar" --directory "$S" --format=pax \
    --sort=name --numeric-owner --owner=0 --group=0 --mtime=@1700000000 \
    --no-recursion "${OPAQUE_DIR#/}" "${OPAQUE_DIR#/}/.wh..wh..opq" "${OPAQUE_DIR#/}/${OPAQUE_VISIBLE[0]}"
  run "umoci raw add-layer (layer 3)" umoci raw add-layer --image "$L:insecure" \
    --history.created_by "COPY conf.d/ $OPAQUE_DIR/ # buildkit" "$B/layer3.tar"

  # --- config: root (no User), sshd port, a secret in Env, labels ---
  run "umoci config (insecure)" umoci config --image "$L:insecure" \
    --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --config.env "GITHUB_TOKEN=$TOKEN_ENV" \
    --config.exposedports 22/tcp \
    --config.workingdir /opt/app \
    --config.cmd /bin/sh \
    --config.label org.opencontainers.image.title=lockgate-test-insecure \
    --config.label org.opencontainers.image.version=1 \
    --config.label maintainer=ops@acme.invalid \
    --history.created_by "ENV GITHUB_TOKEN=$TOKEN_ENV; EXPOSE 22/tcp; LABEL maintainer=ops@acme.invalid"
  rm -rf "$B/bundle"

  # --- hardened: one layer, one static binary that is not a shell, non-root user ---
  run "umoci new" umoci new --image "$L:hardened"
  run "umoci unpack" umoci unpack --image "$L:hardened" "$B/bundle"
  R="$B/bundle/rootfs"
  mkdir -p "$R/app" "$R/etc"
  cp "$TINI" "$R/app/server"
  chmod 0755 "$R/app/server"
  os_release 12 bookworm >"$R/etc/os-release"
  cat >"$R/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  run "umoci repack (hardened)" umoci repack --image "$L:hardened" \
    --history.created_by "COPY server /app/server # buildkit" "$B/bundle"
  run "umoci config (hardened)" umoci config --image "$L:hardened" \
    --config.user 65532:65532 \
    --config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --config.entrypoint /app/server \
    --config.label org.opencontainers.image.title=lockgate-test-hardened \
    --history.created_by 'USER 65532:65532; ENTRYPOINT ["/app/server"]'
  rm -rf "$B/bundle"
  run "umoci gc" umoci gc --layout "$L"
  check_layers "$L"

  # --- the same images as `docker save` archives and as a zstd-compressed OCI layout ---
  local img
  for img in insecure hardened; do
    run "skopeo copy to docker-archive" "${SKOPEO[@]}" copy "oci:$L:$img" \
      "docker-archive:$B/$img.docker.tar:lockgate-test/$img:1"
    run "skopeo copy to zstd layout" "${SKOPEO[@]}" copy --dest-compress-format zstd \
      "oci:$L:$img" "oci:$B/oci-zstd:$img"
    # skopeo 1.9 only honours the format when it recompresses; check the result.
    local mt
    mt=$(jq -r '.layers[].mediaType' "$B/oci-zstd/blobs/sha256/$(
      jq -r --arg t "$img" '.manifests[] | select(.annotations."org.opencontainers.image.ref.name" == $t) | .digest' \
        "$B/oci-zstd/index.json" | cut -d: -f2
    )" | sort -u)
    [[ $mt == application/vnd.oci.image.layer.v1.tar+zstd ]] ||
      die "the zstd layout of $img has layers of type '$mt', not zstd"
  done
  check_layers "$B/oci-zstd"

  rm -rf "$OUT/oci" "$OUT/oci-zstd" "$OUT/insecure.docker.tar" "$OUT/hardened.docker.tar"
  mv "$L" "$OUT/oci"
  mv "$B/oci-zstd" "$OUT/oci-zstd"
  mv "$B/insecure.docker.tar" "$B/hardened.docker.tar" "$OUT/"
  rm -rf "$B"
  echo "$KEY" >"$OUT/images.key"
}

if [[ ! -f $OUT/images.key || $(cat "$OUT/images.key") != "$KEY" || ! -f $OUT/oci/index.json ]]; then
  progress "building test images (cache key $KEY)"
  rm -f "$OUT/images.key"
  build_images
  # New images: registries start over on empty storage, so no stale tags or signatures
  # of earlier builds remain (they are restarted below, on the same ports when free).
  for name in plain auth tls token; do
    stop_registry "$name"
    rm -rf "$OUT/registries/$name/storage" "$OUT/registries/$name/stamp" "$OUT/registries/$name/digests.json"
  done
fi

# Manifest digest of a tag in an OCI layout (what a byte-for-byte push serves).
layout_digest() { # layout_digest LAYOUT TAG
  jq -r --arg t "$2" '.manifests[] | select(.annotations."org.opencontainers.image.ref.name" == $t) | .digest' "$1/index.json"
}
declare -A LAYOUT_DIGEST
for img in insecure hardened; do
  LAYOUT_DIGEST[$img]=$(layout_digest "$OUT/oci" "$img")
  [[ ${LAYOUT_DIGEST[$img]} == sha256:* ]] || die "no tag $img in $OUT/oci"
done

# ---------------------------------------------------------------------------------------
# Credentials, TLS and signing keys: made once, kept (a rerun must not change a password
# that running registries already use).
# ---------------------------------------------------------------------------------------
mkdir -p "$OUT/auth" "$OUT/tls/certs.d" "$OUT/keys"
USERNAME=lockgate
if [[ ! -s $OUT/auth/password || ! -s $OUT/auth/htpasswd ]]; then
  progress "generating registry credentials"
  openssl rand -hex 16 >"$OUT/auth/password.tmp"
  htpasswd -Bbn "$USERNAME" "$(cat "$OUT/auth/password.tmp")" >"$OUT/auth/htpasswd.tmp" ||
    die "htpasswd failed"
  mv "$OUT/auth/htpasswd.tmp" "$OUT/auth/htpasswd"
  mv "$OUT/auth/password.tmp" "$OUT/auth/password"
fi
PASSWORD=$(cat "$OUT/auth/password")

CA="$OUT/tls/ca.pem"
if [[ ! -s $OUT/tls/server.pem || ! -s $CA ]]; then
  progress "generating a test CA and a certificate for 127.0.0.1"
  (
    cd "$OUT/tls"
    run "openssl CA" openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout ca.key -out ca.pem.tmp -days 3650 -subj "/CN=lockgate test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    run "openssl server key" openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout server.key -out server.csr -subj "/CN=127.0.0.1"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >server.ext
    run "openssl sign server certificate" openssl x509 -req -in server.csr -CA ca.pem.tmp -CAkey ca.key \
      -CAcreateserial -days 825 -sha256 -extfile server.ext -out server.pem
    rm -f server.csr server.ext ca.srl
    mv ca.pem.tmp ca.pem
  )
fi
# skopeo (containers/image) reads CA certificates as *.crt files from a directory.
cp "$CA" "$OUT/tls/certs.d/ca.crt"

for k in cosign wrong; do
  if [[ ! -s $OUT/keys/$k.pub ]]; then
    progress "generating ECDSA P-256 key pair $k"
    run "openssl genpkey" openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$OUT/keys/$k.key"
    # cosign.pub format: a PEM "PUBLIC KEY" (SubjectPublicKeyInfo).
    run "openssl pkey -pubout" openssl pkey -in "$OUT/keys/$k.key" -pubout -out "$OUT/keys/$k.pub"
  fi
done

# The token registry's JWT signing: a CA (the registry's rootcertbundle) and a signing
# certificate it issued (sent in each token's x5c header), both ECDSA P-256.
T="$OUT/token"
mkdir -p "$T"
if [[ ! -s $T/root.pem || ! -s $T/signer.pem || ! -s $T/signer.key ]]; then
  progress "generating the token service's CA and signing certificate"
  (
    cd "$T"
    run "openssl token CA" openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout root.key -out root.pem.tmp -days 3650 -subj "/CN=lockgate test token CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    run "openssl token signer key" openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
      -keyout signer.key -out signer.csr -subj "/CN=lockgate test token signer"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" >signer.ext
    run "openssl sign token signer certificate" openssl x509 -req -in signer.csr -CA root.pem.tmp \
      -CAkey root.key -CAcreateserial -days 825 -sha256 -extfile signer.ext -out signer.pem
    rm -f signer.csr signer.ext root.srl
    mv root.pem.tmp root.pem
  )
fi

# ---------------------------------------------------------------------------------------
# b. Registries: plain (HTTP, anonymous), auth (HTTP, basic auth), tls (HTTPS, basic auth),
# token (HTTP, bearer tokens from our token service, which takes basic auth)
# ---------------------------------------------------------------------------------------
REGISTRIES=(plain auth tls token)
declare -A PORT SCHEME
SCHEME=([plain]=http [auth]=http [tls]=https [token]=http)
TOKEN_SERVICE=lockgate-test-registry
TOKEN_ISSUER=lockgate-test-token-issuer
PUSH_TOKEN="" # a token with pull and push on the test repositories (ensure_push_token)

# curl against a registry, with its credentials (or a token) and CA.
rcurl() { # rcurl NAME CURL-ARGS...
  local name=$1
  shift
  local extra=()
  case $name in
    plain) ;;
    token) extra+=(-H "Authorization: Bearer ${PUSH_TOKEN:?no token: call ensure_push_token first}") ;;
    *) extra+=(-u "$USERNAME:$PASSWORD") ;;
  esac
  [[ $name == tls ]] && extra+=(--cacert "$CA")
  curl -sS --max-time 20 "${extra[@]}" "$@"
}
base_url() { echo "${SCHEME[$1]}://127.0.0.1:${PORT[$1]}"; }

# Up: answers /v2/ with 200 (anonymous) or 401 (auth, without credentials sent); the
# token registry's 401 must send clients to the token service that runs now.
healthy() { # healthy NAME
  local out code
  out=$(curl -s -o /dev/null -D - -w '%{http_code}' --max-time 2 --cacert "$CA" "$(base_url "$1")/v2/" 9>&-) ||
    return 1
  code=${out: -3}
  case $1 in
    plain) [[ $code == 200 ]] ;;
    token) [[ $code == 401 ]] && tr -d '\r' <<<"$out" | grep -qiF "www-authenticate: Bearer realm=\"$TOKEN_REALM\"" ;;
    *) [[ $code == 401 ]] ;;
  esac
}
port_free() { # port_free PORT: bindable on 127.0.0.1 (with SO_REUSEADDR, as Go binds)
  "$PY" - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}
free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_config() { # write_config NAME PORT
  local dir="$OUT/registries/$1"
  {
    cat <<EOF
# generated by scripts/testimage/up.sh
version: 0.1
log:
  level: $([[ $1 == token ]] && echo info || echo warn)
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: "$dir/storage"
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$2
  secret: $(openssl rand -hex 16)
EOF
    if [[ $1 == tls ]]; then
      cat <<EOF
  tls:
    certificate: "$OUT/tls/server.pem"
    key: "$OUT/tls/server.key"
EOF
    fi
    if [[ $1 == token ]]; then
      cat <<EOF
auth:
  token:
    realm: "$TOKEN_REALM"
    service: "$TOKEN_SERVICE"
    issuer: "$TOKEN_ISSUER"
    rootcertbundle: "$T/root.pem"
EOF
    elif [[ $1 != plain ]]; then
      cat <<EOF
auth:
  htpasswd:
    realm: lockgate-test
    path: "$OUT/auth/htpasswd"
EOF
    fi
  } >"$dir/config.yml"
}

start_registry() { # start_registry NAME
  local name=$1 dir="$OUT/registries/$1" pid attempt port old=""
  mkdir -p "$dir/storage"
  [[ -s $dir/port ]] && old=$(cat "$dir/port")
  # Running but not answering: stop it before starting anew.
  stop_registry "$name"
  for attempt in 1 2 3; do
    # Keep the old port when it is free, so a restarted registry keeps its address.
    if [[ -n $old && $attempt -eq 1 ]] && port_free "$old"; then port=$old; else port=$(free_port); fi
    PORT[$name]=$port
    write_config "$name" "$port"
    # setsid: own session and process group, so down.sh can stop exactly it; timeout:
    # it can never outlive the test run by much; 9>&-: it must not hold our lock.
    setsid timeout --kill-after=10 "$TTL" docker-registry serve "$dir/config.yml" \
      </dev/null >"$dir/log" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$dir/pid"
    echo "$port" >"$dir/port"
    for _ in $(seq 150); do
      healthy "$name" && break
      alive "$pid" || break
      sleep 0.1
    done
    if healthy "$name"; then
      [[ $(ps -o pgid= -p "$pid" | tr -d ' ') == "$pid" ]] ||
        die "registry $name (pid $pid) is not its own process group leader"
      return 0
    fi
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # A port taken between choosing and binding: try another. Anything else is fatal.
    grep -q "address already in use" "$dir/log" || break
  done
  echo "testimage: error: registry $name did not come up on 127.0.0.1:${PORT[$name]}; its log:" >&2
  sed 's/^/  | /' "$dir/log" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------
# The token registry's token service (tokenserver.py, beside this script): started first,
# like a registry (setsid, timeout TTL, pid file, port kept when free, reused while it
# runs this very script and config). Its realm is in the token registry's config, so the
# registry is restarted when the service moved (healthy checks the realm).
# ---------------------------------------------------------------------------------------
TOKEN_SERVER="$HERE/tokenserver.py"
[[ -f $TOKEN_SERVER ]] || die "$TOKEN_SERVER is missing"
token_config() { # token_config PORT: the token service's config file
  jq -n --argjson port "$1" --arg service "$TOKEN_SERVICE" --arg issuer "$TOKEN_ISSUER" \
    --arg user "$USERNAME" --arg pw "$OUT/auth/password" --arg key "$T/signer.key" --arg cert "$T/signer.pem" \
    '{port: $port, service: $service, issuer: $issuer, username: $user, password_file: $pw,
      signer_key: $key, signer_cert: $cert, token_ttl: 900}'
}
# Up, and running this script with this config: /healthz answers the hash of both.
token_healthy() { # token_healthy PORT
  local version
  version=$(curl -s --max-time 2 "http://127.0.0.1:$1/healthz" 9>&- | jq -r .version 2>/dev/null) || return 1
  [[ $version == $({ cat "$TOKEN_SERVER"; printf '\0'; token_config "$1"; } | sha256sum | cut -c1-16) ]]
}
start_token_server() {
  local pid attempt port old=""
  [[ -s $T/server.port ]] && old=$(cat "$T/server.port")
  if pid=$(ours "$T/server.pid" "$T/server.json"); then stop_group "$pid"; fi
  for attempt in 1 2 3; do
    if [[ -n $old && $attempt -eq 1 ]] && port_free "$old"; then port=$old; else port=$(free_port); fi
    TPORT=$port
    token_config "$port" >"$T/server.json"
    setsid timeout --kill-after=10 "$TTL" "$PY" "$TOKEN_SERVER" "$T/server.json" \
      </dev/null >"$T/server.log" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$T/server.pid"
    echo "$port" >"$T/server.port"
    for _ in $(seq 100); do
      token_healthy "$port" && break
      alive "$pid" || break
      sleep 0.1
    done
    if token_healthy "$port"; then
      [[ $(ps -o pgid= -p "$pid" | tr -d ' ') == "$pid" ]] ||
        die "the token service (pid $pid) is not its own process group leader"
      return 0
    fi
    kill -TERM -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    grep -q "address already in use" "$T/server.log" || break
  done
  echo "testimage: error: the token service did not come up on 127.0.0.1:$TPORT; its log:" >&2
  sed 's/^/  | /' "$T/server.log" >&2
  exit 1
}
TPORT=$(cat "$T/server.port" 2>/dev/null || echo 0)
if ! { ours "$T/server.pid" "$T/server.json" >/dev/null && token_healthy "$TPORT"; }; then
  progress "starting the token service"
  start_token_server
fi
TOKEN_REALM="http://127.0.0.1:$TPORT/token"

# A token with pull and push on the test repositories, for curl (signatures, checks).
ensure_push_token() {
  [[ -z $PUSH_TOKEN ]] || return 0
  local scopes=() img
  for img in insecure hardened unsigned replayed; do
    scopes+=(--data-urlencode "scope=repository:$REPO_PREFIX/$img:pull,push")
  done
  PUSH_TOKEN=$(curl -sS -f --max-time 20 -u "$USERNAME:$PASSWORD" -G "$TOKEN_REALM" \
    --data-urlencode "service=$TOKEN_SERVICE" "${scopes[@]}" 9>&- | jq -r '.token // empty') || PUSH_TOKEN=""
  [[ -n $PUSH_TOKEN ]] || die "the token service $TOKEN_REALM gave no push token (see $T/server.log)"
}

for name in "${REGISTRIES[@]}"; do
  dir="$OUT/registries/$name"
  mkdir -p "$dir"
  PORT[$name]=$(cat "$dir/port" 2>/dev/null || echo 0)
  if our_pid "$name" >/dev/null && healthy "$name"; then
    continue
  fi
  progress "starting registry $name"
  start_registry "$name"
done

# ---------------------------------------------------------------------------------------
# c. Pushes, d. cosign signatures: redone per registry when the images or its port changed
# (a stamp records both) or when a pushed manifest is missing.
# ---------------------------------------------------------------------------------------
REPO_PREFIX=lockgate-test

# Digest a registry serves for REPO:REF (HEAD, Docker-Content-Digest), empty if none.
served_digest() { # served_digest NAME REPO REF
  rcurl "$1" -fI -H "Accept: application/vnd.oci.image.manifest.v1+json" \
    -H "Accept: application/vnd.docker.distribution.manifest.v2+json" \
    "$(base_url "$1")/v2/$2/manifests/$3" 2>/dev/null |
    tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}'
}

push_image() { # push_image NAME LAYOUT-TAG REPO
  local name=$1 dir="$OUT/registries/$1" extra=()
  case $name in
    plain) extra=(--dest-tls-verify=false) ;;
    auth | token) extra=(--dest-tls-verify=false --dest-creds "$USERNAME:$PASSWORD") ;;
    tls) extra=(--dest-cert-dir "$OUT/tls/certs.d" --dest-creds "$USERNAME:$PASSWORD") ;;
  esac
  run "push $2 to $name" "${SKOPEO[@]}" copy "${extra[@]}" --digestfile "$dir/digest.tmp" \
    "oci:$OUT/oci:$2" "docker://127.0.0.1:${PORT[$name]}/$3:1"
  cat "$dir/digest.tmp"
  rm -f "$dir/digest.tmp"
}

upload_blob() { # upload_blob NAME REPO FILE: monolithic upload (POST, then PUT with digest)
  local name=$1 repo=$2 file=$3 digest loc headers
  digest="sha256:$(sha256sum "$file" | cut -d' ' -f1)"
  headers=$(rcurl "$name" -f -o /dev/null -D - -X POST "$(base_url "$name")/v2/$repo/blobs/uploads/") ||
    die "blob upload POST to $name/$repo failed"
  loc=$(tr -d '\r' <<<"$headers" | awk 'tolower($1) == "location:" {print $2}')
  [[ -n $loc ]] || die "blob upload POST to $name/$repo returned no Location"
  [[ $loc == /* ]] && loc="$(base_url "$name")$loc" # relative Location is allowed
  [[ $loc == *\?* ]] && loc="$loc&digest=$digest" || loc="$loc?digest=$digest"
  rcurl "$name" -f -o /dev/null -X PUT -H "Content-Type: application/octet-stream" \
    --data-binary "@$file" "$loc" || die "blob upload PUT to $name/$repo failed"
  echo "$digest"
}

# Pushes a cosign signature manifest (tag sha256-<hex>.sig) for DIGEST in REPO whose payload
# is PAYLOAD-FILE and whose signature annotation is SIG-B64.
push_signature() { # push_signature NAME REPO DIGEST PAYLOAD-FILE SIG-B64 WORKDIR
  local name=$1 repo=$2 digest=$3 payload=$4 sig=$5 w=$6 pdigest cdigest
  pdigest=$(upload_blob "$name" "$repo" "$payload")
  # cosign's config blob for a signature image: empty but for the payload's diff id.
  printf '{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["%s"]},"config":{}}' \
    "$pdigest" >"$w/config.json"
  cdigest=$(upload_blob "$name" "$repo" "$w/config.json")
  jq -cn --arg cd "$cdigest" --argjson cs "$(stat -c %s "$w/config.json")" \
    --arg pd "$pdigest" --argjson ps "$(stat -c %s "$payload")" --arg sig "$sig" '{
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {mediaType: "application/vnd.oci.image.config.v1+json", size: $cs, digest: $cd},
      layers: [{
        mediaType: "application/vnd.dev.cosign.simplesigning.v1+json",
        size: $ps, digest: $pd,
        annotations: {"dev.cosignproject.cosign/signature": $sig}
      }]
    }' | tr -d '\n' >"$w/manifest.json"
  rcurl "$name" -f -o /dev/null -X PUT -H "Content-Type: application/vnd.oci.image.manifest.v1+json" \
    --data-binary "@$w/manifest.json" \
    "$(base_url "$name")/v2/$repo/manifests/sha256-${digest#sha256:}.sig" ||
    die "pushing the signature manifest to $name/$repo failed"
}

# The simple-signing payload, byte for byte as cosign writes it (Go's json.Marshal).
payload() { # payload REFERENCE DIGEST
  printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' "$1" "$2"
}
sign() { # sign FILE: base64 of the DER ECDSA signature of FILE's bytes with cosign.key
  openssl dgst -sha256 -sign "$OUT/keys/cosign.key" "$1" | base64 -w0
}

publish() { # publish NAME: pushes the images and signatures to one registry
  local name=$1 dir="$OUT/registries/$1" w host d_ins d_hard d_uns fake_digest
  host="127.0.0.1:${PORT[$name]}"
  w="$dir/sign"
  rm -rf "$w"
  mkdir -p "$w"
  d_ins=$(push_image "$name" insecure "$REPO_PREFIX/insecure")
  d_hard=$(push_image "$name" hardened "$REPO_PREFIX/hardened")
  # unsigned: insecure's very manifest in another repo; its signature lives only in
  # lockgate-test/insecure, so a verifier must look signatures up per repository.
  d_uns=$(push_image "$name" insecure "$REPO_PREFIX/unsigned")
  # replayed: hardened's manifest, with a valid signature made for insecure's digest.
  push_image "$name" hardened "$REPO_PREFIX/replayed" >/dev/null

  # Valid: insecure, signed with cosign.key.
  payload "$host/$REPO_PREFIX/insecure" "$d_ins" >"$w/insecure.payload.json"
  openssl dgst -sha256 -sign "$OUT/keys/cosign.key" -out "$w/insecure.sig.der" "$w/insecure.payload.json" ||
    die "openssl could not sign"
  base64 -w0 "$w/insecure.sig.der" >"$w/insecure.sig.b64"
  push_signature "$name" "$REPO_PREFIX/insecure" "$d_ins" "$w/insecure.payload.json" \
    "$(cat "$w/insecure.sig.b64")" "$w"

  # Tampered: hardened's payload signed, then its digest field altered (last hex digit),
  # so the signature no longer matches the payload.
  payload "$host/$REPO_PREFIX/hardened" "$d_hard" >"$w/hardened.signed-payload.json"
  local sig_hard
  sig_hard=$(sign "$w/hardened.signed-payload.json")
  case ${d_hard: -1} in 0) fake_digest="${d_hard%?}1" ;; *) fake_digest="${d_hard%?}0" ;; esac
  payload "$host/$REPO_PREFIX/hardened" "$fake_digest" >"$w/hardened.payload.json"
  push_signature "$name" "$REPO_PREFIX/hardened" "$d_hard" "$w/hardened.payload.json" "$sig_hard" "$w"

  # Replayed: a genuine signature whose payload names another image (insecure).
  payload "$host/$REPO_PREFIX/insecure" "$d_ins" >"$w/replayed.payload.json"
  local sig_replayed
  sig_replayed=$(sign "$w/replayed.payload.json")
  push_signature "$name" "$REPO_PREFIX/replayed" "$d_hard" "$w/replayed.payload.json" "$sig_replayed" "$w"

  jq -n --arg i "$d_ins" --arg h "$d_hard" --arg u "$d_uns" --arg r "$d_hard" \
    '{insecure: $i, hardened: $h, unsigned: $u, replayed: $r}' >"$dir/digests.json"
}

publishers=()
for name in "${REGISTRIES[@]}"; do
  dir="$OUT/registries/$name"
  stamp="$KEY ${PORT[$name]} $(sha256sum "$OUT/keys/cosign.pub" | cut -c1-16)"
  pid=$(cat "$dir/pid")
  if [[ -s $dir/stamp && $(cat "$dir/stamp") == "$stamp" && -s $dir/digests.json ]]; then
    # Published to this very process (only up.sh writes to it): nothing to check.
    [[ $(cat "$dir/checked-pid" 2>/dev/null) == "$pid" ]] && continue
    if [[ $name == token ]]; then ensure_push_token; fi
    # Restarted on the old storage since: check that it still serves everything.
    ok=1
    declare -A want=()
    while read -r img d; do want[$img]=$d; done < <(jq -r 'to_entries[] | "\(.key) \(.value)"' "$dir/digests.json")
    for img in insecure hardened unsigned replayed; do
      [[ -n ${want[$img]:-} && $(served_digest "$name" "$REPO_PREFIX/$img" 1) == "${want[$img]}" ]] || ok=0
    done
    for img in insecure hardened replayed; do
      [[ -n $(served_digest "$name" "$REPO_PREFIX/$img" "sha256-${want[$img]#sha256:}.sig") ]] || ok=0
    done
    unset want
    if ((ok)); then
      echo "$pid" >"$dir/checked-pid"
      continue
    fi
  fi
  progress "pushing and signing test images on registry $name (127.0.0.1:${PORT[$name]})"
  if [[ $name == token ]]; then ensure_push_token; fi
  rm -f "$dir/stamp" "$dir/checked-pid"
  # The registries are independent: publish to them in parallel, each with its own log.
  (
    LOG="$dir/publish.log"
    publish "$name"
    echo "$stamp" >"$dir/stamp"
    echo "$pid" >"$dir/checked-pid"
  ) &
  publishers+=("$!")
done
for pid in "${publishers[@]}"; do
  wait "$pid" || die "publishing to a registry failed (see above)"
done

# ---------------------------------------------------------------------------------------
# e. Docker config (auths for the three registries with credentials) and env.json
# ---------------------------------------------------------------------------------------
mkdir -p "$OUT/docker-config"
AUTH_B64=$(printf '%s:%s' "$USERNAME" "$PASSWORD" | base64 -w0)
jq -n --arg a "127.0.0.1:${PORT[auth]}" --arg t "127.0.0.1:${PORT[tls]}" --arg k "127.0.0.1:${PORT[token]}" \
  --arg b "$AUTH_B64" \
  '{auths: {($a): {auth: $b}, ($t): {auth: $b}, ($k): {auth: $b}}}' >"$OUT/docker-config/config.json.tmp"
mv "$OUT/docker-config/config.json.tmp" "$OUT/docker-config/config.json"

export OUT KEY USERNAME PASSWORD CA TTL REPO_PREFIX TOKEN_FILE AWS_ID AWS_SECRET TOKEN_ENV TOKEN_HISTORY
export SETUID_FILE SETGID_FILE SECRET_FILE DELETED_FILE OPAQUE_DIR ADDED_FILE HISTORY_RUN
export OPAQUE_HIDDEN_LIST="${OPAQUE_HIDDEN[*]}" OPAQUE_VISIBLE_LIST="${OPAQUE_VISIBLE[*]}" APPLET_LIST="${APPLETS[*]}"
export PORT_PLAIN=${PORT[plain]} PORT_AUTH=${PORT[auth]} PORT_TLS=${PORT[tls]} PORT_TOKEN=${PORT[token]}
export TOKEN_REALM TOKEN_SERVICE TOKEN_ISSUER
export LAYOUT_INSECURE=${LAYOUT_DIGEST[insecure]} LAYOUT_HARDENED=${LAYOUT_DIGEST[hardened]}
"$PY" - <<'EOF'
import json, os, tarfile

e = os.environ
out = e["OUT"]
prefix = e["REPO_PREFIX"]
names = ["plain", "auth", "tls", "token"]
ports = {"plain": e["PORT_PLAIN"], "auth": e["PORT_AUTH"], "tls": e["PORT_TLS"], "token": e["PORT_TOKEN"]}
registries = {}
digests = {}
for n in names:
    d = f"{out}/registries/{n}"
    authed = n != "plain"
    registries[n] = {
        "url": f"127.0.0.1:{ports[n]}",
        "scheme": "https" if n == "tls" else "http",
        "base_url": ("https" if n == "tls" else "http") + f"://127.0.0.1:{ports[n]}",
        "username": e["USERNAME"] if authed else None,
        "password": e["PASSWORD"] if authed else None,
        "ca_file": e["CA"] if n == "tls" else None,
        "pid_file": f"{d}/pid",
        "log": f"{d}/log",
    }
    if n == "token":
        # Bearer tokens (distribution spec): /v2/ answers 401 with
        # `WWW-Authenticate: Bearer realm="<token_realm>",service="<token_service>"`; the
        # token service takes username/password as HTTP basic auth.
        t = f"{out}/token"
        registries[n].update({
            "token_realm": e["TOKEN_REALM"],
            "token_service": e["TOKEN_SERVICE"],
            "token_issuer": e["TOKEN_ISSUER"],
            "token_root_cert": f"{t}/root.pem",
            "token_server_pid_file": f"{t}/server.pid",
            "token_server_log": f"{t}/server.log",
        })
    digests[n] = json.load(open(f"{d}/digests.json"))

def layout_digest(layout, tag):
    for m in json.load(open(f"{layout}/index.json"))["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return m["digest"]
    raise SystemExit(f"no tag {tag} in {layout}")

def repo_tags(archive):
    with tarfile.open(archive) as t:
        return json.load(t.extractfile("manifest.json"))[0]["RepoTags"]

def sig_tags(img):
    return {n: "sha256-" + digests[n][img].split(":", 1)[1] + ".sig" for n in names}

images = {}
for img, layout_tag in [("insecure", "insecure"), ("hardened", "hardened"),
                        ("unsigned", "insecure"), ("replayed", "hardened")]:
    images[img] = {
        "repo": f"{prefix}/{img}",
        "tag": "1",
        "layout_tag": layout_tag,
        "digest": {n: digests[n][img] for n in names},
    }
for img, sig in [("insecure", "valid"), ("hardened", "tampered"),
                 ("unsigned", "unsigned"), ("replayed", "replayed")]:
    images[img]["signature"] = sig
    if sig != "unsigned":
        images[img]["sig_tag"] = sig_tags(img)

env = {
    "schema": 1,
    "outdir": out,
    "cache_key": e["KEY"],
    "ttl_seconds": int(e["TTL"]),
    "registries": registries,
    "images": images,
    "oci_layout": f"{out}/oci",
    "oci_layout_digest": {"insecure": e["LAYOUT_INSECURE"], "hardened": e["LAYOUT_HARDENED"]},
    "zstd_layout": f"{out}/oci-zstd",
    "zstd_layout_digest": {t: layout_digest(f"{out}/oci-zstd", t) for t in ("insecure", "hardened")},
    # RepoTags as skopeo writes them: fully qualified ("docker.io/lockgate-test/insecure:1"),
    # where `docker save` would write "lockgate-test/insecure:1".
    "docker_archives": {t: {"path": f"{out}/{t}.docker.tar", "repo_tags": repo_tags(f"{out}/{t}.docker.tar")}
                        for t in ("insecure", "hardened")},
    "docker_config_dir": f"{out}/docker-config",
    "docker_config": f"{out}/docker-config/config.json",
    "cosign": {
        "public_key": f"{out}/keys/cosign.pub",
        "private_key": f"{out}/keys/cosign.key",
        "wrong_public_key": f"{out}/keys/wrong.pub",
        "payloads_dir": {n: f"{out}/registries/{n}/sign" for n in names},
        "cases": {
            "valid": f"{prefix}/insecure:1 verifies with cosign.pub",
            "wrong_key": f"{prefix}/insecure:1 must fail with wrong.pub",
            "tampered": f"{prefix}/hardened:1 must fail: its payload's digest was altered after signing",
            "replayed": f"{prefix}/replayed:1 must fail: a genuine signature of a payload naming another digest (insecure's)",
            "unsigned": f"{prefix}/unsigned:1 must fail: no .sig tag in its repo (same manifest as insecure)",
        },
    },
    "facts": {
        "insecure": {
            "layers": 3,
            "layer_contents": [
                "busybox userland, Debian 9 os-release, passwd/group, setuid and setgid files, secret file, the file deleted later, the directory made opaque later",
                "whiteout of deleted_file, added_file",
                "opaque marker on opaque_dir plus its new file",
            ],
            "os_release": {"path": "/etc/os-release", "id": "debian", "version_id": "9",
                           "version_codename": "stretch", "pretty_name": "Debian GNU/Linux 9 (stretch)", "eol": True},
            "user": "",
            "runs_as_root": True,
            "exposed_ports": ["22/tcp"],
            "shell": "/bin/sh",
            "busybox": "/bin/busybox",
            "applets": ["/bin/" + a for a in e["APPLET_LIST"].split()],
            "passwd": "/etc/passwd",
            "setuid_files": [{"path": e["SETUID_FILE"], "mode": "4755", "uid": 0, "gid": 0}],
            "setgid_files": [{"path": e["SETGID_FILE"], "mode": "2755", "uid": 0, "gid": 5}],
            # Raw tar entries of the layers (no leading slash), for tests of layer parsing:
            # the deleted file is still in layer 0; layer 1 holds its whiteout; layer 2
            # holds the opaque marker (after the directory entry, as BuildKit writes it).
            "whiteouts": [
                {"layer": 1, "entry": e["DELETED_FILE"].lstrip("/").rsplit("/", 1)[0] + "/.wh." + e["DELETED_FILE"].rsplit("/", 1)[1],
                 "deletes": e["DELETED_FILE"]},
                {"layer": 2, "entry": e["OPAQUE_DIR"].lstrip("/") + "/.wh..wh..opq", "opaque": e["OPAQUE_DIR"]},
            ],
            "deleted_file": e["DELETED_FILE"],
            "deleted_file_layer": 0,
            "added_file": e["ADDED_FILE"],
            "opaque_dir": e["OPAQUE_DIR"],
            "opaque_hidden": [e["OPAQUE_DIR"] + "/" + f for f in e["OPAQUE_HIDDEN_LIST"].split()],
            "opaque_visible": [e["OPAQUE_DIR"] + "/" + f for f in e["OPAQUE_VISIBLE_LIST"].split()],
            "secret_file": e["SECRET_FILE"],
            "secret_file_layer": 0,
            "secrets": {
                "file_github_token": e["TOKEN_FILE"],
                "file_aws_access_key_id": e["AWS_ID"],
                "file_aws_secret_access_key": e["AWS_SECRET"],
                "env_github_token": e["TOKEN_ENV"],
                "env_var": "GITHUB_TOKEN",
                "history_github_token": e["TOKEN_HISTORY"],
                "history_index": 0,
            },
            "history_created_by_0": e["HISTORY_RUN"],
            "labels": {"org.opencontainers.image.title": "lockgate-test-insecure",
                       "org.opencontainers.image.version": "1", "maintainer": "ops@acme.invalid"},
        },
        "hardened": {
            "layers": 1,
            "os_release": {"path": "/etc/os-release", "id": "debian", "version_id": "12",
                           "version_codename": "bookworm", "pretty_name": "Debian GNU/Linux 12 (bookworm)", "eol": False},
            "user": "65532:65532",
            "runs_as_root": False,
            "exposed_ports": [],
            "entrypoint": ["/app/server"],
            "binary": "/app/server",
            "binary_origin": "tini-static (Debian package tini): static, not a shell",
            "shell": None,
            "setuid_files": [],
            "setgid_files": [],
            "secrets": {},
        },
    },
}
tmp = f"{out}/env.json.tmp"
with open(tmp, "w") as f:
    json.dump(env, f, indent=2)
    f.write("\n")
os.replace(tmp, f"{out}/env.json")
EOF
