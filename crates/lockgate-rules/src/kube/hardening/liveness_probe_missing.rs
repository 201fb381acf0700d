//! KUBE-029 liveness-probe-missing: a long-running container has no liveness probe.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::report_missing_probe;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-029",
    name: "liveness-probe-missing",
    title: "Container has no liveness probe",
    severity: Severity::Low,
    applies_to: &["workloads"],
    frameworks: &["k8s:best-practices", "mitre:T1499"],
    fix: "Add a `livenessProbe` that checks the process itself (an HTTP health endpoint, a TCP port or a cheap command).",
    docs: r#"## What it checks
Every application container (not init or ephemeral containers) without a
`livenessProbe`, in pods meant to run continuously. Jobs, CronJobs and pods with
`restartPolicy: Never` or `OnFailure` are skipped: they are expected to finish.

## Why it matters
Kubernetes restarts a container when its process exits, but not when it hangs: a
deadlock, an exhausted thread pool or a request that wedges the event loop leaves a
running process that serves nothing. A liveness probe lets the kubelet detect that and
restart the container, so an outage caused by a bug or by a deliberate
resource-exhaustion request (MITRE T1499, Endpoint Denial of Service) heals itself
instead of waiting for a human.

Probe the process itself, not its dependencies: a liveness probe that fails when the
database is down restarts every replica at once and turns a degraded service into an
outage. Give slow starters a `startupProbe` rather than a long `initialDelaySeconds`.

## Example
```yaml
containers:
- name: api
  image: registry.example.com/api:2.0.1
  ports:
  - containerPort: 8080
```

## Fix
```yaml
containers:
- name: api
  image: registry.example.com/api:2.0.1
  ports:
  - containerPort: 8080
  livenessProbe:
    httpGet: {path: /livez, port: 8080}
    periodSeconds: 10
    failureThreshold: 3
```

## References
- https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    report_missing_probe(pod, "livenessProbe", "liveness probe", &META, out);
}
