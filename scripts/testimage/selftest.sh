#!/usr/bin/env bash
# selftest.sh OUTDIR: checks, with tools other than lockgate, that what up.sh OUTDIR made is
# what env.json says: each image over each registry (credentials, CA, bearer tokens: the
# token registry's challenge, token service and the registry's token checks), the layers'
# whiteouts and modes, the zstd layout, the docker archives, and every cosign signature
# case verified with openssl. Run it after up.sh; prints one line per check, exits
# non-zero on the first mismatch.
set -euo pipefail

die() {
  echo "selftest: FAIL: $*" >&2
  exit 1
}
ok() { echo "selftest: ok: $*"; }

[[ $# -eq 1 && -f $1/env.json ]] || die "usage: $0 OUTDIR (after up.sh OUTDIR)"
OUT=$(cd "$1" && pwd)
E="$OUT/env.json"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SKOPEO=(skopeo --insecure-policy)
j() { jq -r "$1" "$E"; }

# Asks the token registry's token service: token USER:PASSWORD SCOPE [CURL-ARGS...]
token() {
  local creds=$1 scope=$2
  shift 2
  curl -sS -u "$creds" -G "$(j .registries.token.token_realm)" \
    --data-urlencode "service=$(j .registries.token.token_service)" --data-urlencode "scope=$scope" "$@"
}
b64url_json() { # the JSON of a base64url JWT part
  local p=${1//-/+}
  p=${p//_//}
  while ((${#p} % 4)); do p+="="; done
  base64 -d <<<"$p"
}

# --- registries: anonymous / credentials / CA / bearer tokens, and the manifest digests ---
for reg in plain auth tls token; do
  url=$(j ".registries.$reg.url")
  opts=()
  case $reg in
    plain) opts=(--tls-verify=false) ;;
    auth | token) opts=(--tls-verify=false --creds "$(j ".registries.$reg.username"):$(j ".registries.$reg.password")") ;;
    tls) opts=(--cert-dir "$OUT/tls/certs.d" --creds "$(j .registries.tls.username):$(j .registries.tls.password)") ;;
  esac
  for img in insecure hardened unsigned replayed; do
    want=$(j ".images.$img.digest.$reg")
    got=$("${SKOPEO[@]}" inspect "${opts[@]}" "docker://$url/$(j ".images.$img.repo"):1" | jq -r .Digest)
    [[ $got == "$want" ]] || die "$reg $img: skopeo inspect digest $got, env.json $want"
  done
  ok "$reg: skopeo inspect of 4 images matches env.json"
  if [[ $reg != plain ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$OUT/tls/ca.pem" "$(j ".registries.$reg.base_url")/v2/")
    [[ $code == 401 ]] || die "$reg answers /v2/ without credentials with $code, not 401"
    # The Docker config must carry working credentials too.
    REGISTRY_AUTH_FILE=$(j .docker_config) "${SKOPEO[@]}" inspect --tls-verify=false --cert-dir "$OUT/tls/certs.d" \
      "docker://$url/lockgate-test/insecure:1" >/dev/null || die "$reg: credentials from the Docker config refused"
    ok "$reg: 401 without credentials, docker-config credentials accepted"
  fi
done

# --- the token registry: the bearer challenge, the token service, the registry's checks ---
creds="$(j .registries.token.username):$(j .registries.token.password)"
base=$(j .registries.token.base_url)
repo=$(j .images.insecure.repo)
challenge=$(curl -s -o /dev/null -D - "$base/v2/" | tr -d '\r' | awk 'tolower($1) == "www-authenticate:" {sub(/^[^:]*: /, ""); print}')
[[ $challenge == "Bearer realm=\"$(j .registries.token.token_realm)\",service=\"$(j .registries.token.token_service)\"" ]] ||
  die "token: /v2/ challenge is '$challenge'"
for bad in "$(j .registries.token.username):wrong" "nobody:$(j .registries.token.password)"; do
  code=$(token "$bad" "repository:$repo:pull" -o /dev/null -w '%{http_code}')
  [[ $code == 401 ]] || die "token service answered bad credentials with $code, not 401"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$(j .registries.token.token_realm)?service=$(j .registries.token.token_service)&scope=repository:$repo:pull")
[[ $code == 401 ]] || die "token service answered no credentials with $code, not 401"
pull=$(token "$creds" "repository:$repo:pull" | jq -r .token)
IFS=. read -r h c sig <<<"$pull"
b64url_json "$h" | jq -e '.alg == "ES256" and (.x5c | length) == 1' >/dev/null || die "token header: $(b64url_json "$h")"
b64url_json "$c" | jq -e --arg aud "$(j .registries.token.token_service)" --arg iss "$(j .registries.token.token_issuer)" \
  --arg repo "$repo" '.aud == $aud and .iss == $iss and .exp > now and .access == [{type: "repository", name: $repo, actions: ["pull"]}]' \
  >/dev/null || die "token claims: $(b64url_json "$c")"
# The signing certificate of x5c chains to the registry's rootcertbundle.
b64url_json "$h" | jq -r '.x5c[0]' | base64 -d | openssl x509 -inform DER -out "$W/signer.pem"
openssl verify -CAfile "$(j .registries.token.token_root_cert)" "$W/signer.pem" >/dev/null ||
  die "token x5c certificate does not chain to the root bundle"
m() { # m TOKEN: status of GET manifest of insecure:1 with that bearer token
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$base/v2/$repo/manifests/1"
}
[[ $(m "$pull") == 200 ]] || die "token: a pull token is refused"
# Another signature (first character of r changed: the last one may be padding bits that
# decoders ignore) or another repository: refused.
[[ ${sig:0:1} == A ]] && other=B || other=A
[[ $(m "$h.$c.$other${sig:1}") == 401 ]] || die "token: a token with a broken signature is accepted"
other=$(token "$creds" "repository:$(j .images.hardened.repo):pull" | jq -r .token)
[[ $(m "$other") == 401 ]] || die "token: a token for another repository is accepted"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $pull" "$base/v2/$repo/blobs/uploads/")
[[ $code == 401 ]] || die "token: a pull-only token may start an upload ($code)"
ok "token: Bearer challenge; token service refuses bad/no credentials; ES256 JWT with x5c chaining to the root; registry refuses forged, foreign-repo and pull-only-push tokens"
[[ $(curl -s -o /dev/null -w '%{http_code}' "https://$(j .registries.tls.url)/v2/" || true) == 000 ]] ||
  die "tls registry accepted a client that does not trust the test CA"
ok "tls: refused without the test CA"

# --- the insecure image's layers, as stored in the OCI layout ---
L=$(j .oci_layout)
m=$(j .oci_layout_digest.insecure)
mapfile -t layers < <(jq -r '.layers[].digest' "$L/blobs/sha256/${m#sha256:}")
[[ ${#layers[@]} == "$(j .facts.insecure.layers)" ]] || die "insecure has ${#layers[@]} layers"
# Listings kept in variables: `tar | grep -q` would fail under pipefail (SIGPIPE).
listing=()
for i in 0 1 2; do listing[i]=$(tar -tvzf "$L/blobs/sha256/${layers[i]#sha256:}"); done
list() { echo "${listing[$1]}"; }
list 0 | grep -q "^-rwsr-xr-x 0/0 .* ${SETUID:=$(j '.facts.insecure.setuid_files[0].path' | cut -c2-)}$" || die "no setuid $SETUID in layer 0"
list 0 | grep -q "^-rwxr-sr-x 0/5 .* $(j '.facts.insecure.setgid_files[0].path' | cut -c2-)$" || die "no setgid file in layer 0"
list 0 | grep -q " $(j .facts.insecure.deleted_file | cut -c2-)$" || die "deleted file not in layer 0"
list 1 | grep -q " $(j '.facts.insecure.whiteouts[0].entry')$" || die "no whiteout in layer 1"
list 2 | grep -q " $(j '.facts.insecure.whiteouts[1].entry')$" || die "no opaque marker in layer 2"
secret=$(tar -xzOf "$L/blobs/sha256/${layers[0]#sha256:}" "$(j .facts.insecure.secret_file | cut -c2-)")
grep -qF "$(j .facts.insecure.secrets.file_github_token)" <<<"$secret" || die "secret file lacks the token"
osr=$(tar -xzOf "$L/blobs/sha256/${layers[0]#sha256:}" etc/os-release)
grep -qx 'VERSION_ID="9"' <<<"$osr" || die "os-release"
ok "insecure layers: setuid, setgid, deleted file, whiteout, opaque marker, secret, os-release"
c=$(jq -r .config.digest "$L/blobs/sha256/${m#sha256:}")
jq -e '.config.User // "" | . == ""' "$L/blobs/sha256/${c#sha256:}" >/dev/null || die "insecure has a User"
jq -e '.config.ExposedPorts | has("22/tcp")' "$L/blobs/sha256/${c#sha256:}" >/dev/null || die "no 22/tcp"
jq -e --arg t "$(j .facts.insecure.secrets.history_github_token)" '.history[0].created_by | contains($t)' \
  "$L/blobs/sha256/${c#sha256:}" >/dev/null || die "history lacks the token"
m=$(j .oci_layout_digest.hardened)
c=$(jq -r .config.digest "$L/blobs/sha256/${m#sha256:}")
jq -e '.config.User == "65532:65532" and (.config.ExposedPorts == null)' "$L/blobs/sha256/${c#sha256:}" >/dev/null ||
  die "hardened config"
ok "configs: insecure root + 22/tcp + history secret; hardened 65532:65532, no ports"

# --- zstd layout and docker archives ---
Z=$(j .zstd_layout)
for img in insecure hardened; do
  m=$(j ".zstd_layout_digest.$img")
  jq -e '[.layers[].mediaType] | all(. == "application/vnd.oci.image.layer.v1.tar+zstd")' \
    "$Z/blobs/sha256/${m#sha256:}" >/dev/null || die "zstd layout $img has non-zstd layers"
  a=$(j ".docker_archives.$img.path")
  tar -xOf "$a" manifest.json | jq -e --arg t "$(j ".docker_archives.$img.repo_tags[0]")" '.[0].RepoTags[0] == $t' >/dev/null ||
    die "docker archive $img RepoTags"
  "${SKOPEO[@]}" inspect "docker-archive:$a" >/dev/null || die "skopeo cannot read $a"
done
ok "zstd layout has zstd layers; docker archives readable with the recorded RepoTags"

# --- cosign signatures, verified with openssl ---
for reg in plain auth tls token; do
  base=$(j ".registries.$reg.base_url")
  for img in insecure hardened replayed unsigned; do
    repo=$(j ".images.$img.repo")
    c=(--cacert "$OUT/tls/ca.pem")
    case $reg in
      plain) ;;
      token) c+=(-H "Authorization: Bearer $(token "$creds" "repository:$repo:pull" | jq -r .token)") ;;
      *) c+=(-u "$(j ".registries.$reg.username"):$(j ".registries.$reg.password")") ;;
    esac
    d=$(j ".images.$img.digest.$reg")
    tag="sha256-${d#sha256:}.sig"
    code=$(curl -sS "${c[@]}" -o "$W/m.json" -w '%{http_code}' \
      -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$base/v2/$repo/manifests/$tag")
    if [[ $img == unsigned ]]; then
      [[ $code == 404 ]] || die "$reg unsigned: .sig answered $code, not 404"
      continue
    fi
    [[ $code == 200 ]] || die "$reg $img: .sig manifest answered $code"
    jq -e '.layers[0].mediaType == "application/vnd.dev.cosign.simplesigning.v1+json"
      and .config.mediaType == "application/vnd.oci.image.config.v1+json"' "$W/m.json" >/dev/null ||
      die "$reg $img: .sig manifest layout"
    pd=$(jq -r '.layers[0].digest' "$W/m.json")
    curl -fsSL "${c[@]}" -o "$W/payload.json" "$base/v2/$repo/blobs/$pd"
    [[ sha256:$(sha256sum <"$W/payload.json" | cut -d' ' -f1) == "$pd" ]] || die "$reg $img: payload digest"
    jq -r '.layers[0].annotations["dev.cosignproject.cosign/signature"]' "$W/m.json" | base64 -d >"$W/sig.der"
    verify() { openssl dgst -sha256 -verify "$1" -signature "$W/sig.der" "$W/payload.json" >/dev/null 2>&1; }
    claim=$(jq -r '.critical.image."docker-manifest-digest"' "$W/payload.json")
    case $img in
      insecure)
        verify "$(j .cosign.public_key)" || die "$reg insecure: signature does not verify with cosign.pub"
        verify "$(j .cosign.wrong_public_key)" && die "$reg insecure: signature verifies with wrong.pub"
        [[ $claim == "$d" ]] || die "$reg insecure: payload names $claim"
        ;;
      hardened)
        verify "$(j .cosign.public_key)" && die "$reg hardened: tampered payload verifies"
        [[ $claim != "$d" ]] || die "$reg hardened: payload digest was not altered"
        ;;
      replayed)
        verify "$(j .cosign.public_key)" || die "$reg replayed: signature should be genuine"
        [[ $claim == "$(j ".images.insecure.digest.$reg")" ]] || die "$reg replayed: payload names $claim"
        ;;
    esac
  done
  ok "$reg: valid, wrong-key, tampered, replayed and unsigned cases behave as env.json says"
done
echo "selftest: all checks passed"
