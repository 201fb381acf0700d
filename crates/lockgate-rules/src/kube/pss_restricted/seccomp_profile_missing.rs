//! KUBE-016 seccomp-profile-missing: a container's effective seccomp profile is not
//! `RuntimeDefault` or `Localhost`.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::kube::common::is_windows_pod;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-016",
    name: "seccomp-profile-missing",
    title: "Container has no RuntimeDefault or Localhost seccomp profile",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:restricted/seccomp",
        "cis:5.7.2",
        "nsa:pod-security",
        "mitre:T1611",
        "mitre:T1068",
    ],
    fix: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod (or `Localhost` with a reviewed profile).",
    docs: r#"## What it checks
The effective `seccompProfile` of every container (regular, init and ephemeral): the
container's `securityContext.seccompProfile`, or the pod's when the container does not
set one. Its `type` must be `RuntimeDefault` or `Localhost`. The rule fires when neither
level sets a profile, and whenever either level sets another type (`Unconfined`, or no
type at all): as in the Pod Security Standards, a disallowed pod-level profile fails even
if every container overrides it. `Unconfined` is also reported by KUBE-010. When no field
is set, the legacy annotations `container.seccomp.security.alpha.kubernetes.io/<name>` or
`seccomp.security.alpha.kubernetes.io/pod` with `runtime/default`, `docker/default` or
`localhost/<profile>` are accepted, because clusters before Kubernetes 1.27 apply them;
move to the field, which current kubelets require. Pods with `spec.os.name: windows` are
skipped.

## Why it matters
Unless the kubelet runs with `--seccomp-default` (off by default), a container without a
seccomp profile runs `Unconfined`: every one of the kernel's 300-odd system calls is
reachable. The runtime's default profile blocks the rarely needed calls that most kernel
exploits and container escapes rely on (`unshare`, `keyctl`, `bpf`, `ptrace` on older
kernels, `mount`, ...), with no effect on ordinary applications. It is a cheap layer of
defence, which is why the restricted profile requires it.

Severity is medium rather than high because a missing profile is not an exploitable
weakness by itself: it widens what an attacker who already runs code can reach in the
kernel.

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
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
- https://kubernetes.io/docs/tutorials/security/seccomp/
- CIS Kubernetes Benchmark 5.7.2
"#,
};

/// The profile's type when it is not one the restricted profile allows.
fn disallowed_type(profile: &Node) -> Option<String> {
    match profile.get("type").and_then(Node::as_str) {
        Some("RuntimeDefault" | "Localhost") => None,
        Some(other) => Some(format!("type `{other}`")),
        None => Some("no type".to_string()),
    }
}

/// Whether a legacy seccomp annotation (container-specific, else pod-wide) selects a
/// confining profile for the container.
fn legacy_annotation_confines(pod: &PodSpecView<'_>, container: &str) -> bool {
    let annotation = pod
        .annotation(&format!(
            "container.seccomp.security.alpha.kubernetes.io/{container}"
        ))
        .or_else(|| pod.annotation("seccomp.security.alpha.kubernetes.io/pod"));
    annotation
        .and_then(|(_, value)| value.as_str())
        .is_some_and(|profile| {
            matches!(profile, "runtime/default" | "docker/default")
                || profile.starts_with("localhost/")
        })
}

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    if is_windows_pod(pod) {
        return;
    }
    let pod_profile = pod
        .security_context("seccompProfile")
        .filter(|(_, value)| !value.is_null());
    if let Some((key, profile)) = pod_profile
        && let Some(kind) = disallowed_type(profile)
    {
        out.report(
            &META,
            key.span,
            format!("pod's seccomp profile has {kind}, not RuntimeDefault or Localhost"),
        );
    }
    for container in pod.containers() {
        match container.effective("seccompProfile") {
            // Inherited from the pod: judged once, above.
            Some(effective) if effective.from_pod => {}
            Some(effective) => {
                if let Some(kind) = disallowed_type(effective.value) {
                    out.report(
                        &META,
                        effective.key.span,
                        format!(
                            "{}'s seccomp profile has {kind}, not RuntimeDefault or Localhost",
                            container.describe()
                        ),
                    );
                }
            }
            // Clusters before Kubernetes 1.27 also honour the legacy annotations.
            None if legacy_annotation_confines(pod, container.name()) => {}
            None => out.report(
                &META,
                container.security_context_anchor(),
                format!(
                    "{} has no seccomp profile and the pod sets none, so it runs Unconfined",
                    container.describe()
                ),
            ),
        }
    }
}
