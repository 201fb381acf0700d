//! KUBE-027 image-not-pinned-by-digest: a container image is not pinned by digest.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::container_image;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-027",
    name: "image-not-pinned-by-digest",
    title: "Container image is not pinned by digest",
    severity: Severity::Low,
    applies_to: &["workloads"],
    frameworks: &["cis:5.5.1", "nsa:supply-chain", "mitre:T1525"],
    fix: "Append the image's digest to the reference (`app:1.4.2@sha256:...`).",
    docs: r#"## What it checks
Every container (regular, init and ephemeral) whose image reference has no `@sha256:...`
digest, tag or not. Images written as template placeholders (`${IMAGE}`,
`{{ .Values.image }}`) are skipped.

## Why it matters
A tag is a mutable pointer: whoever can push to the repository can move `1.4.2` to
different content, and registries only sometimes enforce immutable tags. A digest is the
hash of the image manifest, so the runtime pulls exactly the bytes that were built,
scanned and approved, or nothing. Pinning by digest is what makes an image scan, a
signature check or an SBOM in CI say something about what actually runs in the cluster,
and it makes rollouts reproducible.

## Example
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2
```

## Fix
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2@sha256:4f5a...e1c9
```
Keep the tag for readability; when both are present the runtime uses the digest. Tools
such as `crane digest`, `skopeo inspect` or kustomize's `images:` field produce the
pinned reference, and Renovate or Dependabot keep it up to date.

## References
- https://kubernetes.io/docs/concepts/containers/images/#image-names
- https://kubernetes.io/docs/concepts/configuration/overview/#container-images
- CIS Kubernetes Benchmark 5.5.1
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for container in pod.containers() {
        let Some((key, text, image)) = container_image(&container) else {
            continue;
        };
        if image.digest.is_none() {
            out.report(
                &META,
                key.span,
                format!(
                    "{} uses image `{text}`, which is not pinned by digest",
                    container.describe()
                ),
            );
        }
    }
}
