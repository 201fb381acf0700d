//! KUBE-007 apparmor-unconfined: AppArmor confinement is switched off or set to an
//! unknown profile.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::{Context, Sink};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-007",
    name: "apparmor-unconfined",
    title: "AppArmor profile overridden",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &["pss:baseline/apparmor", "nsa:pod-security", "mitre:T1611"],
    fix: "Use the `RuntimeDefault` AppArmor profile (or a `Localhost` one) instead of `Unconfined`.",
    docs: r#"## What it checks
`appArmorProfile.type` on the pod or any container other than `RuntimeDefault` or
`Localhost`, and the legacy annotations
`container.apparmor.security.beta.kubernetes.io/<container>` with a value other than
`runtime/default` or `localhost/<profile>`.

## Why it matters
The container runtime's default AppArmor profile blocks writes to sensitive `/proc` and
`/sys` paths and mounting. `Unconfined` removes that layer of defence.

## Example
```yaml
securityContext:
  appArmorProfile:
    type: Unconfined
```

## Fix
```yaml
securityContext:
  appArmorProfile:
    type: RuntimeDefault
```

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
- https://kubernetes.io/docs/tutorials/security/apparmor/
"#,
};

fn profile_type_is_allowed(profile: &Node) -> bool {
    match profile.get("type").and_then(Node::as_str) {
        None => true,
        Some(kind) => matches!(kind, "RuntimeDefault" | "Localhost"),
    }
}

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    if let Some((key, profile)) = pod.security_context("appArmorProfile")
        && !profile_type_is_allowed(profile)
    {
        out.report(
            &META,
            key.span,
            "pod sets an AppArmor profile other than RuntimeDefault or Localhost",
        );
    }
    for container in pod.containers() {
        if let Some((key, profile)) = container.security_context("appArmorProfile")
            && !profile_type_is_allowed(profile)
        {
            out.report(
                &META,
                key.span,
                format!(
                    "{} sets an AppArmor profile other than RuntimeDefault or Localhost",
                    container.describe()
                ),
            );
        }
    }
    for (key, value) in pod.pod_annotations() {
        let Some(name) = key.as_str().and_then(|k| k.strip_prefix(ANNOTATION_PREFIX)) else {
            continue;
        };
        let profile = value.as_str().unwrap_or_default();
        if profile != "runtime/default" && !profile.starts_with("localhost/") {
            out.report(
                &META,
                key.span,
                format!("container `{name}` has AppArmor profile `{profile}`"),
            );
        }
    }
}
