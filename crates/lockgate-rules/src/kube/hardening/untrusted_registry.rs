//! KUBE-028 untrusted-registry: a container image comes from a registry outside the
//! configured trusted list.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::container_image;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-028",
    name: "untrusted-registry",
    title: "Container image comes from an untrusted registry",
    severity: Severity::High,
    applies_to: &["workloads"],
    frameworks: &[
        "cis:5.5.1",
        "nsa:supply-chain",
        "mitre:T1525",
        "mitre:T1195",
    ],
    fix: "Pull the image from one of the trusted registries (mirror it there if it is third-party), or add its registry to `trusted-registries` after review.",
    docs: r#"## What it checks
Every container (regular, init and ephemeral) whose image does not come from one of the
registries in the `trusted-registries` setting. Entries are a registry host
(`registry.example.com`) or a host and path (`ghcr.io/acme`), matched on path
boundaries, so `ghcr.io/acme` covers `ghcr.io/acme/app` but not `ghcr.io/acme-evil/app`.
Images are normalised the way the container runtime reads them: `nginx` is
`docker.io/library/nginx`. The rule is silent while the list is empty.

## Why it matters
Whoever controls the registry controls what runs. An image from an arbitrary public
repository may be typo-squatted, abandoned and taken over, or replaced by its owner;
images in public registries have repeatedly shipped crypto miners and backdoors. Pulling
only from registries you operate (or from reviewed mirrors of upstream images) means
every image went through your scanning, signing and retention policies, and an outage
or rate limit of a public registry cannot stop your rollouts.

## Example
```yaml
# lockgate.toml: [settings] trusted-registries = ["registry.example.com"]
containers:
- name: cache
  image: redis:7.4
```

## Fix
```yaml
containers:
- name: cache
  image: registry.example.com/mirror/redis:7.4@sha256:...
```
Enforce the same list at admission time (lockgate's webhook, or a ValidatingAdmissionPolicy)
so that nothing bypasses CI.

## References
- https://kubernetes.io/docs/concepts/containers/images/
- https://kubernetes.io/docs/concepts/security/security-checklist/#images
- CIS Kubernetes Benchmark 5.5.1
"#,
};

pub(crate) fn check(context: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    let trusted = &context.settings.trusted_registries;
    if trusted.is_empty() {
        return;
    }
    for container in pod.containers() {
        let Some((key, text, image)) = container_image(&container) else {
            continue;
        };
        if !trusted.iter().any(|prefix| image.is_from(prefix)) {
            out.report(
                &META,
                key.span,
                format!(
                    "{} uses image `{text}` ({}), which is not from a trusted registry",
                    container.describe(),
                    image.full_name()
                ),
            );
        }
    }
}
