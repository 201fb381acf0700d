//! KUBE-026 image-tag-mutable: a container image has no tag or the `latest` tag, and no
//! digest.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::container_image;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-026",
    name: "image-tag-mutable",
    title: "Container image uses `latest` or no tag",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &["cis:5.5.1", "nsa:supply-chain", "mitre:T1525"],
    fix: "Reference the image by a specific version tag, or better by digest (`app:1.4.2@sha256:...`).",
    docs: r#"## What it checks
Every container (regular, init and ephemeral) whose image has no tag, or the tag
`latest`, and no `@sha256:` digest. `nginx` and `nginx:latest` fire;
`nginx:1.27.3` and `nginx@sha256:...` do not (KUBE-027 asks for the digest as well).
Images written as template placeholders (`${IMAGE}`, `{{ .Values.image }}`) are skipped.

## Why it matters
`latest` is just the tag a registry moves on every push: the manifest does not say which
build runs. Two nodes may run different code under the same pod template, a rollback
redeploys whatever `latest` is today, and an attacker who can push to the repository (a
leaked CI token, a compromised upstream) gets their image pulled on the next restart
without any change to the manifest. Kubernetes also defaults `imagePullPolicy` to
`Always` for `latest`, so every restart depends on the registry being reachable.

## Example
```yaml
containers:
- name: web
  image: nginx
```

## Fix
```yaml
containers:
- name: web
  image: nginx:1.27.3@sha256:<digest of that build>
```
Let a bot (Renovate, Dependabot) propose tag and digest updates so pinning does not mean
falling behind.

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
        if !image.is_latest_or_untagged() {
            continue;
        }
        let why = if image.tag.is_some() {
            "the mutable `latest` tag"
        } else {
            "no tag (so `latest`)"
        };
        out.report(
            &META,
            key.span,
            format!("{} uses image `{text}` with {why}", container.describe()),
        );
    }
}
