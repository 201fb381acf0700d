//! KUBE-050 service-node-port: a Service opens a port on every node.

use lockgate_kube::KubeObject;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-050",
    name: "service-node-port",
    title: "Service exposed on every node's IP (NodePort)",
    severity: Severity::Medium,
    applies_to: &["Service"],
    frameworks: &["nsa:network-separation", "mitre:T1133"],
    fix: "Use a ClusterIP Service and publish it through an Ingress or Gateway (or a LoadBalancer restricted with `loadBalancerSourceRanges`); if a node port is required, firewall the node-port range to known clients.",
    docs: r#"## What it checks
A `Service` with `spec.type: NodePort`. The finding points at `type` and names the node
ports the Service pins (`ports[].nodePort`), or says that they are allocated from the
node-port range (30000-32767 by default).

## Why it matters
A NodePort Service listens on the given port of every node in the cluster, on every node
address, whether or not the node runs one of the Service's pods. The port bypasses the
Ingress controller and with it TLS, authentication, rate limiting and any WAF. With the
default `externalTrafficPolicy: Cluster`, kube-proxy also rewrites the client's source
address, so NetworkPolicy `ipBlock` rules cannot tell outside clients apart. Where nodes
have public addresses or a permissive firewall, a NodePort is an internet-facing service
nobody designed as one.

## Example
```yaml
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
    nodePort: 30080
```

## Fix
```yaml
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: ClusterIP
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
```
and expose HTTP through an Ingress or Gateway with TLS. If a node port is really needed
(bare-metal load balancer, on-premises appliance), restrict the node-port range at the
node or cloud firewall to the clients that need it, set kube-proxy's
`--nodeport-addresses` to the internal interface, and waive this finding with a reason.

## References
- https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
- https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types
- https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/
- MITRE ATT&CK T1133 External Remote Services
"#,
};

pub(crate) fn check(_: &Context<'_>, object: &KubeObject, out: &mut Sink) {
    if object.kind != "Service" || !object.group().is_empty() {
        return;
    }
    let Some((key, service_type)) = object.root.get("spec").and_then(|s| s.entry("type")) else {
        return;
    };
    if service_type.as_str() != Some("NodePort") {
        return;
    }
    let pinned: Vec<String> = object
        .root
        .path(&["spec", "ports"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|port| port.get("nodePort").and_then(Node::scalar_text))
        .collect();
    let ports = match pinned.len() {
        0 => "a port from the node-port range".to_string(),
        1 => format!("node port {}", pinned.join("")),
        _ => format!("node ports {}", pinned.join(", ")),
    };
    out.report(
        &META,
        key.span,
        format!("NodePort Service opens {ports} on every node of the cluster"),
    );
}
