//! KUBE-012 restricted-volume-type: the pod uses a volume type outside the restricted
//! profile's allow-list.

use lockgate_kube::PodSpecView;
use lockgate_model::{RuleMeta, Severity};
use lockgate_syntax::Node;

use crate::{Context, Sink};

/// The volume sources the restricted profile allows.
const ALLOWED_SOURCES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-012",
    name: "restricted-volume-type",
    title: "Pod uses a volume type the restricted profile forbids",
    severity: Severity::Medium,
    applies_to: &["workloads"],
    frameworks: &["pss:restricted/volume-types", "nsa:pod-security"],
    fix: "Use a configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret volume; reach other storage through a PersistentVolumeClaim.",
    docs: r#"## What it checks
Every entry of `spec.volumes` whose source is not one of `configMap`, `csi`,
`downwardAPI`, `emptyDir`, `ephemeral`, `persistentVolumeClaim`, `projected` or `secret`.
That covers `hostPath` (also reported by KUBE-005) and the in-tree network and cloud
volume types: `nfs`, `iscsi`, `rbd`, `cephfs`, `glusterfs`, `flexVolume`, `gitRepo`,
`awsElasticBlockStore`, `gcePersistentDisk`, `azureDisk`, and the rest.

## Why it matters
The allowed types are the ones whose access the cluster controls: storage is claimed
through a PersistentVolumeClaim (so an administrator decides what a PersistentVolume may
point at) and everything else is ephemeral or comes from the API server. A pod that names
an NFS export, an iSCSI target or a cloud disk directly decides on its own which storage
the node mounts, with the node's credentials, and bypasses the storage classes and
access modes an administrator set up. `flexVolume` runs a driver binary on the node as
root, and `gitRepo` has had command-injection vulnerabilities in the kubelet
(CVE-2018-11235, CVE-2024-10220).

## Example
```yaml
volumes:
- name: shared
  nfs:
    server: nfs.example.com
    path: /exports/data
```

## Fix
```yaml
volumes:
- name: shared
  persistentVolumeClaim:
    claimName: shared-data   # bound to an administrator-defined NFS PersistentVolume
```
Replace `gitRepo` with an init container that clones into an `emptyDir`.

## References
- https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
- https://kubernetes.io/docs/concepts/storage/volumes/
"#,
};

pub(crate) fn check(_: &Context<'_>, pod: &PodSpecView<'_>, out: &mut Sink) {
    for volume in pod.volumes() {
        let Some(fields) = volume.as_map() else {
            continue;
        };
        let name = volume
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("<unnamed>");
        for (key, value) in fields.iter() {
            let Some(source) = key.as_str() else { continue };
            if source == "name" || value.is_null() || ALLOWED_SOURCES.contains(&source) {
                continue;
            }
            out.report(
                &META,
                key.span,
                format!(
                    "volume `{name}` is of type `{source}`, which the restricted profile does not allow"
                ),
            );
        }
    }
}
