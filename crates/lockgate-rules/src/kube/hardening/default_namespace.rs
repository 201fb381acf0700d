//! KUBE-025 default-namespace: a namespaced object is placed in the `default` namespace.

use lockgate_kube::KubeObject;
use lockgate_model::{RuleMeta, Severity};

use crate::{Context, Sink};

pub(crate) static META: RuleMeta = RuleMeta {
    id: "KUBE-025",
    name: "default-namespace",
    title: "Object is placed in the default namespace",
    severity: Severity::Low,
    applies_to: &["namespaced objects"],
    frameworks: &["cis:5.7.4", "cis:5.7.1", "nsa:namespaces"],
    fix: "Set `metadata.namespace` to a namespace created for the application (with its own RBAC, quotas and NetworkPolicies).",
    docs: r#"## What it checks
Namespaced objects with `metadata.namespace: default`. With the `require-namespace`
setting, objects that set no namespace at all are reported too, since they land wherever
the deploying context points, which is `default` unless someone changed it. Built-in
cluster-scoped kinds (Namespace, Node, ClusterRole, ClusterRoleBinding, PersistentVolume,
StorageClass, CustomResourceDefinition, PriorityClass, RuntimeClass, webhook
configurations, APIService, IngressClass, CSIDriver, VolumeAttachment and the like) are
skipped, and so are the objects Kubernetes itself keeps in `default`: the `default`
ServiceAccount and the `kubernetes` Service.

## Why it matters
Namespaces are the unit Kubernetes scopes security by: RBAC RoleBindings, ResourceQuotas,
LimitRanges, NetworkPolicies and Pod Security admission labels all apply per namespace.
The `default` namespace exists in every cluster, usually has none of these, and is where
anything deployed without thinking ends up, so workloads there share a space with
strangers and with whatever permissions anyone ever granted in it. Separate namespaces
per application or team let each get exactly the policies it needs (CIS 5.7.1, 5.7.4).

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
```

## Fix
```yaml
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: restricted
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
```

## References
- https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
- https://kubernetes.io/docs/concepts/security/multi-tenancy/
- CIS Kubernetes Benchmark 5.7.1, 5.7.4
"#,
};

/// The objects Kubernetes itself creates in `default`: its `default` ServiceAccount and
/// the `kubernetes` Service. They belong there; exports of a cluster often include them.
fn is_built_in_default_object(object: &KubeObject) -> bool {
    matches!(object.namespace.as_deref(), None | Some("default"))
        && matches!(
            (object.kind.as_str(), object.name.as_deref()),
            ("ServiceAccount", Some("default")) | ("Service", Some("kubernetes"))
        )
}

pub(crate) fn check(context: &Context<'_>, object: &KubeObject, out: &mut Sink) {
    if lockgate_kube::is_cluster_scoped(&object.kind) || is_built_in_default_object(object) {
        return;
    }
    match object.namespace.as_deref() {
        Some("default") => {
            let span = object
                .metadata()
                .and_then(|m| m.entry("namespace"))
                .map(|(key, _)| key.span)
                .unwrap_or_else(|| object.anchor_span());
            out.report(
                &META,
                span,
                format!("{} is placed in the `default` namespace", object.kind),
            );
        }
        Some(_) => {}
        None if context.settings.require_namespace => out.report(
            &META,
            object.anchor_span(),
            format!(
                "{} sets no namespace, so it lands in the deploying context's namespace (usually `default`)",
                object.kind
            ),
        ),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use lockgate_kube::objects_from_document;
    use lockgate_syntax::{Limits, parse_stream};

    use crate::{Context, Settings, Sink};

    fn fires(text: &str) -> bool {
        let settings = Settings {
            require_namespace: true,
            ..Settings::default()
        };
        let document = parse_stream(text, Limits::default()).documents.remove(0);
        let object = objects_from_document(document, 0).remove(0).unwrap();
        let mut sink = Sink::new();
        super::check(
            &Context {
                settings: &settings,
                dockerignore: None,
            },
            &object,
            &mut sink,
        );
        !sink.hits().is_empty()
    }

    #[test]
    fn objects_kubernetes_keeps_in_default_are_exempt() {
        assert!(!fires(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: default}\n"
        ));
        assert!(!fires(
            "apiVersion: v1\nkind: Service\nmetadata: {name: kubernetes}\n"
        ));
        assert!(fires(
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n"
        ));
    }
}
