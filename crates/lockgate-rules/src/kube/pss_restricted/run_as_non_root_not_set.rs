//! KUBE-014 run-as-non-root-not-set: a container is not required to run as a non-root
//! user (`runAsNonRoot: true` on neither the container nor the pod).

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-014",
    name: "run-as-non-root-not-set",
    title: "Container is not required to run as non-root",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:restricted/running-as-non-root",
        "cis:5.2.7",
        "nsa:non-root-containers",
        "mitre:T1611",
    ],
    fix: "Set `securityContext.runAsNonRoot: true` on the pod (or on every container) and run the image as a non-zero UID.",
    docs: r#"## What it checks
The effective `runAsNonRoot` of every container (regular, init and ephemeral): the
container's `securityContext.runAsNonRoot`, or the pod's when the container does not set
it. The rule fires when the effective value is not `true`, and whenever either level sets
it to `false` explicitly: as in the Pod Security Standards, a pod-level `false` fails even
if every container overrides it.

## Why it matters
Most images still run as root (UID 0) unless told otherwise. Root inside a container
shares UID 0 with the node: a kernel bug, a writable host mount or an over-broad
capability turns it into root on the node. `runAsNonRoot: true` makes the kubelet refuse
to start a container whose user would be UID 0, so a change of base image or a missing
`USER` line cannot silently bring root back.

## Example
```yaml
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```

## Fix
```yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001      # needed when the image's USER is a name, not a number
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
- https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
- CIS Kubernetes Benchmark 5.2.7
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    let pod_value = pod
        .security_context("runAsNonRoot")
        .filter(|(_, value)| !value.is_null());
    if let Some((key, value)) = pod_value
        && value.as_bool() != Some(true)
    {
        out.report(
            &META,
            key.span,
            format!(
                "pod sets `runAsNonRoot: {}`, so its containers may run as root",
                value.scalar_text().unwrap_or_default()
            ),
        );
    }
    for container in pod.containers() {
        match container.effective("runAsNonRoot") {
            Some(effective) if effective.value.as_bool() == Some(true) => {}
            // Inherited from the pod: reported once, above.
            Some(effective) if effective.from_pod => {}
            Some(effective) => out.report(
                &META,
                effective.key.span,
                format!(
                    "{} sets `runAsNonRoot: {}`, so it may run as root",
                    container.describe(),
                    effective.value.scalar_text().unwrap_or_default()
                ),
            ),
            None => out.report(
                &META,
                container.security_context_anchor(),
                format!(
                    "{} does not set `runAsNonRoot: true`, and neither does the pod",
                    container.describe()
                ),
            ),
        }
    }
}
