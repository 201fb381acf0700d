//! KUBE-030 readiness-probe-missing: a long-running container has no readiness probe.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::report_missing_probe;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-030",
    name: "readiness-probe-missing",
    title: "Container has no readiness probe",
    severity: Severity::Low,
    applies_to: &["workloads"],
    frameworks: &["k8s:best-practices", "mitre:T1499"],
    fix: "Add a `readinessProbe` that succeeds only when the container can serve requests.",
    docs: r#"## What it checks
Every application container (not init or ephemeral containers) without a
`readinessProbe`, in pods meant to run continuously. Jobs, CronJobs and pods with
`restartPolicy: Never` or `OnFailure` are skipped: they are expected to finish.

## Why it matters
Without a readiness probe a pod counts as ready, and joins its Services' endpoints, as
soon as its containers start, before the application has loaded its configuration,
warmed its caches or opened its port. Clients get errors during every rollout and
restart, and a replica that is overloaded or has lost a dependency keeps receiving
traffic it cannot serve. Rolling updates also rely on readiness: without it a Deployment
replaces working pods with new ones that run but cannot serve, as fast as it can start
them. Readiness keeps a
degraded or attacked replica (MITRE T1499, Endpoint Denial of Service) out of rotation
until it recovers, instead of letting it fail requests.

## Example
```yaml
containers:
- name: api
  image: registry.example.com/api:2.0.1
```

## Fix
```yaml
containers:
- name: api
  image: registry.example.com/api:2.0.1
  readinessProbe:
    httpGet: {path: /readyz, port: 8080}
    periodSeconds: 5
```

## References
- https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    report_missing_probe(pod, "readinessProbe", "readiness probe", &META, out);
}
