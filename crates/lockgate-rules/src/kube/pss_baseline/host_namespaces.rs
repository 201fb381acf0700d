//! KUBE-002 host-namespaces: the pod shares the node's network, PID or IPC namespace.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-002",
    name: "host-namespaces",
    title: "Pod shares the host's network, PID or IPC namespace",
    severity: Severity::High,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:baseline/host-namespaces",
        "cis:5.2.3",
        "cis:5.2.4",
        "cis:5.2.5",
        "nsa:pod-security",
        "mitre:T1611",
    ],
    fix: "Remove `hostNetwork`, `hostPID` and `hostIPC` from the pod spec (or set them to false).",
    docs: r#"## What it checks
`spec.hostNetwork`, `spec.hostPID` or `spec.hostIPC` set to `true`.

## Why it matters
With the host's PID namespace a container sees and can signal every process on the node,
and read their environments through `/proc`. With the host's network it can bind node
ports, reach services on loopback and sniff traffic. With the host's IPC namespace it can
read shared memory of other processes. Each is a well-trodden path to node compromise.

## Example
```yaml
spec:
  hostNetwork: true
  hostPID: true
```

## Fix
Remove the fields or set them to `false`. Expose ports through a Service instead of the
host network.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
- CIS Kubernetes Benchmark 5.2.3–5.2.5
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for (field, what) in [
        ("hostNetwork", "network"),
        ("hostPID", "process (PID)"),
        ("hostIPC", "IPC"),
    ] {
        if let Some((key, value)) = pod.field(field)
            && value.as_bool() == Some(true)
        {
            out.report(
                &META,
                key.span,
                format!("pod shares the host's {what} namespace (`{field}: true`)"),
            );
        }
    }
}
