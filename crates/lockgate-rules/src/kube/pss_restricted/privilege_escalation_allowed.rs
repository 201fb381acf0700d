//! KUBE-013 privilege-escalation-allowed: a container does not set
//! `allowPrivilegeEscalation: false`.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::is_windows_pod;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-013",
    name: "privilege-escalation-allowed",
    title: "Container may gain more privileges than its parent process",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:restricted/privilege-escalation",
        "cis:5.2.6",
        "nsa:pod-security",
        "mitre:T1068",
    ],
    fix: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    docs: r#"## What it checks
Every container (regular, init and ephemeral) whose
`securityContext.allowPrivilegeEscalation` is not explicitly `false`: the field is
missing, or set to `true`. Pods with `spec.os.name: windows` are skipped, as the Pod
Security Standards do.

## Why it matters
The field controls the Linux `no_new_privs` flag. It defaults to `true`, so unless a
container says otherwise, a process in it can gain privileges through setuid and setgid
binaries (`sudo`, `su`, `ping`, `mount` ...) or file capabilities. An attacker with code
execution as an unprivileged user can then become root in the container, which is the
usual first step of a container escape. Note that a container that is privileged or has
`CAP_SYS_ADMIN` can always escalate, whatever this field says.

## Example
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2
```

## Fix
```yaml
containers:
- name: app
  image: registry.example.com/app:1.4.2
  securityContext:
    allowPrivilegeEscalation: false
```

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
- https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
- https://www.kernel.org/doc/html/latest/userspace-api/no_new_privs.html
- CIS Kubernetes Benchmark 5.2.6
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    if is_windows_pod(pod) {
        return;
    }
    for container in pod.containers() {
        match container.security_context("allowPrivilegeEscalation") {
            Some((_, value)) if value.as_bool() == Some(false) => {}
            Some((key, value)) => out.report(
                &META,
                key.span,
                format!(
                    "{} allows privilege escalation (`allowPrivilegeEscalation: {}`)",
                    container.describe(),
                    value.scalar_text().unwrap_or_else(|| "null".into())
                ),
            ),
            None => out.report(
                &META,
                container.security_context_anchor(),
                format!(
                    "{} does not set `allowPrivilegeEscalation: false`",
                    container.describe()
                ),
            ),
        }
    }
}
