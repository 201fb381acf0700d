//! KUBE-005 hostpath-volume: the pod mounts a directory of the node.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-005",
    name: "hostpath-volume",
    title: "Pod mounts a hostPath volume",
    severity: Severity::High,
    applies_to: &["workloads"],
    frameworks: &[
        "pss:baseline/hostpath-volumes",
        "cis:5.2.12",
        "nsa:pod-security",
        "mitre:T1611",
    ],
    fix: "Replace the hostPath volume with an emptyDir, a ConfigMap/Secret, or a PersistentVolumeClaim.",
    docs: r#"## What it checks
Any entry of `spec.volumes` with a `hostPath` source.

## Why it matters
A hostPath volume exposes the node's file system to the container. Writable mounts of
`/`, `/etc`, `/var/lib/kubelet` or the container runtime's socket are direct routes to
node takeover, and even read-only mounts leak credentials and other tenants' data.

## Example
```yaml
volumes:
- name: docker
  hostPath:
    path: /var/run/docker.sock
```

## Fix
Use `emptyDir` for scratch space, `configMap`/`secret`/`projected` for configuration and
a `persistentVolumeClaim` for data. Node agents that truly need host paths belong in a
reviewed, exempted namespace.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
- https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for volume in pod.volumes() {
        if let Some((key, source)) = volume.entry("hostPath") {
            let name = volume
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("<unnamed>");
            let path = source.get("path").and_then(Node::as_str).unwrap_or("?");
            out.report(
                &META,
                key.span,
                format!("volume `{name}` mounts the node's path `{path}`"),
            );
        }
    }
}
