//! KUBE-017 capabilities-not-dropped: a container does not drop `ALL` capabilities.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::{capability_list, capability_name, is_windows_pod};
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-017",
    name: "capabilities-not-dropped",
    title: "Container does not drop all capabilities",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:restricted/capabilities",
        "cis:5.2.8",
        "cis:5.2.10",
        "nsa:pod-security",
        "mitre:T1611",
    ],
    fix: "Add `ALL` to `securityContext.capabilities.drop` and add back only NET_BIND_SERVICE if the process binds a port below 1024.",
    docs: r#"## What it checks
Every container (regular, init and ephemeral) whose `securityContext.capabilities.drop`
does not contain `ALL` (compared case-insensitively). Pods with `spec.os.name: windows`
are skipped, as the Pod Security Standards do.

## Why it matters
Without a `drop` list a container keeps the runtime's default capability set
(containerd's: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,
NET_BIND_SERVICE, NET_RAW, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT; CRI-O's is a
smaller subset). Root in such a container can
read and write any file regardless of permissions, change its UID, create device nodes
and, with NET_RAW, forge packets to spoof or poison traffic on the pod network (CIS
5.2.8). Almost no application needs any of them. Dropping `ALL` and adding back what is
proven necessary keeps a compromised process from using them, and is the only
allow-list approach: dropping individual capabilities misses the ones nobody thought of.

## Example
```yaml
securityContext:
  capabilities:
    drop: [NET_RAW]
```

## Fix
```yaml
securityContext:
  capabilities:
    drop: [ALL]
    add: [NET_BIND_SERVICE]   # only if the process binds a port below 1024
```

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
- https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container
- https://man7.org/linux/man-pages/man7/capabilities.7.html
- CIS Kubernetes Benchmark 5.2.8, 5.2.10
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    if is_windows_pod(pod) {
        return;
    }
    for container in pod.containers() {
        match capability_list(&container, "drop") {
            Some((_, dropped))
                if dropped
                    .iter()
                    .any(|c| capability_name(c).as_deref() == Some("ALL")) => {}
            Some((key, _)) => out.report(
                &META,
                key.span,
                format!(
                    "{} drops some capabilities but not `ALL`",
                    container.describe()
                ),
            ),
            None => out.report(
                &META,
                container.security_context_anchor(),
                format!(
                    "{} does not drop capabilities (`capabilities.drop: [ALL]`)",
                    container.describe()
                ),
            ),
        }
    }
}
