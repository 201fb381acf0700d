//! KUBE-009 proc-mount-unmasked: a container asks for an unmasked `/proc`.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-009",
    name: "proc-mount-unmasked",
    title: "Container uses an unmasked /proc mount",
    severity: Severity::High,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:baseline/proc-mount-type",
        "nsa:pod-security",
        "mitre:T1611",
    ],
    fix: "Remove `securityContext.procMount` (or set it to `Default`).",
    docs: r#"## What it checks
Any container with `securityContext.procMount` other than `Default`.

## Why it matters
The default `/proc` mount masks and makes read-only the paths that reveal or change the
host kernel's state. `Unmasked` exposes them, which helps an attacker escape.

## Example
```yaml
securityContext:
  procMount: Unmasked
```

## Fix
Remove the field or set `procMount: Default`.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for container in pod.containers() {
        if let Some((key, value)) = container.security_context("procMount") {
            let mount = value.as_str().unwrap_or_default();
            if !value.is_null() && mount != "Default" {
                out.report(
                    &META,
                    key.span,
                    format!("{} uses procMount `{mount}`", container.describe()),
                );
            }
        }
    }
}
