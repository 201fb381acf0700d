//! KUBE-020 writable-root-filesystem: a container's root file system is writable.

use lockgate_kube::{ContainerKind, PodSpecView};
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::is_windows_pod;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-020",
    name: "writable-root-filesystem",
    title: "Container root file system is writable",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &[
        "nsa:immutable-filesystem",
        "cis:5.7.3",
        "mitre:T1105",
        "mitre:T1059",
    ],
    fix: "Set `securityContext.readOnlyRootFilesystem: true` and mount an `emptyDir` wherever the process must write (e.g. /tmp).",
    docs: r#"## What it checks
Every regular and init container whose `securityContext.readOnlyRootFilesystem` is not
`true` (missing or `false`). Ephemeral debug containers are not checked: they are
attached by hand to investigate, and often need to write. Pods with `spec.os.name:
windows` are skipped: Windows containers cannot set the field.

## Why it matters
With a writable root file system, an attacker who gets code execution in the container
can download tools and payloads, drop a web shell next to the application, or change its
binaries and configuration so that the compromise survives a process restart. A
read-only root turns the image into what it was meant to be: an immutable artifact, where
any write outside the declared volumes fails. The NSA/CISA Kubernetes Hardening Guidance
lists immutable container file systems among its pod security recommendations.

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
  image: registry.example.com/app:1.4.2
  securityContext:
    readOnlyRootFilesystem: true
  volumeMounts:
  - name: tmp
    mountPath: /tmp
volumes:
- name: tmp
  emptyDir: {}
```

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
- https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF
- CIS Kubernetes Benchmark 5.7.3
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    // Windows containers cannot set the field (the API server rejects it).
    if is_windows_pod(pod) {
        return;
    }
    for container in pod
        .containers()
        .filter(|c| c.kind != ContainerKind::Ephemeral)
    {
        match container.security_context("readOnlyRootFilesystem") {
            Some((_, value)) if value.as_bool() == Some(true) => {}
            Some((key, value)) => out.report(
                &META,
                key.span,
                format!(
                    "{} has a writable root file system (`readOnlyRootFilesystem: {}`)",
                    container.describe(),
                    value.scalar_text().unwrap_or_else(|| "null".into())
                ),
            ),
            None => out.report(
                &META,
                container.security_context_anchor(),
                format!(
                    "{} does not set `readOnlyRootFilesystem: true`",
                    container.describe()
                ),
            ),
        }
    }
}
