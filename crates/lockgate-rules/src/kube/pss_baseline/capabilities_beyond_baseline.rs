//! KUBE-004 capabilities-beyond-baseline: a container adds a Linux capability outside
//! the Pod Security Standards baseline set.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::{capability_list, capability_name};
use crate::{Context, Sink};

/// The capabilities the baseline profile allows adding (the container runtime default set).
const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-004",
    name: "capabilities-beyond-baseline",
    title: "Container adds capabilities beyond the baseline set",
    severity: Severity::High,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:baseline/capabilities",
        "cis:5.2.9",
        "nsa:pod-security",
        "mitre:T1611",
        "mitre:T1068",
    ],
    fix: "Remove the capability from `securityContext.capabilities.add`; if the process truly needs it, waive this finding with a reason.",
    docs: r#"## What it checks
Entries of `securityContext.capabilities.add` outside the baseline set: AUDIT_WRITE, CHOWN,
DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP,
SETUID, SYS_CHROOT. Names are compared the way Kubernetes does (case-insensitively, with
or without a `CAP_` prefix).

## Why it matters
Capabilities such as SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE or NET_RAW give a
container powers that lead out of it: mounting file systems, loading kernel modules,
tracing other processes, spoofing packets.

## Example
```yaml
securityContext:
  capabilities:
    add: [SYS_ADMIN]
```

## Fix
```yaml
securityContext:
  capabilities:
    drop: [ALL]
    add: [NET_BIND_SERVICE]   # only if the process binds a port below 1024
```

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
- CIS Kubernetes Benchmark 5.2.9
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for container in pod.containers() {
        let Some((_, added)) = capability_list(&container, "add") else {
            continue;
        };
        for capability in added {
            let Some(name) = capability_name(capability) else {
                continue;
            };
            if !BASELINE_CAPABILITIES.contains(&name.as_str()) {
                out.report(
                    &META,
                    capability.span,
                    format!("{} adds capability {name}", container.describe()),
                );
            }
        }
    }
}
