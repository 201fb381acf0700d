//! KUBE-023 default-service-account: the pod runs as its namespace's `default`
//! ServiceAccount.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-023",
    name: "default-service-account",
    title: "Pod runs as the default ServiceAccount",
    severity: Severity::Low,
    applies_to: &["workloads"],
    frameworks: &[
        "cis:5.1.5",
        "nsa:authentication-authorization",
        "mitre:T1078",
    ],
    fix: "Create a ServiceAccount for the workload and set `spec.serviceAccountName` to it.",
    docs: r#"## What it checks
A pod spec whose `serviceAccountName` (or the deprecated `serviceAccount`) is missing,
empty or `default`.

## Why it matters
Every namespace has a ServiceAccount named `default`, and every pod that names no other
runs as it. Because all such pods share one identity, any permission granted to
`default` (often added by a chart or an operator "to make it work") is granted to every
one of them, and the audit log cannot tell them apart. A dedicated ServiceAccount per
workload keeps RBAC grants scoped to the workload that needs them and makes the
API server's audit trail meaningful. CIS 5.1.5 asks that the default ServiceAccounts not
be actively used.

## Example
```yaml
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.4.2
```

## Fix
```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
automountServiceAccountToken: false
---
# in the pod spec
spec:
  serviceAccountName: app
```

## References
- https://kubernetes.io/docs/concepts/security/service-accounts/
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/
- CIS Kubernetes Benchmark 5.1.5
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    let named = ["serviceAccountName", "serviceAccount"]
        .into_iter()
        .filter_map(|field| pod.field(field))
        .find(|(_, value)| value.as_str().is_some_and(|name| !name.is_empty()));
    match named {
        Some((key, value)) if value.as_str() == Some("default") => {
            out.report(&META, key.span, "pod runs as the `default` ServiceAccount")
        }
        Some(_) => {}
        None => out.report(
            &META,
            pod.field("serviceAccountName")
                .map(|(key, _)| key.span)
                .unwrap_or_else(|| pod.anchor_span()),
            "pod names no ServiceAccount, so it runs as the namespace's `default` one",
        ),
    }
}
