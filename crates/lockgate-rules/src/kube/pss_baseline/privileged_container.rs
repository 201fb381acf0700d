//! KUBE-003 privileged-container: a container runs with `privileged: true`.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-003",
    name: "privileged-container",
    title: "Privileged container",
    severity: Severity::Critical,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:baseline/privileged-containers",
        "cis:5.2.2",
        "nsa:privileged-containers",
        "mitre:T1611",
    ],
    fix: "Remove `securityContext.privileged` (or set it to false) and grant only the capabilities the process needs.",
    docs: r#"## What it checks
Any container (regular, init or ephemeral) with `securityContext.privileged: true`.

## Why it matters
A privileged container has every capability, sees all host devices and is not confined
by seccomp or AppArmor: root in it is effectively root on the node. Escaping is a matter
of mounting the host's disk.

## Example
```yaml
containers:
- name: app
  securityContext:
    privileged: true
```

## Fix
```yaml
containers:
- name: app
  securityContext:
    privileged: false
    capabilities:
      drop: [ALL]
```
Add back only the specific capability the process needs.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
- CIS Kubernetes Benchmark 5.2.2
- MITRE ATT&CK T1611 Escape to Host
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for container in pod.containers() {
        if let Some((key, value)) = container.security_context("privileged")
            && value.as_bool() == Some(true)
        {
            out.report(
                &META,
                key.span,
                format!("{} is privileged", container.describe()),
            );
        }
    }
}
