//! DOCKER-007 workdir-not-absolute: WORKDIR is given a relative path.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Args, Dockerfile, Keyword};

use super::common::plain;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-007",
    name: "workdir-not-absolute",
    title: "WORKDIR path not absolute",
    severity: Severity::Low,
    applies_to: &["Dockerfile WORKDIR"],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "Give WORKDIR an absolute path (`/app`, or `C:\\app` for Windows images).",
    docs: r#"## What it checks
`WORKDIR` instructions whose path (quotes removed) is relative: it neither starts with
`/` nor, for Windows images, with a drive letter (`C:\`, `C:/`). Paths that start with a
variable (`$HOME/app`, `${APP_DIR}`) are not judged.

## Why it matters
A relative `WORKDIR` is resolved against whatever the working directory was before:
the base image's, or an earlier `WORKDIR`'s. Where files land and where commands run
then depend on the base image, and a change there (or a reordered instruction) silently
moves them. An absolute path says where the container works, whatever it is built on.

## Example
```dockerfile
FROM alpine:3.20
WORKDIR app/src
```

## Fix
```dockerfile
FROM alpine:3.20
WORKDIR /app/src
```

## References
- https://docs.docker.com/reference/dockerfile/#workdir
- https://docs.docker.com/build/building/best-practices/#workdir
- NIST SP 800-190 4.1.2 (image configuration defects)
"#,
};

/// Whether a WORKDIR path is absolute (Unix or Windows) or left to a variable.
fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('$')
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'\\' | b'/'))
}

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        if instruction.kind != Keyword::Workdir {
            continue;
        }
        let Args::Text(word) = &instruction.args else {
            continue;
        };
        let path = plain(dockerfile, instruction, word);
        let path = path.trim();
        // With the default escape `\`, `C:\app` loses its backslash when unquoted; the
        // text as written still shows the drive.
        if path.is_empty() || is_absolute(path) || is_absolute(word.text.trim()) {
            continue;
        }
        out.report(
            &META,
            word.span,
            format!("WORKDIR `{path}` is a relative path; use an absolute one"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::is_absolute;

    #[test]
    fn absolute_and_relative() {
        assert!(is_absolute("/app"));
        assert!(is_absolute("C:\\app"));
        assert!(is_absolute("c:/app"));
        assert!(is_absolute("$HOME/app"));
        assert!(is_absolute("${APP}"));
        assert!(!is_absolute("app"));
        assert!(!is_absolute("./app"));
        assert!(!is_absolute("~/app"));
        assert!(!is_absolute("C:app"));
        assert!(!is_absolute("C:"));
    }
}
