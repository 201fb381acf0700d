#!/usr/bin/env python3
"""tokenserver.py CONFIG.json: a small token service for docker-registry's `auth: token`.

The bearer-token flow of the distribution spec, for lockgate's registry tests: a client
that got `401 WWW-Authenticate: Bearer realm=...,service=...` from the registry asks
GET REALM?service=SERVICE&scope=repository:NAME:pull[,push] (HTTP basic credentials) and
gets {"token": JWT, "access_token": JWT, ...}. POST REALM with an OAuth2 password grant
(form: grant_type=password, username, password, service, scope) works too.

The JWT is what docker/distribution 2.8 verifies (registry/auth/token/token.go): ES256
with the raw r||s signature (JOSE), header `x5c` = [signing certificate, DER base64] that
chains to the registry's `rootcertbundle`; claims iss, sub, aud (a string: 2.8 does not
take a list), exp, nbf, iat, jti and `access`. Only the user of the config, with its
password, gets anything; bad or missing credentials get 401. It grants pull and push on
every repository (push so that skopeo and curl can publish), nothing else.

Python standard library only; openssl signs (a subprocess per token). GET /healthz answers
{"version": ...}, a hash of this script and its config, so up.sh can tell a server that
runs an older script or config from a current one. One log line per request on stderr,
never a password or a token.
"""

import base64
import binascii
import errno
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GRANTABLE = ("pull", "push")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_to_raw(der: bytes, size: int = 32) -> bytes:
    """An ECDSA signature from openssl (DER SEQUENCE of INTEGER r, s) as JOSE's r||s."""

    def length(i):
        n = der[i]
        if n < 0x80:
            return n, i + 1
        k = n & 0x7F
        return int.from_bytes(der[i + 1 : i + 1 + k], "big"), i + 1 + k

    if der[0] != 0x30:
        raise ValueError("not a DER sequence")
    _, i = length(1)
    out = b""
    for _ in range(2):
        if der[i] != 0x02:
            raise ValueError("not a DER integer")
        n, i = length(i + 1)
        value = int.from_bytes(der[i : i + n], "big")
        i += n
        out += value.to_bytes(size, "big")
    return out


def pem_to_der_b64(path: str) -> str:
    """The first certificate of a PEM file, as standard base64 of its DER (x5c's form)."""
    body, inside = [], False
    for line in open(path):
        line = line.strip()
        if line == "-----BEGIN CERTIFICATE-----":
            inside = True
        elif line == "-----END CERTIFICATE-----":
            break
        elif inside:
            body.append(line)
    der = base64.b64decode("".join(body))
    return base64.b64encode(der).decode()


class Config:
    def __init__(self, path: str):
        raw = open(path, "rb").read()
        c = json.loads(raw)
        self.port = int(c["port"])
        self.service = c["service"]
        self.issuer = c["issuer"]
        self.username = c["username"]
        self.password_file = c["password_file"]
        self.signer_key = c["signer_key"]
        self.x5c = [pem_to_der_b64(c["signer_cert"])]
        self.ttl = int(c.get("token_ttl", 300))
        script = open(os.path.abspath(__file__), "rb").read()
        self.version = hashlib.sha256(script + b"\0" + raw).hexdigest()[:16]

    def password(self) -> str:
        # Read per request: up.sh keeps the file, but never mind a stale copy.
        return open(self.password_file).read().strip()


