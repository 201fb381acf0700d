//! KUBE-018 capabilities-added-restricted: a container adds a capability other than
//! NET_BIND_SERVICE.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::{capability_list, capability_name, is_windows_pod};
use crate::{Context, Sink};

/// The only capability the restricted profile lets a container add back.
const ALLOWED: &str = "NET_BIND_SERVICE";

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-018",
    name: "capabilities-added-restricted",
    title: "Container adds a capability other than NET_BIND_SERVICE",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:restricted/capabilities",
        "cis:5.2.9",
        "nsa:pod-security",
        "mitre:T1068",
    ],
    fix: "Remove the capability from `securityContext.capabilities.add`; only NET_BIND_SERVICE may be added under the restricted profile.",
    docs: r#"## What it checks
Entries of `securityContext.capabilities.add` on any container (regular, init or
ephemeral) other than `NET_BIND_SERVICE`, compared the way Kubernetes does
(case-insensitively, with or without a `CAP_` prefix). Capabilities outside the baseline
set, such as SYS_ADMIN, are reported by KUBE-004 as well; this rule also catches the
default-set capabilities the baseline profile tolerates (CHOWN, SETUID, DAC_OVERRIDE,
...). Pods with `spec.os.name: windows` are skipped.

## Why it matters
The restricted profile expects containers to drop every capability (KUBE-017) and allows
adding back exactly one: NET_BIND_SERVICE, so that a non-root process can listen on a
port below 1024. Each other capability gives a compromised process a way around the
kernel's permission checks: DAC_OVERRIDE ignores file permissions, SETUID/SETGID switch to
any user, CHOWN and FOWNER take over files, NET_RAW forges packets. Needing one usually
means the image does work at run time (changing ownership, switching users) that belongs
in the image build.

## Example
```yaml
securityContext:
  capabilities:
    drop: [ALL]
    add: [CHOWN, SETUID]
```

## Fix
```yaml
securityContext:
  capabilities:
    drop: [ALL]
    add: [NET_BIND_SERVICE]
```
Set file ownership in the image (`COPY --chown`) or with `fsGroup`, and run as the right
user from the start instead of switching.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
- https://man7.org/linux/man-pages/man7/capabilities.7.html
- CIS Kubernetes Benchmark 5.2.9
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    if is_windows_pod(pod) {
        return;
    }
    for container in pod.containers() {
        let Some((_, added)) = capability_list(&container, "add") else {
            continue;
        };
        for capability in added {
            let Some(name) = capability_name(capability) else {
                continue;
            };
            if name != ALLOWED {
                out.report(
                    &META,
                    capability.span,
                    format!(
                        "{} adds capability {name}; the restricted profile allows only {ALLOWED}",
                        container.describe()
                    ),
                );
            }
        }
    }
}
