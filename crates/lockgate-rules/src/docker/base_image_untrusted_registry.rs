//! DOCKER-023 base-image-untrusted-registry: a stage's base image comes from a registry
//! outside the `trusted-registries` setting.

use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use super::common::registry_image;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-023",
    name: "base-image-untrusted-registry",
    title: "Base image comes from an untrusted registry",
    severity: Severity::High,
    applies_to: &["Dockerfile FROM"],
    frameworks: &["cis-docker:4.2", "nist-800-190:4.1.5", "mitre:T1195"],
    fix: "Build FROM an image in one of the trusted registries (mirror the upstream image there after review), or add its registry to `trusted-registries` once it is reviewed.",
    docs: r#"## What it checks
Every `FROM` of every stage (builder stages too: what they produce is copied into the
image) whose image, after substituting the global `ARG` defaults, does not come from one
of the registries in the `trusted-registries` setting, the same list the workload rule
KUBE-028 uses. Entries are a registry host (`registry.example.com`) or a host and path
(`ghcr.io/acme`), matched on path boundaries, so `ghcr.io/acme` covers `ghcr.io/acme/app`
but not `ghcr.io/acme-evil/app`. Images are normalised the way Docker reads them:
`debian:12` is `docker.io/library/debian` and `index.docker.io` is `docker.io`, so
`trusted-registries = ["docker.io/library"]` allows the Docker official images only.
`FROM scratch`, stages built on an earlier stage of the same file and references that
still hold an unresolved `$VARIABLE` are skipped. The rule is silent while the list is
empty.

## Why it matters
The base image is code you run without reading it. Pulled from an arbitrary public
repository it may be typo-squatted, abandoned and taken over, or replaced by its owner;
public images have shipped crypto miners and backdoors. Building only on images from
registries you operate (or reviewed mirrors) means every base went through your
scanning, signing and retention policies, and a public registry's outage or rate limit
cannot stop your builds.

## Example
```dockerfile
# lockgate.toml: [settings] trusted-registries = ["registry.example.com"]
FROM someuser/node-with-tools:20
```

## Fix
```dockerfile
FROM registry.example.com/mirror/node:20.11-bookworm-slim@sha256:<digest>
```

## References
- https://docs.docker.com/docker-hub/image-library/trusted-content/
- CIS Docker Benchmark 4.2 (ensure that containers use only trusted base images)
- NIST SP 800-190, 4.1.5 (use of untrusted images)
"#,
};

pub(crate) fn check(context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    let trusted = &context.settings.trusted_registries;
    if trusted.is_empty() {
        return;
    }
    for stage in &dockerfile.stages {
        let Some((image, reference)) = registry_image(stage) else {
            continue;
        };
        if !trusted.iter().any(|prefix| reference.is_from(prefix)) {
            out.report(
                &META,
                stage.image.span,
                format!(
                    "base image `{image}` ({}) is not from a trusted registry",
                    reference.full_name()
                ),
            );
        }
    }
}
