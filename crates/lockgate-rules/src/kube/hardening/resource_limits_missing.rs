//! KUBE-022 resource-limits-missing: a container has no memory or CPU limit.

use lockgate_kube::{ContainerKind, PodSpecView};
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::has_quantity;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-022",
    name: "resource-limits-missing",
    title: "Container has no memory or CPU limit",
    severity: Severity::Low,
    applies_to: &["workloads"],
    frameworks: &["nsa:resource-policies", "mitre:T1499"],
    fix: "Set `resources.limits.memory` (and `resources.limits.cpu`) so that one container cannot exhaust its node.",
    docs: r#"## What it checks
Every regular and init container whose `resources.limits` lacks `memory` or `cpu`. The
message says which of the two is missing.

## Why it matters
Without a memory limit a container may take all of its node's memory: a leak, a
pathological request or an attacker running a miner pushes the node into memory pressure,
and the kubelet and kernel start killing other pods. Without a CPU limit it may take every
idle core of the node. Limits contain the blast radius of a compromised or misbehaving
workload, which is why the NSA/CISA hardening guidance recommends them alongside
namespace-wide LimitRanges and ResourceQuotas.

The memory limit matters most. CPU limits are debated: CPU is compressible, and a tight
limit throttles a busy process even on an idle node. Teams that rely on CPU requests for
fairness can waive the CPU part with a reason. Severity is low because a namespace's
LimitRange may supply default limits that a manifest scan cannot see.

## Example
```yaml
resources:
  requests:
    cpu: 100m
    memory: 128Mi
```

## Fix
```yaml
resources:
  requests:
    cpu: 100m
    memory: 128Mi
  limits:
    cpu: "1"
    memory: 256Mi
```

## References
- https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
- https://kubernetes.io/docs/concepts/policy/limit-range/
- https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for container in pod
        .containers()
        .filter(|c| c.kind != ContainerKind::Ephemeral)
    {
        let resources = container.field("resources");
        let limits = resources.and_then(|(_, r)| r.entry("limits"));
        let missing: Vec<&str> = ["memory", "cpu"]
            .into_iter()
            .filter(|resource| !has_quantity(limits.map(|(_, v)| v), resource))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let span = limits
            .or(resources)
            .map(|(key, _)| key.span)
            .unwrap_or_else(|| container.anchor_span());
        out.report(
            &META,
            span,
            format!(
                "{} has no {} limit",
                container.describe(),
                missing.join(" or ")
            ),
        );
    }
}
