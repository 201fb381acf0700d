//! KUBE-032 replicas-out-of-bounds: a replicated workload's replica count is outside the
//! configured bounds.

use lockgate_kube::KubeObject;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

/// Kinds whose `spec.replicas` sets how many pods run (default 1).
const REPLICATED_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-032",
    name: "replicas-out-of-bounds",
    title: "Replica count outside the configured bounds",
    severity: Severity::Low,
    applies_to: &[
        "Deployment",
        "StatefulSet",
        "ReplicaSet",
        "ReplicationController",
    ],
    frameworks: &["k8s:best-practices", "mitre:T1499"],
    fix: "Set `spec.replicas` within the configured `min-replicas`..`max-replicas` range, or let a HorizontalPodAutoscaler with those bounds manage it.",
    docs: r#"## What it checks
Deployments, StatefulSets, ReplicaSets and ReplicationControllers whose `spec.replicas`
is below the `min-replicas` setting or above `max-replicas`. A missing `spec.replicas`
counts as 1, the Kubernetes default. The rule is silent while neither bound is set.

## Why it matters
A single replica is a single point of failure: a node drain, an eviction, a crash or a
request that kills the process (MITRE T1499, Endpoint Denial of Service) takes the
service down until a new pod is scheduled and ready, and a PodDisruptionBudget cannot
protect it. Too many replicas is the opposite mistake: a typo such as `replicas: 300`
exhausts the namespace's quota or the cluster's capacity and evicts other workloads.
Bounds per environment (for example at least 2 in production) catch both at review time.

A workload scaled by a HorizontalPodAutoscaler often omits `spec.replicas`; if the
autoscaler's `minReplicas` satisfies the bound, waive the finding with that reason.

## Example
```yaml
# lockgate.toml: [settings] min-replicas = 2
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
```

## Fix
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
```
Spread the replicas across nodes and zones with `topologySpreadConstraints` and protect
them with a PodDisruptionBudget.

## References
- https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#replicas
- https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
- https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/
"#,
};

pub(crate) fn check(context: &Context<'_>, object: &KubeObject, out: &mut Sink) {
    let (min, max) = (context.settings.min_replicas, context.settings.max_replicas);
    if (min.is_none() && max.is_none()) || !REPLICATED_KINDS.contains(&object.kind.as_str()) {
        return;
    }
    let (replicas, span, what) = match object.root.get("spec").and_then(|s| s.entry("replicas")) {
        Some((key, value)) => {
            // A templated or malformed value (`{{ .Values.replicas }}`) cannot be judged.
            let Some(count) = value.as_i64() else {
                return;
            };
            (
                count,
                key.span,
                format!("{} sets `replicas: {count}`", object.kind),
            )
        }
        None => (
            1,
            object.anchor_span(),
            format!("{} sets no replicas (so 1 by default)", object.kind),
        ),
    };
    if let Some(min) = min
        && replicas < min
    {
        out.report(&META, span, format!("{what}, below the minimum of {min}"));
    } else if let Some(max) = max
        && replicas > max
    {
        out.report(&META, span, format!("{what}, above the maximum of {max}"));
    }
}
