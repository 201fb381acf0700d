//! KUBE-015 run-as-root-user: the pod or a container sets `runAsUser: 0`.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-015",
    name: "run-as-root-user",
    title: "Pod or container runs as UID 0 (root)",
    severity: Severity::High,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:restricted/running-as-non-root-user",
        "cis:5.2.7",
        "nsa:non-root-containers",
        "mitre:T1611",
    ],
    fix: "Remove `runAsUser: 0` and set a non-zero UID (e.g. `runAsUser: 10001`) with `runAsNonRoot: true`.",
    docs: r#"## What it checks
`securityContext.runAsUser: 0` on the pod or on any container (regular, init or
ephemeral).

## Why it matters
Setting `runAsUser: 0` asks for root explicitly, overriding a non-root `USER` in the
image (and a container with both `runAsUser: 0` and `runAsNonRoot: true` never starts).
The Pod Security Standards restricted profile forbids it outright. Root in a container
is UID 0 on the node too (without user namespaces): it owns files on any host path it can
reach, and any kernel or runtime bug becomes a node compromise.

## Example
```yaml
securityContext:
  runAsUser: 0
```

## Fix
```yaml
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
```
If the process needs root only to bind a low port or fix file ownership, grant
`NET_BIND_SERVICE`, or use `fsGroup` / an init step instead.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
- https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
- CIS Kubernetes Benchmark 5.2.7
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    if let Some((key, value)) = pod.security_context("runAsUser")
        && value.as_i64() == Some(0)
    {
        out.report(&META, key.span, "pod runs as root (`runAsUser: 0`)");
    }
    for container in pod.containers() {
        if let Some((key, value)) = container.security_context("runAsUser")
            && value.as_i64() == Some(0)
        {
            out.report(
                &META,
                key.span,
                format!("{} runs as root (`runAsUser: 0`)", container.describe()),
            );
        }
    }
}