def sign(config: Config, signing_input: bytes) -> bytes:
    result = subprocess.run(
        ["openssl", "dgst", "-sha256", "-sign", config.signer_key],
        input=signing_input,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError("openssl failed: " + result.stderr.decode(errors="replace").strip())
    return der_to_raw(result.stdout)


def parse_scopes(values):
    """`repository:NAME:pull,push` (several, space-separated or repeated) -> list of
    (type, name, actions). A name may hold ':' (type and actions are the ends)."""
    out = []
    for value in values:
        for scope in value.split():
            parts = scope.split(":")
            if len(parts) < 3:
                continue
            out.append((parts[0], ":".join(parts[1:-1]), [a for a in parts[-1].split(",") if a]))
    return out


def make_token(config: Config, subject: str, scopes) -> str:
    now = int(time.time())
    access = []
    for typ, name, actions in scopes:
        if typ != "repository":
            continue  # e.g. registry:catalog:*: not granted
        granted = [a for a in GRANTABLE if a in actions]
        access.append({"type": "repository", "name": name, "actions": granted})
    header = {"typ": "JWT", "alg": "ES256", "x5c": config.x5c}
    claims = {
        "iss": config.issuer,
        "sub": subject,
        "aud": config.service,
        "exp": now + config.ttl,
        "nbf": now - 5,
        "iat": now,
        "jti": secrets.token_hex(16),
        "access": access,
    }
    signing_input = (
        b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    return signing_input + "." + b64url(sign(config, signing_input.encode()))


class Handler(BaseHTTPRequestHandler):
    server_version = "lockgate-test-token/1"
    config: Config = None  # set in main

    def log_message(self, fmt, *args):  # the default goes to stderr too, but per line below
        pass

    def log(self, status, note=""):
        sys.stderr.write(
            "%s %s %s -> %d %s\n"
            % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), self.command,
               urllib.parse.urlsplit(self.path).path, status, note)
        )
        sys.stderr.flush()

    def reply(self, status, body, note="", headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.log(status, note)

    def refuse(self, why):
        self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]}, why,
                   [("WWW-Authenticate", 'Basic realm="lockgate-test-token"')])

    def basic_credentials(self):
        header = self.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (user, password) if sep else None

    def issue(self, credentials, service, scopes, oauth):
        c = self.config
        if credentials is None:
            return self.refuse("no credentials")
        user, password = credentials
        if not (hmac.compare_digest(user.encode(), c.username.encode())
                and hmac.compare_digest(password.encode(), c.password().encode())):
            return self.refuse(f"bad credentials for user {user!r}")
        if service is not None and service != c.service:
            return self.reply(400, {"errors": [{"code": "DENIED", "message": f"unknown service {service!r}"}]},
                              f"unknown service {service!r}")
        parsed = parse_scopes(scopes)
        try:
            token = make_token(c, user, parsed)
        except Exception as e:  # openssl failed: say so, in the log too
            return self.reply(500, {"errors": [{"code": "UNKNOWN", "message": str(e)}]}, str(e))
        body = {"token": token, "access_token": token, "expires_in": c.ttl,
                "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if oauth:
            body["token_type"] = "Bearer"
        granted = " ".join(f"{t}:{n}:{','.join(a for a in GRANTABLE if a in acts)}" for t, n, acts in parsed)
        self.reply(200, body, f"user={user} service={service} granted=[{granted}]")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/healthz":
            return self.reply(200, {"version": self.config.version, "service": self.config.service})
        if url.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": url.path}]})
        self.issue(self.basic_credentials(), query.get("service", [None])[0], query.get("scope", []), False)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": url.path}]})
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(min(n, 1 << 16)).decode(errors="replace"))
        if form.get("grant_type", [""])[0] != "password":
            # refresh tokens are not issued, so only the password grant is supported
            return self.reply(400, {"error": "unsupported_grant_type"}, "unsupported grant type")
        credentials = (form.get("username", [""])[0], form.get("password", [""])[0])
        self.issue(credentials, form.get("service", [None])[0], form.get("scope", []), True)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: tokenserver.py CONFIG.json")
    config = Config(sys.argv[1])
    Handler.config = config
    # Fail early (and visibly) if openssl cannot sign with the key.
    sign(config, b"self-test")
    try:
        server = ThreadingHTTPServer(("127.0.0.1", config.port), Handler)
    except OSError as e:
        # up.sh looks for "address already in use" to try another port.
        why = "address already in use" if e.errno == errno.EADDRINUSE else str(e)
        sys.exit(f"tokenserver: cannot listen on 127.0.0.1:{config.port}: {why}")
    server.daemon_threads = True
    sys.stderr.write(f"tokenserver: listening on 127.0.0.1:{config.port}, version {config.version}\n")
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
