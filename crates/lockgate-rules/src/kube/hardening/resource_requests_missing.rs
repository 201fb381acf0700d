//! KUBE-021 resource-requests-missing: a container has no CPU or memory request.

use lockgate_kube::{ContainerKind, PodSpecView};
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::has_quantity;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-021",
    name: "resource-requests-missing",
    title: "Container has no CPU or memory request",
    severity: Severity::Low,
    applies_to: &["workloads"],
    frameworks: &["nsa:resource-policies", "mitre:T1499"],
    fix: "Set `resources.requests.cpu` and `resources.requests.memory` to what the container uses under normal load.",
    docs: r#"## What it checks
Every regular and init container whose `resources.requests` lacks `cpu` or `memory`. A
resource that has a limit but no request counts as requested: Kubernetes copies the
limit into the request in that case. The message says which of the two is missing.

## Why it matters
The scheduler places pods by their requests, and the kubelet uses them to decide who is
evicted first when a node runs short. A container without requests is scheduled as if it
needed nothing, so nodes are overcommitted without anyone noticing; its pod gets the
`BestEffort` (or a weak `Burstable`) QoS class and is the first to be evicted or
OOM-killed under pressure. One noisy or compromised workload can then starve its
neighbours, a cheap denial of service. Requests are also what a namespace's
ResourceQuota counts.

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
  resources:
    requests:
      cpu: 100m
      memory: 128Mi
```
A LimitRange with `defaultRequest` can supply defaults for a whole namespace, but
explicit values in the manifest say what the workload needs.

## References
- https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
- https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/
- https://kubernetes.io/docs/concepts/policy/limit-range/
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for container in pod
        .containers()
        .filter(|c| c.kind != ContainerKind::Ephemeral)
    {
        let resources = container.field("resources");
        let requests = resources.and_then(|(_, r)| r.entry("requests"));
        let limits = resources.and_then(|(_, r)| r.get("limits"));
        let missing: Vec<&str> = ["cpu", "memory"]
            .into_iter()
            .filter(|resource| {
                !has_quantity(requests.map(|(_, v)| v), resource) && !has_quantity(limits, resource)
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        let span = requests
            .or(resources)
            .map(|(key, _)| key.span)
            .unwrap_or_else(|| container.anchor_span());
        out.report(
            &META,
            span,
            format!(
                "{} has no {} request",
                container.describe(),
                missing.join(" or ")
            ),
        );
    }
}
