//! KUBE-011 unsafe-sysctl: the pod sets a kernel parameter outside the safe set.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

/// The sysctls the Pod Security Standards baseline allows (namespaced and isolated).
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-011",
    name: "unsafe-sysctl",
    title: "Pod sets an unsafe sysctl",
    severity: Severity::High,
    applies_to: &["workloads"],
    frameworks: &["pss:baseline/sysctls", "nsa:pod-security", "mitre:T1611"],
    fix: "Remove the sysctl from `spec.securityContext.sysctls`, or tune it on the nodes instead.",
    docs: r#"## What it checks
Entries of `spec.securityContext.sysctls` whose name is not in the safe set:
kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start,
net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports,
net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl,
net.ipv4.tcp_keepalive_probes.

## Why it matters
Unsafe sysctls are not isolated between pods: setting them changes the node's kernel for
every workload, and some (such as `kernel.core_pattern`) lead straight to code execution
on the host.

## Example
```yaml
spec:
  securityContext:
    sysctls:
    - name: kernel.msgmax
      value: "65536"
```

## Fix
Remove the sysctl; if the node needs it, set it on the node by its administrators.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
- https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    let Some((_, sysctls)) = pod.security_context("sysctls") else {
        return;
    };
    for sysctl in sysctls.items() {
        let Some((key, name)) = sysctl.entry("name") else {
            continue;
        };
        let name = name.as_str().unwrap_or_default();
        // Kubernetes accepts `/` as a separator too (net/ipv4/...).
        let normalized = name.replace('/', ".");
        if !SAFE_SYSCTLS.contains(&normalized.as_str()) {
            out.report(&META, key.span, format!("pod sets unsafe sysctl `{name}`"));
        }
    }
}
