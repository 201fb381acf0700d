//! DOCKER-012 maintainer-deprecated: the deprecated MAINTAINER instruction.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::{Dockerfile, Keyword};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-012",
    name: "maintainer-deprecated",
    title: "Deprecated MAINTAINER used",
    severity: Severity::Low,
    applies_to: &["Dockerfile MAINTAINER"],
    frameworks: &["nist-800-190:4.1.2"],
    fix: "Replace `MAINTAINER <name>` with `LABEL org.opencontainers.image.authors=\"<name>\"`.",
    docs: r#"## What it checks
`MAINTAINER` instructions in any stage.

## Why it matters
`MAINTAINER` has been deprecated since Docker 1.13. It sets a field of the image
configuration that tools no longer read, while labels are what registries, scanners and
`docker inspect` show. The OCI annotation `org.opencontainers.image.authors` is the
standard place for the author, next to the other `org.opencontainers.image.*` labels.

## Example
```dockerfile
FROM debian:12
MAINTAINER Jane Doe <jane@example.com>
```

## Fix
```dockerfile
FROM debian:12
LABEL org.opencontainers.image.authors="Jane Doe <jane@example.com>"
```

## References
- https://docs.docker.com/reference/dockerfile/#maintainer-deprecated
- https://github.com/opencontainers/image-spec/blob/main/annotations.md
"#,
};

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for instruction in &dockerfile.instructions {
        if instruction.kind != Keyword::Maintainer {
            continue;
        }
        out.report(
            &META,
            instruction.keyword.span,
            "MAINTAINER is deprecated; use `LABEL org.opencontainers.image.authors=...`",
        );
    }
}
