//! KUBE-006 host-port: a container binds a port on the node.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-006",
    name: "host-port",
    title: "Container binds a port on the host",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:baseline/host-ports",
        "cis:5.2.13",
        "nsa:network-separation",
        "mitre:T1133",
    ],
    fix: "Remove `hostPort` from the container's ports and expose the port through a Service.",
    docs: r#"## What it checks
Any container port with a non-zero `hostPort`.

## Why it matters
A host port opens the node's network interface directly to the container, bypassing
Services and often NetworkPolicies, and it limits scheduling to one such pod per node.

## Example
```yaml
ports:
- containerPort: 8080
  hostPort: 8080
```

## Fix
Remove `hostPort` and expose the workload through a Service (ClusterIP, or an Ingress for
external traffic).

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
- https://kubernetes.io/docs/concepts/configuration/overview/#services
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for container in pod.containers() {
        let Some((_, ports)) = container.field("ports") else {
            continue;
        };
        for port in ports.items() {
            if let Some((key, value)) = port.entry("hostPort")
                && value.as_i64().is_some_and(|p| p != 0)
            {
                out.report(
                    &META,
                    key.span,
                    format!(
                        "{} binds host port {}",
                        container.describe(),
                        value.scalar_text().unwrap_or_default()
                    ),
                );
            }
        }
    }
}
