//! KUBE-008 selinux-custom-options: a custom SELinux type, user or role is set.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::{Context, Sink};

const ALLOWED_TYPES: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-008",
    name: "selinux-custom-options",
    title: "Custom SELinux options",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &["pss:baseline/selinux", "nsa:pod-security", "mitre:T1611"],
    fix: "Remove `seLinuxOptions.user` and `seLinuxOptions.role`, and use one of the container SELinux types (or none).",
    docs: r#"## What it checks
`seLinuxOptions` on the pod or any container with a `type` other than `container_t`,
`container_init_t`, `container_kvm_t` or `container_engine_t`, or with `user` or `role`
set.

## Why it matters
The container SELinux types confine a process to its own files. A custom type such as
`spc_t` (super-privileged container) or `unconfined_t`, or a custom user or role, lifts
that confinement.

## Example
```yaml
securityContext:
  seLinuxOptions:
    type: spc_t
```

## Fix
Remove `seLinuxOptions`, or keep only `level` (MCS labels) and a container type.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
"#,
};

fn report_options(options: &Node, who: &str, out: &mut Sink) {
    if let Some((key, value)) = options.entry("type") {
        let kind = value.as_str().unwrap_or_default();
        if !ALLOWED_TYPES.contains(&kind) && !value.is_null() {
            out.report(&META, key.span, format!("{who} sets SELinux type `{kind}`"));
        }
    }
    for field in ["user", "role"] {
        if let Some((key, value)) = options.entry(field)
            && value.as_str().is_some_and(|v| !v.is_empty())
        {
            out.report(&META, key.span, format!("{who} sets SELinux {field}"));
        }
    }
}

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    if let Some((_, options)) = pod.security_context("seLinuxOptions") {
        report_options(options, "pod", out);
    }
    for container in pod.containers() {
        if let Some((_, options)) = container.security_context("seLinuxOptions") {
            report_options(options, &container.describe(), out);
        }
    }
}
