//! DOCKER-004 add-instead-of-copy: ADD copies plain local files, which COPY does without
//! ADD's surprises.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Keyword};

use super::common::{list_words, plain};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-004",
    name: "add-instead-of-copy",
    title: "ADD used where COPY fits",
    severity: Severity::Low,
    applies_to: &["Dockerfile ADD"],
    frameworks: &["cis-docker:4.9"],
    fix: "Use COPY for local files and directories; keep ADD for the archives it should unpack, and fetch remote files in a RUN step that checks their checksum (or `ADD --checksum=`).",
    docs: r#"## What it checks
`ADD` instructions whose sources are all local paths that are not archives: neither a URL
(`http://`, `https://`, `git@…`) nor a file named like a tar archive (`.tar`, `.tar.gz`,
`.tgz`, `.tar.bz2`, `.tbz2`, `.tar.xz`, `.txz`, `.tar.zst`). For those, `COPY` does the
same.

## Why it matters
`ADD` does more than copy: it unpacks local tar archives and downloads URLs. Used for
plain files it hides that behaviour from the reader, and a later change (a source that
becomes an archive, a path that becomes a URL) silently changes what lands in the image.
`COPY` says exactly what happens (CIS Docker 4.9).

## Example
```dockerfile
ADD app.py requirements.txt /srv/
```

## Fix
```dockerfile
COPY app.py requirements.txt /srv/
```

## References
- https://docs.docker.com/reference/dockerfile/#add
- https://docs.docker.com/build/building/best-practices/#add-or-copy
- CIS Docker Benchmark 4.9 (use COPY instead of ADD)
"#,
};

const ARCHIVE_SUFFIXES: &[&str] = &[
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar.zst",
    ".tzst",
    ".tar.lz",
    ".tar.lzma",
];

/// Whether ADD does more than COPY with this source: a remote source or an archive.
fn needs_add(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    lower.contains("://")
        || lower.starts_with("git@")
        || lower.contains('$')
        || ARCHIVE_SUFFIXES
            .iter()
            .any(|suffix| lower.ends_with(suffix))
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        if instruction.kind != Keyword::Add || !instruction.heredocs.is_empty() {
            continue;
        }
        let words = list_words(instruction);
        let Some((_, sources)) = words.split_last() else {
            continue;
        };
        let names: Vec<String> = sources
            .iter()
            .map(|s| plain(dockerfile, instruction, s))
            .collect();
        if names.is_empty() || names.iter().any(|name| needs_add(name)) {
            continue;
        }
        out.report(
            &META,
            instruction.keyword.span,
            format!(
                "ADD copies plain local files ({}); COPY does the same without unpacking or downloading",
                names.join(", ")
            ),
        );
    }
}
