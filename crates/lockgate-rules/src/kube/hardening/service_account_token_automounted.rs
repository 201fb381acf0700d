//! KUBE-024 service-account-token-automounted: the pod spec does not opt out of
//! mounting a ServiceAccount token.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-024",
    name: "service-account-token-automounted",
    title: "ServiceAccount token is mounted into the pod",
    severity: Severity::Low,
    applies_to: &["workloads"],
    frameworks: &[
        "cis:5.1.6",
        "nsa:authentication-authorization",
        "mitre:T1552",
        "mitre:T1528",
    ],
    fix: "Set `spec.automountServiceAccountToken: false`; workloads that call the API server can mount a token explicitly through a projected volume.",
    docs: r#"## What it checks
A pod spec whose `automountServiceAccountToken` is not explicitly `false` (missing or
`true`).

## Why it matters
By default the kubelet mounts a token of the pod's ServiceAccount at
`/var/run/secrets/kubernetes.io/serviceaccount/token` in every container. Most
applications never talk to the Kubernetes API, but anyone who gets code execution, a
path traversal or a server-side request forgery in them can read that token and use it
against the API server with whatever RBAC grants the ServiceAccount holds, from
listing Secrets to creating pods. Not mounting a token the workload does not need
removes that credential altogether.

The ServiceAccount object may also set `automountServiceAccountToken: false`; a manifest
scan cannot always see it, and the pod-level field wins anyway, so the rule asks for it
on the pod spec. If this is a false positive because the ServiceAccount opts out, waive
it with that reason.

## Example
```yaml
spec:
  serviceAccountName: app
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```

## Fix
```yaml
spec:
  serviceAccountName: app
  automountServiceAccountToken: false
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```
Workloads that do call the API server can keep automounting off and mount a short-lived,
audience-bound token through a `projected` volume with a `serviceAccountToken` source
(which this rule accepts), or waive the finding with that reason.

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting
- https://kubernetes.io/docs/concepts/security/service-accounts/
- CIS Kubernetes Benchmark 5.1.6
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    match pod.field("automountServiceAccountToken") {
        Some((_, value)) if value.as_bool() == Some(false) => {}
        Some((key, value)) => out.report(
            &META,
            key.span,
            format!(
                "pod mounts its ServiceAccount token (`automountServiceAccountToken: {}`)",
                value.scalar_text().unwrap_or_else(|| "null".into())
            ),
        ),
        None => out.report(
            &META,
            pod.anchor_span(),
            "pod does not set `automountServiceAccountToken: false`, so its ServiceAccount token is mounted",
        ),
    }
}
