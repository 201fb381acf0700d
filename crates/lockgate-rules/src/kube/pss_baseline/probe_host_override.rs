//! KUBE-019 probe-host-override: a probe or lifecycle hook targets another host.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};

use crate::kube::common::probe_and_hook_handlers;
use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-019",
    name: "probe-host-override",
    title: "Probe or lifecycle hook targets another host",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:baseline/host-probes-lifecycle-hooks",
        "nsa:network-separation",
        "mitre:T1557",
    ],
    fix: "Remove the `host` field from the probe or hook so it targets the pod itself.",
    docs: r#"## What it checks
A `host` field in the `httpGet` or `tcpSocket` handler of a liveness, readiness or startup
probe, or of a postStart/preStop lifecycle hook.

## Why it matters
The kubelet runs probes and hooks from the node. A `host` lets a pod's author make the
kubelet send requests to any address the node can reach (for example cloud metadata
endpoints or other nodes' services): a server-side request forgery on behalf of the node.

## Example
```yaml
livenessProbe:
  httpGet:
    host: 169.254.169.254
    path: /latest/meta-data/
    port: 80
```

## Fix
Remove `host`; the kubelet then probes the pod's own IP.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for container in pod.containers() {
        for (what, handler) in probe_and_hook_handlers(&container) {
            for action in ["httpGet", "tcpSocket"] {
                if let Some((key, host)) = handler.get(action).and_then(|a| a.entry("host"))
                    && host.scalar_text().is_some_and(|h| !h.is_empty())
                {
                    out.report(
                        &META,
                        key.span,
                        format!(
                            "{} {what} targets host `{}`",
                            container.describe(),
                            host.scalar_text().unwrap_or_default()
                        ),
                    );
                }
            }
        }
    }
}
