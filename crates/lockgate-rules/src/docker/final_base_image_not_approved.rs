//! DOCKER-024 final-base-image-not-approved: the image the final stage is built on is not
//! in the `trusted-base-images` setting.

use lockgate_kube::ImageRef;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::dockerfile::Dockerfile;

use super::common::{final_root_stage, registry_image};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "DOCKER-024",
    name: "final-base-image-not-approved",
    title: "Final image built on a base image that is not approved",
    severity: Severity::Medium,
    applies_to: &["Dockerfile final stage"],
    frameworks: &["cis-docker:4.2", "nist-800-190:4.1.5"],
    fix: "Build the final stage FROM one of the approved base images (`trusted-base-images`), for instance a distroless or company base image, and keep other images in builder stages.",
    docs: r#"## What it checks
The base image of the final stage, following `FROM <earlier stage>` back to the first
stage of that chain, against the `trusted-base-images` setting. Builder stages may use
any image (DOCKER-023 checks their registry): only what the shipped image is built on
is judged. Entries are:

- a full image name, `docker.io/library/debian`; short Docker Hub names are normalised
  as Docker does, so `debian` and `library/debian` mean the same;
- a name with a tag or digest, `debian:12-slim`, which the base must then match too;
- a prefix ending in `/*`, `gcr.io/distroless/*` (matched on path boundaries; without a
  registry, `bitnami/*` means `docker.io/bitnami/*`).

`FROM scratch` is always allowed, and a base that still holds an unresolved `$VARIABLE`
is not judged. The rule is silent while the list is empty.

## Why it matters
The final base is what runs in production: its packages, its shell, its defaults and
its update policy. Organisations approve a few bases (distroless, a hardened company
image) that are patched, scanned and supported; an image built on anything else skips
that process and ships a base nobody tracks for vulnerabilities.

## Example
```dockerfile
# lockgate.toml: [settings] trusted-base-images = ["gcr.io/distroless/*"]
FROM golang:1.22 AS build
RUN CGO_ENABLED=0 go build -o /app .
FROM ubuntu:24.04
COPY --from=build /app /app
```

## Fix
```dockerfile
FROM golang:1.22 AS build
RUN CGO_ENABLED=0 go build -o /app .
FROM gcr.io/distroless/static-debian12:nonroot@sha256:<digest>
COPY --from=build /app /app
```

## References
- https://docs.docker.com/build/building/multi-stage/
- https://github.com/GoogleContainerTools/distroless
- CIS Docker Benchmark 4.2 (ensure that containers use only trusted base images)
- NIST SP 800-190, 4.1.5 (use of untrusted images)
"#,
};

/// Whether one `trusted-base-images` entry allows `image`.
pub(crate) fn allows(entry: &str, image: &ImageRef) -> bool {
    let entry = entry.trim();
    if let Some(prefix) = entry.strip_suffix("/*") {
        let first = prefix.split('/').next().unwrap_or("");
        let has_registry = prefix.contains('/')
            && (first.contains('.') || first.contains(':') || first == "localhost");
        let prefix = if has_registry {
            prefix.to_string()
        } else {
            format!("docker.io/{prefix}")
        };
        return image.is_from(&prefix);
    }
    let Some(allowed) = ImageRef::parse(entry) else {
        return false;
    };
    allowed.full_name() == image.full_name()
        && allowed
            .tag
            .as_ref()
            .is_none_or(|tag| image.tag.as_ref() == Some(tag))
        && allowed
            .digest
            .as_ref()
            .is_none_or(|digest| image.digest.as_ref() == Some(digest))
}

pub(crate) fn check(context: &Context<'_>, dockerfile: &Dockerfile, out: &mut Sink) {
    let approved = &context.settings.trusted_base_images;
    if approved.is_empty() {
        return;
    }
    let Some(stage) = final_root_stage(dockerfile) else {
        return;
    };
    let Some((image, reference)) = registry_image(stage) else {
        return;
    };
    if !approved.iter().any(|entry| allows(entry, &reference)) {
        out.report(
            &META,
            stage.image.span,
            format!(
                "the final image is built on `{image}` ({}), which is not in trusted-base-images",
                reference.full_name()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use lockgate_kube::ImageRef;

    use super::allows;

    fn allowed(entry: &str, image: &str) -> bool {
        allows(
            entry,
            &ImageRef::parse(image).unwrap_or_else(|| panic!("{image}")),
        )
    }

    #[test]
    fn entries() {
        assert!(allowed("debian", "docker.io/library/debian:12"));
        assert!(allowed("docker.io/library/debian", "debian:12-slim"));
        assert!(allowed("library/debian", "index.docker.io/library/debian"));
        assert!(allowed("debian:12-slim", "debian:12-slim@sha256:abc"));
        assert!(!allowed("debian:12-slim", "debian:12"));
        assert!(allowed(
            "gcr.io/distroless/*",
            "gcr.io/distroless/static-debian12:nonroot"
        ));
        assert!(!allowed(
            "gcr.io/distroless/*",
            "gcr.io/distroless-evil/static"
        ));
        assert!(allowed("bitnami/*", "bitnami/redis:7"));
        assert!(!allowed("debian", "ubuntu:24.04"));
        assert!(!allowed("debian", "registry.example.com/debian:12"));
    }
}
