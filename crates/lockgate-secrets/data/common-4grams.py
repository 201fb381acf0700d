#!/usr/bin/env python3
"""Regenerates common-4grams.bin: the 4,096 most frequent four-byte sequences (ASCII,
lowercased) of ordinary source code and prose, most frequent first, four bytes each.

The keyword search (src/keywords.rs) finds each keyword through one four-byte window of
it, and picks the window least frequent in ordinary text, so that the search stops on as
few places as possible that are not the keyword: `noti` for `notion`, not `tion`. This list
is how it knows what is frequent.

The corpus is what a Debian machine with python3, libc6-dev and perl has installed: the
Python standard library, the C headers, and Perl's modules (about 20 MB of Python, C,
Perl and their documentation); none of it is what lockgate's benchmarks scan. Run:

    python3 crates/lockgate-secrets/data/common-4grams.py
"""
import collections
import os
import sys

SOURCES = [
    "/usr/lib/python3.11",
    "/usr/include",
    "/usr/share/perl",
    "/usr/lib/x86_64-linux-gnu/perl-base",
    "/usr/share/perl5",
]
BYTES_PER_SOURCE = 6_000_000
COUNT = 4096


def main() -> int:
    counts: collections.Counter[bytes] = collections.Counter()
    for source in SOURCES:
        if not os.path.isdir(source):
            print(f"missing {source}: install python3, libc6-dev and perl", file=sys.stderr)
            return 1
        taken = 0
        for root, dirs, files in sorted(os.walk(source)):
            dirs.sort()
            for name in sorted(files):
                try:
                    with open(os.path.join(root, name), "rb") as handle:
                        text = handle.read(2_000_000).lower()
                except OSError:
                    continue
                if b"\0" in text[:8000]:
                    continue
                counts.update(text[i : i + 4] for i in range(len(text) - 3))
                taken += len(text)
                if taken > BYTES_PER_SOURCE:
                    break
            if taken > BYTES_PER_SOURCE:
                break
    # Keywords are printable ASCII without newlines; other windows would waste places.
    printable = (
        (gram, count) for gram, count in counts.items() if all(0x20 <= b < 0x7F for b in gram)
    )
    ranked = sorted(printable, key=lambda item: (-item[1], item[0]))[:COUNT]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "common-4grams.bin")
    with open(out, "wb") as handle:
        handle.write(b"".join(gram for gram, _ in ranked))
    print(f"wrote {len(ranked)} four-byte sequences to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
