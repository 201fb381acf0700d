//! DOCKER-001 base-image-mutable-tag: a stage's base image has no tag or the `latest` tag
//! and no digest.

use lockgate_kube::ImageRef;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-001",
    name: "base-image-mutable-tag",
    title: "Base image uses the latest tag or no tag",
    severity: Severity::Medium,
    applies_to: &["Dockerfile FROM"],
    frameworks: &["cis-docker:4.2", "nist-800-190:4.1.1"],
    fix: "Name a specific version tag in FROM (`debian:12.5`), or better pin the digest (`debian:12.5@sha256:…`).",
    docs: r#"## What it checks
Every `FROM` whose image (after substituting the global `ARG` defaults) has no tag or the
`latest` tag, and no `@sha256:` digest. `FROM scratch`, stages built on an earlier stage
of the same file, and references that still hold an unresolved `$VARIABLE` are skipped.

## Why it matters
`latest` (which is also what a missing tag means) moves whenever the publisher pushes: the
same Dockerfile builds a different image from one day to the next, a rebuild can pull in
a broken or compromised base without any change in your repository, and no one can say
afterwards which base a running image came from. A version tag fixes the intent; a digest
fixes the bytes.

## Example
```dockerfile
FROM debian:latest
FROM node
```

## Fix
```dockerfile
FROM debian:12.5
FROM node:20.11-bookworm-slim@sha256:<digest>
```

## References
- https://docs.docker.com/build/building/best-practices/#from
- CIS Docker Benchmark 4.2 (use trusted base images)
- NIST SP 800-190 4.1.1
"#,
};

pub(crate) fn check(_context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    for stage in &dockerfile.stages {
        let image = stage.image_resolved.trim();
        if stage.parent.is_some() || image.eq_ignore_ascii_case("scratch") || image.contains('$') {
            continue;
        }
        let Some(reference) = ImageRef::parse(image) else {
            continue;
        };
        if reference.digest.is_some() {
            continue;
        }
        match reference.tag.as_deref() {
            None => out.report(
                &META,
                stage.image.span,
                format!("base image `{image}` has no tag, so it means `latest` and changes whenever it is pushed"),
            ),
            Some("latest") => out.report(
                &META,
                stage.image.span,
                format!("base image `{image}` uses the mutable `latest` tag"),
            ),
            Some(_) => {}
        }
    }
}
