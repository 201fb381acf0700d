//! KUBE-010 seccomp-unconfined: seccomp filtering is explicitly switched off.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::{Context, Sink};

const LEGACY_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const LEGACY_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-010",
    name: "seccomp-unconfined",
    title: "Seccomp profile set to Unconfined",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:baseline/seccomp",
        "cis:5.7.2",
        "nsa:pod-security",
        "mitre:T1611",
    ],
    fix: "Set `seccompProfile.type: RuntimeDefault` (or `Localhost`) instead of `Unconfined`.",
    docs: r#"## What it checks
`seccompProfile.type: Unconfined` on the pod or any container, and the legacy annotations
`seccomp.security.alpha.kubernetes.io/pod` and
`container.seccomp.security.alpha.kubernetes.io/<name>` set to `unconfined`.

## Why it matters
Seccomp filters the system calls a container may make. The runtime's default profile
blocks dozens of calls used in kernel exploits and container escapes; `Unconfined`
allows them all.

## Example
```yaml
securityContext:
  seccompProfile:
    type: Unconfined
```

## Fix
```yaml
securityContext:
  seccompProfile:
    type: RuntimeDefault
```

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
- https://kubernetes.io/docs/tutorials/security/seccomp/
"#,
};

fn is_unconfined(profile: &Node) -> bool {
    profile.get("type").and_then(Node::as_str) == Some("Unconfined")
}

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    if let Some((key, profile)) = pod.security_context("seccompProfile")
        && is_unconfined(profile)
    {
        out.report(&META, key.span, "pod disables seccomp (`Unconfined`)");
    }
    for container in pod.containers() {
        if let Some((key, profile)) = container.security_context("seccompProfile")
            && is_unconfined(profile)
        {
            out.report(
                &META,
                key.span,
                format!("{} disables seccomp (`Unconfined`)", container.describe()),
            );
        }
    }
    for (key, value) in pod.pod_annotations() {
        let Some(name) = key.as_str() else { continue };
        let legacy = name == LEGACY_POD_ANNOTATION || name.starts_with(LEGACY_CONTAINER_PREFIX);
        if legacy && value.as_str() == Some("unconfined") {
            out.report(
                &META,
                key.span,
                format!("annotation `{name}` disables seccomp"),
            );
        }
    }
}
