//! DOCKER-022 base-image-not-pinned-by-digest: a stage's base image names a tag but no
//! `@sha256:` digest (only in the `prod` profile).

use lockgate_kube::ImageRef;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-022",
    name: "base-image-not-pinned-by-digest",
    title: "Base image not pinned by digest",
    severity: Severity::Medium,
    applies_to: &["Dockerfile FROM"],
    frameworks: &["cis-docker:4.2", "nist-800-190:4.1.5", "mitre:T1195"],
    fix: "Add the digest of the image you tested to the reference (`FROM debian:12.5@sha256:<digest>`, from `docker buildx imagetools inspect debian:12.5`) and let Renovate or Dependabot update tag and digest together.",
    docs: r#"## What it checks
Every `FROM` of every stage whose image (after substituting the global `ARG` defaults)
has a version tag but no `@sha256:` digest. References without a tag or with `latest`
are left to DOCKER-001 (`base-image-mutable-tag`), so one line gets one finding.
`FROM scratch`, stages built on an earlier stage of the same file, and references that
still hold an unresolved `$VARIABLE` are skipped.

The rule is enabled only in the `prod` profile (the `dev` and `test` profiles disable
it): while iterating a tag is enough; what ships must say exactly which bytes it was
built on.

## Why it matters
Tags are mutable: `debian:12.5` and `node:20-slim` are re-pushed for every rebuild of
the base, and a registry account takeover or a mistaken push replaces what every later
build pulls. A digest names the content itself, so the build is reproducible, the base
cannot change behind the review, and the SBOM and provenance of the image point at a
base that can be fetched and checked later.

## Example
```dockerfile
FROM node:20.11-bookworm-slim
```

## Fix
```dockerfile
FROM node:20.11-bookworm-slim@sha256:<digest>
```

## References
- https://docs.docker.com/reference/dockerfile/#from
- https://docs.docker.com/build/building/best-practices/#pin-base-image-versions
- CIS Docker Benchmark 4.2 (use trusted base images)
- NIST SP 800-190, 4.1.5 (use of untrusted images)
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
        if reference.digest.is_some() || reference.is_latest_or_untagged() {
            continue;
        }
        out.report(
            &META,
            stage.image.span,
            format!("base image `{image}` is not pinned by digest, so its content can change under the same tag"),
        );
    }
}
