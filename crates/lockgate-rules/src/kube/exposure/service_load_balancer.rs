//! KUBE-051 service-load-balancer: a Service asks the cloud for an external load balancer.

use lockgate_kube::KubeObject;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::{Context, Sink};

/// Annotations that ask the common cloud providers for an internal load balancer.
const INTERNAL_ANNOTATIONS: &[(&str, &str)] = &[
    (
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "true",
    ),
    (
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    (
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
    ("networking.gke.io/load-balancer-type", "Internal"),
    ("cloud.google.com/load-balancer-type", "Internal"),
    (
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        "true",
    ),
];

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-051",
    name: "service-load-balancer",
    title: "Service exposed through a cloud load balancer",
    severity: Severity::Medium,
    applies_to: &["Service"],
    frameworks: &["nsa:network-separation", "mitre:T1133"],
    fix: "Prefer a ClusterIP Service behind an Ingress or Gateway; if the load balancer is needed, restrict it with `spec.loadBalancerSourceRanges` (or make it internal) and waive this finding with a reason.",
    docs: r#"## What it checks
A `Service` with `spec.type: LoadBalancer`. It fires whether or not the Service sets
`loadBalancerSourceRanges` or an internal-load-balancer annotation: the message says
which, so a reviewer can tell a deliberate, narrowed exposure from an accidental one and
waive it with a reason.

## Why it matters
On most clouds a LoadBalancer Service provisions a load balancer with a public address
that accepts traffic from `0.0.0.0/0` on every Service port. The traffic reaches the
pods directly, without the TLS, authentication, rate limiting or WAF an Ingress or
Gateway would apply, and each Service gets its own address to scan. Unless
`allocateLoadBalancerNodePorts: false` is set, the Service also opens node ports on
every node, just like a NodePort Service.

## Example
```yaml
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  type: LoadBalancer
  selector: {app: postgres}
  ports:
  - port: 5432
```

## Fix
Keep internal services `ClusterIP`, and route HTTP through an Ingress or Gateway. When a
load balancer is needed, narrow it:
```yaml
apiVersion: v1
kind: Service
metadata:
  name: db
  annotations:
    networking.gke.io/load-balancer-type: Internal   # or the provider's equivalent
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [10.20.0.0/16]
  selector: {app: postgres}
  ports:
  - port: 5432
```
`loadBalancerSourceRanges` is enforced by the cloud provider's firewall or security
groups (where supported), not by Kubernetes, so check that your provider honours it.

## References
- https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer
- https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/
- https://kubernetes.io/docs/concepts/services-networking/service/#internal-load-balancer
- MITRE ATT&CK T1133 External Remote Services
"#,
};

pub(crate) fn check(_: &Context<'_>, object: &KubeObject, out: &mut Sink) {
    if object.kind != "Service" || !object.group().is_empty() {
        return;
    }
    let Some(spec) = object.root.get("spec") else {
        return;
    };
    let Some((key, service_type)) = spec.entry("type") else {
        return;
    };
    if service_type.as_str() != Some("LoadBalancer") {
        return;
    }
    let ranges = spec
        .get("loadBalancerSourceRanges")
        .map(Node::items)
        .unwrap_or_default()
        .len();
    let internal = object.annotations().is_some_and(|annotations| {
        INTERNAL_ANNOTATIONS.iter().any(|(name, wanted)| {
            annotations
                .get(name)
                .and_then(Node::scalar_text)
                .is_some_and(|v| v.eq_ignore_ascii_case(wanted))
        })
    });
    let reach = match (internal, ranges) {
        (true, 0) => "an internal load balancer".to_string(),
        (true, n) => format!("an internal load balancer restricted to {n} source range(s)"),
        (false, 0) => "a load balancer open to any source address".to_string(),
        (false, n) => format!("a load balancer restricted to {n} source range(s)"),
    };
    out.report(
        &META,
        key.span,
        format!("LoadBalancer Service is exposed through {reach}"),
    );
}
