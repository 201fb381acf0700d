#!/usr/bin/env python3
"""Build the secrets benchmark tree and plant seeded secrets in it.

    python3 make_tree.py --out bench/work/secrets-tree --planted bench/work/planted.json \
        --source rust-library=DIR --source crates=DIR [--seed N] [--count N] [--min-mb N]

1. Copies every regular file of each SOURCE (real code nobody here wrote: the Rust
   standard library's sources, the crates under ~/.cargo/registry/src) into
   OUT/LABEL/..., after removing OUT. Symbolic links are not followed. With
   --crate-cache DIR, every DIR/*.crate (cargo's downloaded archives) whose NAME-VERSION
   directory is in no SOURCE is unpacked into OUT/crates-extra/ as well.
2. Plants --count secrets, one per file, at random lines of random text files, with a
   deterministic random.Random(seed): the same sources and seed give the same tree.
   Each secret is a realistic assignment for the file's language. Nothing here is a real
   credential: every value is drawn from the seeded generator (the RSA keys too, by a
   small pure-Python RSA key generator, so that they are reproducible as well).
3. Writes PLANTED (JSON): the tree's size and, for every plant, its path relative to
   OUT, first and last line (1-based, after all insertions), kind and value.

Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import random
import shutil
import string
import sys
import tarfile
import zlib
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B32UP = string.ascii_uppercase + "234567"

KINDS = [
    "aws",
    "github-pat",
    "gitlab-pat",
    "slack-bot",
    "stripe-live",
    "sendgrid",
    "rsa-private-key",
    "npm",
    "openai",
]

# Files that may receive a plant: text sources and configs every peer reads. Skipped:
# hidden paths (dot files and dot directories: several tools skip them by default),
# vendored and build output directories, lock files and minified assets (gitleaks and
# detect-secrets ignore those by design), and files over MAX_PLANT_FILE bytes.
PLANT_EXTS = {
    ".rs", ".md", ".toml", ".json", ".yml", ".yaml", ".c", ".h", ".sh", ".txt", ".py",
}
SKIP_DIRS = {"vendor", "node_modules", "target", "third_party", "dist"}
MAX_PLANT_FILE = 1_000_000
RUST_SHARE = 0.7  # share of plants that go into .rs files (the tree is ~85 % Rust)


# ------------------------------------------------------------------ value generators
def rand_str(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def checksummed(rng: random.Random, prefix: str) -> str:
    """GitHub / npm token layout: 30 random base62 chars + base62(CRC32 of them), 6 wide."""
    body = rand_str(rng, ALNUM, 30)
    return prefix + body + base62(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6)


def edge_alnum(rng: random.Random, alphabet: str, n: int) -> str:
    """n chars from alphabet, first and last alphanumeric (word boundaries hold)."""
    return rng.choice(ALNUM) + rand_str(rng, alphabet, n - 2) + rng.choice(ALNUM)


def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\0\0"
    for i in range(2, int(limit**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytearray(len(sieve[i * i :: i]))
    return [i for i in range(limit) if sieve[i]]


SMALL_PRIMES = _small_primes(20000)
SMALL_PRODUCT = 1
for _p in SMALL_PRIMES:
    SMALL_PRODUCT *= _p


def _is_probable_prime(n: int, rng: random.Random) -> bool:
    """Trial division by the primes under 20,000, then 10 Miller-Rabin rounds (base 2 first)."""
    if math.gcd(n, SMALL_PRODUCT) != 1:
        return n in SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for i in range(10):  # error < 4^-10 per random candidate, far less in practice
        a = 2 if i == 0 else rng.randrange(3, n - 2)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(rng: random.Random, bits: int, e: int) -> int:
    while True:
        c = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if c % e != 1 and _is_probable_prime(c, rng):
            return c


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _der_int(v: int) -> bytes:
    b = v.to_bytes(v.bit_length() // 8 + 1, "big")  # leading 0 keeps it positive
    return b"\x02" + _der_len(len(b)) + b


def rsa_pem(rng: random.Random, bits: int = 2048) -> list[str]:
    """A real PKCS#1 RSA private key (openssl rsa -check accepts it), from rng."""
    e = 65537
    while True:
        p, q = _prime(rng, bits // 2, e), _prime(rng, bits // 2, e)
        n = p * q
        if p != q and n.bit_length() == bits:
            break
    if p < q:
        p, q = q, p
    d = pow(e, -1, (p - 1) * (q - 1))
    fields = [0, n, e, d, p, q, d % (p - 1), d % (q - 1), pow(q, -1, p)]
    body = b"".join(_der_int(v) for v in fields)
    der = b"\x30" + _der_len(len(body)) + body
    b64 = base64.b64encode(der).decode()
    return (
        ["-----BEGIN RSA PRIVATE KEY-----"]
        + [b64[i : i + 64] for i in range(0, len(b64), 64)]
        + ["-----END RSA PRIVATE KEY-----"]
    )


def make_value(rng: random.Random, kind: str):
    """Returns (value, extra): value is the secret recorded; extra kind-specific."""
    if kind == "aws":
        return "AKIA" + rand_str(rng, B32UP, 16), rand_str(rng, ALNUM + "+/", 40)
    if kind == "github-pat":
        return checksummed(rng, "ghp_"), None
    if kind == "gitlab-pat":
        return "glpat-" + edge_alnum(rng, ALNUM + "_-", 20), None
    if kind == "slack-bot":
        a = rand_str(rng, "123456789", 1) + rand_str(rng, string.digits, rng.randint(9, 12))
        b = rand_str(rng, "123456789", 1) + rand_str(rng, string.digits, rng.randint(9, 12))
        return f"xoxb-{a}-{b}-{rand_str(rng, ALNUM, 24)}", None
    if kind == "stripe-live":
        return "sk_live_" + rand_str(rng, ALNUM, rng.randint(24, 32)), None
    if kind == "sendgrid":
        chars = ALNUM + "_-"
        return f"SG.{edge_alnum(rng, chars, 22)}.{edge_alnum(rng, chars, 43)}", None
    if kind == "rsa-private-key":
        lines = rsa_pem(rng)
        return "\n".join(lines), lines
    if kind == "npm":
        return checksummed(rng, "npm_"), None
    if kind == "openai":
        return f"sk-{rand_str(rng, ALNUM, 20)}T3BlbkFJ{rand_str(rng, ALNUM, 20)}", None
    raise ValueError(kind)


VAR = {
    "github-pat": "GITHUB_TOKEN",
    "gitlab-pat": "GITLAB_TOKEN",
    "slack-bot": "SLACK_BOT_TOKEN",
    "stripe-live": "STRIPE_SECRET_KEY",
    "sendgrid": "SENDGRID_API_KEY",
    "npm": "NPM_TOKEN",
    "openai": "OPENAI_API_KEY",
    "rsa-private-key": "TLS_PRIVATE_KEY",
}


def render(ext: str, kind: str, value: str, extra) -> tuple[list[str], int]:
    """Lines to insert, and the offset of the line holding the secret's start."""
    if kind == "aws":
        pairs = [("AWS_ACCESS_KEY_ID", value), ("AWS_SECRET_ACCESS_KEY", extra)]
        return [assign(ext, k, v) for k, v in pairs], 0
    name = VAR[kind]
    if kind != "rsa-private-key":
        return [assign(ext, name, value)], 0
    pem = extra
    if ext == ".rs":
        return [f'const {name}: &str = "{pem[0]}'] + pem[1:-1] + [f'{pem[-1]}";'], 0
    if ext == ".py":
        return [f'{name} = """{pem[0]}'] + pem[1:-1] + [f'{pem[-1]}"""'], 0
    if ext == ".toml":
        return [f'{name.lower()} = """'] + pem + ['"""'], 1
    if ext in (".yml", ".yaml"):
        return [f"{name.lower()}: |"] + ["  " + l for l in pem], 1
    if ext in (".c", ".h"):
        return [f'static const char *{name} = "{pem[0]}\\n"'] + [
            f'    "{l}\\n"' for l in pem[1:-1]
        ] + [f'    "{pem[-1]}\\n";'], 0
    if ext == ".json":
        return [f'"{name.lower()}": "' + "\\n".join(pem) + '\\n",'], 0
    if ext == ".sh":
        return [f"{name}='{pem[0]}"] + pem[1:-1] + [f"{pem[-1]}'"], 0
    return list(pem), 0  # .md, .txt: the key as pasted


def assign(ext: str, name: str, value: str) -> str:
    if ext == ".rs":
        return f'const {name}: &str = "{value}";'
    if ext in (".c", ".h"):
        return f'static const char *{name} = "{value}";'
    if ext == ".py":
        return f'{name} = "{value}"'
    if ext == ".sh":
        return f'export {name}="{value}"'
    if ext in (".yml", ".yaml"):
        return f'{name.lower()}: "{value}"'
    if ext == ".json":
        return f'"{name.lower()}": "{value}",'
    return f'{name.lower()} = "{value}"'  # .toml, .md, .txt


# ------------------------------------------------------------------ tree
def copy_sources(out: Path, sources: list[tuple[str, Path]]) -> tuple[int, int]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = size = 0
    for label, src in sources:
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames.sort()
            rel = Path(dirpath).relative_to(src)
            dst_dir = out / label / rel
            dst_dir.mkdir(parents=True, exist_ok=True)
            for name in sorted(filenames):
                s = Path(dirpath) / name
                if s.is_symlink() or not s.is_file():
                    continue
                shutil.copyfile(s, dst_dir / name)
                files += 1
                size += s.stat().st_size
    return files, size


def unpack_crates(out: Path, caches: list[Path], sources: list[tuple[str, Path]]) -> int:
    have = set()
    for _, src in sources:
        have.update(p.name for p in src.iterdir() if p.is_dir())
    dest = out / "crates-extra"
    n = 0
    for cache in caches:
        for crate in sorted(cache.glob("*.crate")):
            stem = crate.name[: -len(".crate")]
            if stem in have:
                continue
            have.add(stem)
            dest.mkdir(parents=True, exist_ok=True)
            with tarfile.open(crate, "r:gz") as tar:
                members = [
                    m for m in tar.getmembers()
                    if m.isfile() and not m.name.startswith("/") and ".." not in Path(m.name).parts
                ]
                tar.extractall(dest, members=members)
            n += 1
    return n


def tree_size(out: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _, filenames in os.walk(out):
        for name in filenames:
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink():
                files += 1
                size += p.stat().st_size
    return files, size


def candidates(out: Path) -> list[str]:
    found = []
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d not in SKIP_DIRS
        )
        for name in sorted(filenames):
            if name.startswith(".") or Path(name).suffix not in PLANT_EXTS:
                continue
            if name.endswith((".min.js", ".lock")) or name == "Cargo.lock":
                continue
            p = Path(dirpath) / name
            st = p.stat()
            if 0 < st.st_size <= MAX_PLANT_FILE:
                found.append(p.relative_to(out).as_posix())
    return found


def plant(out: Path, count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    pool = candidates(out)
    rs = [p for p in pool if p.endswith(".rs")]
    other = [p for p in pool if not p.endswith(".rs")]
    rng.shuffle(rs)
    rng.shuffle(other)
    kinds = [KINDS[i % len(KINDS)] for i in range(count)]
    rng.shuffle(kinds)
    plants = []
    for kind in kinds:
        # one plant per file; a file that is not UTF-8 text is passed over
        while True:
            bucket = rs if (rng.random() < RUST_SHARE and rs) or not other else other
            if not bucket:
                raise SystemExit("make_tree: ran out of text files to plant into")
            rel = bucket.pop()
            data = (out / rel).read_bytes()
            if b"\0" in data:
                continue
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            break
        ext = Path(rel).suffix
        value, extra = make_value(rng, kind)
        new_lines, offset = render(ext, kind, value, extra)
        # Lines are counted as the tools count them: split on \n only (a CRLF file keeps
        # its \r on every line, the inserted ones too).
        cr = b"\r" if b"\r\n" in data else b""
        lines = data.split(b"\n")
        trailing = lines[-1] == b""
        if trailing:
            lines.pop()
        at = rng.randint(0, len(lines))  # insert before line `at` (0-based)
        lines[at:at] = [l.encode() + cr for l in new_lines]
        body = b"\n".join(lines) + (b"\n" if trailing else b"")
        (out / rel).write_bytes(body)
        first = at + 1 + offset
        last = at + len(new_lines)
        if kind == "rsa-private-key":  # the line that closes the key, not a closing quote
            last = at + 1 + max(i for i, l in enumerate(new_lines) if "END RSA PRIVATE KEY" in l)
        plants.append(
            {"path": rel, "line": first, "end_line": last, "kind": kind, "value": value}
        )
    plants.sort(key=lambda p: (p["path"], p["line"]))
    return plants


def verify(out: Path, plants: list[dict]) -> None:
    """Every recorded line holds what was planted (guards the line arithmetic)."""
    for p in plants:
        text = (out / p["path"]).read_text(encoding="utf-8")
        lines = text.split("\n")
        first = lines[p["line"] - 1]
        head = p["value"].split("\n")[0]
        if head not in first:
            raise SystemExit(f"make_tree: plant check failed at {p['path']}:{p['line']}")
        if p["kind"] == "rsa-private-key" and "END RSA PRIVATE KEY" not in lines[p["end_line"] - 1]:
            raise SystemExit(f"make_tree: PEM end check failed at {p['path']}:{p['end_line']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--planted", required=True, type=Path)
    ap.add_argument("--source", action="append", default=[], metavar="LABEL=DIR")
    ap.add_argument("--crate-cache", action="append", default=[], type=Path, metavar="DIR")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--min-mb", type=float, default=100.0)
    args = ap.parse_args()

    sources = []
    for s in args.source:
        label, _, d = s.partition("=")
        if not d or not Path(d).is_dir():
            raise SystemExit(f"make_tree: source {s!r} is not LABEL=DIR with an existing DIR")
        sources.append((label, Path(d)))
    if not sources:
        raise SystemExit("make_tree: no --source given")

    copy_sources(args.out, sources)
    extra = unpack_crates(args.out, [c for c in args.crate_cache if c.is_dir()], sources)
    if extra:
        print(f"make_tree: unpacked {extra} crates from the cargo cache", file=sys.stderr)
    files, size = tree_size(args.out)
    if size < args.min_mb * 1e6:
        raise SystemExit(
            f"make_tree: the sources hold {size / 1e6:.1f} MB in {files} files, under the "
            f"{args.min_mb:g} MB minimum"
        )
    plants = plant(args.out, args.count, args.seed)
    verify(args.out, plants)
    files, size = tree_size(args.out)
    by_kind = {}
    for p in plants:
        by_kind[p["kind"]] = by_kind.get(p["kind"], 0) + 1
    summary = {
        "seed": args.seed,
        "tree": str(args.out.resolve()),
        "sources": {label: str(d) for label, d in sources},
        "crates_unpacked_from_cache": extra,
        "files": files,
        "bytes": size,
        "count": len(plants),
        "by_kind": dict(sorted(by_kind.items())),
        "by_ext": {},
        "planted": plants,
    }
    for p in plants:
        ext = Path(p["path"]).suffix
        summary["by_ext"][ext] = summary["by_ext"].get(ext, 0) + 1
    args.planted.parent.mkdir(parents=True, exist_ok=True)
    args.planted.write_text(json.dumps(summary, indent=1) + "\n")
    print(
        f"tree {args.out}: {files} files, {size / 1e6:.1f} MB; planted {len(plants)} secrets "
        f"({', '.join(f'{k} {v}' for k, v in summary['by_kind'].items())})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
