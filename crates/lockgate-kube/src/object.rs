//! A Kubernetes object: a spanned document with its identity read once.

use lockgate_model::{ObjectRef, Span};
use lockgate_syntax::{Mapping, Node, Value};

use crate::PodSpecView;

/// Why a document is not an object the rules can judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectError {
    /// Not a mapping with `kind`: some other YAML file (CI config, values file, ...).
    /// Not an error for the user; such documents are counted and skipped.
    NotKubernetes,
    /// Looks like an object but is malformed (e.g. `kind` without `apiVersion`).
    Malformed { message: String, span: Span },
}

/// A spanned Kubernetes object.
#[derive(Debug, Clone)]
pub struct KubeObject {
    pub root: Node,
    pub api_version: String,
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// Index of the document in its stream (0-based).
    pub document: usize,
}

impl KubeObject {
    /// Reads an object's identity; documents without `kind` are [`ObjectError::NotKubernetes`].
    pub fn from_node(root: Node, document: usize) -> Result<KubeObject, ObjectError> {
        let Some(map) = root.as_map() else {
            return Err(ObjectError::NotKubernetes);
        };
        let Some((kind_key, kind_value)) = map.entry("kind") else {
            return Err(ObjectError::NotKubernetes);
        };
        let Some(kind) = kind_value.as_str().filter(|k| !k.is_empty()) else {
            return Err(ObjectError::Malformed {
                message: "`kind` must be a non-empty string".into(),
                span: kind_key.span,
            });
        };
        let api_version = match map.entry("apiVersion") {
            Some((_, value)) => match value.as_str().filter(|v| !v.is_empty()) {
                Some(v) => v.to_string(),
                None => {
                    return Err(ObjectError::Malformed {
                        message: format!("{kind}: `apiVersion` must be a non-empty string"),
                        span: value.span,
                    });
                }
            },
            None => {
                return Err(ObjectError::Malformed {
                    message: format!("{kind} object has no `apiVersion`"),
                    span: kind_key.span,
                });
            }
        };
        let metadata = map.get("metadata");
        let text_at = |key: &str| {
            metadata
                .and_then(|m| m.get(key))
                .and_then(Node::scalar_text)
                .filter(|s| !s.is_empty())
        };
        Ok(KubeObject {
            kind: kind.to_string(),
            api_version,
            name: text_at("name").or_else(|| text_at("generateName")),
            namespace: text_at("namespace"),
            document,
            root,
        })
    }

    pub fn identity(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    pub fn metadata(&self) -> Option<&Node> {
        self.root.get("metadata")
    }

    pub fn labels(&self) -> Option<&Mapping> {
        self.metadata()?.get("labels")?.as_map()
    }

    pub fn annotations(&self) -> Option<&Mapping> {
        self.metadata()?.get("annotations")?.as_map()
    }

    /// The API group without version (`apps` for `apps/v1`, empty for the core group).
    pub fn group(&self) -> &str {
        match self.api_version.rsplit_once('/') {
            Some((group, _)) => group,
            None => "",
        }
    }

    /// Where object-level findings point: `metadata.name`, else `kind`.
    pub fn anchor_span(&self) -> Span {
        self.metadata()
            .and_then(|m| m.entry("name").or_else(|| m.entry("generateName")))
            .or_else(|| self.root.entry("kind"))
            .map(|(key, _)| key.span)
            .unwrap_or(self.root.span)
    }

    /// The pod spec of a Pod, of any workload template, or of any object carrying a pod
    /// template under `spec.template`.
    pub fn pod_spec(&self) -> Option<PodSpecView<'_>> {
        PodSpecView::of(self)
    }
}

/// Whether a document is a `List` (or `*List`) whose items are objects of their own.
fn is_list(root: &Node) -> bool {
    root.get("kind")
        .and_then(Node::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && matches!(root.get("items").map(|i| &i.value), Some(Value::Seq(_)))
}

/// Whether [`objects_from_document`] turns a document into exactly one object (not a
/// List, not malformed, not some other YAML), so the object stands for the document.
pub fn is_single_object(root: &Node) -> bool {
    let text = |key: &str| {
        root.get(key)
            .and_then(Node::as_str)
            .is_some_and(|t| !t.is_empty())
    };
    !is_list(root) && text("kind") && text("apiVersion")
}

/// Turns a document into objects, expanding `kind: List` (and `*List`) items.
pub fn objects_from_document(root: Node, document: usize) -> Vec<Result<KubeObject, ObjectError>> {
    if !is_list(&root) {
        return vec![KubeObject::from_node(root, document)];
    }
    let Value::Map(mut map) = root.value else {
        return vec![Err(ObjectError::NotKubernetes)];
    };
    let Some(position) = map
        .entries
        .iter()
        .position(|(k, _)| k.as_str() == Some("items"))
    else {
        return Vec::new();
    };
    let (_, items) = map.entries.swap_remove(position);
    match items.value {
        Value::Seq(items) => items
            .into_iter()
            // An empty entry (`- null`, `- ~`) is nothing to check, not an error.
            .filter(|item| !item.is_null())
            .map(|item| {
                let span = item.span;
                match KubeObject::from_node(item, document) {
                    // Inside a List, every item must be an object.
                    Err(ObjectError::NotKubernetes) => Err(ObjectError::Malformed {
                        message: "List item is not a Kubernetes object (no `kind`)".into(),
                        span,
                    }),
                    other => other,
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Built-in kinds that are not namespaced; they never belong to a namespace.
const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ClusterTrustBundle",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// Whether a built-in kind is cluster-scoped (not namespaced). Unknown kinds, such as
/// custom resources, count as namespaced.
pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED_KINDS.contains(&kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockgate_syntax::{Limits, parse_stream};

    #[test]
    fn a_single_object_is_a_document_that_is_itself_one_object() {
        // (document, is it a single object); a List is not, even with one item.
        let documents = [
            ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", true),
            (
                "apiVersion: v1\nkind: ConfigList\nitems: not-a-list\n",
                true,
            ),
            (
                "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Pod}]\n",
                false,
            ),
            ("apiVersion: v1\nkind: PodList\nitems: []\n", false),
            ("kind: Pod\n", false),
            ("apiVersion: v1\nkind: ''\n", false),
            ("name: values\n", false),
            ("[1, 2]\n", false),
        ];
        for (text, expected) in documents {
            let document = parse_stream(text, Limits::default()).documents.remove(0);
            assert_eq!(is_single_object(&document), expected, "{text}");
            if expected {
                let produced = objects_from_document(document, 0);
                assert!(produced.len() == 1 && produced[0].is_ok(), "{text}");
            }
        }
    }

    fn objects(text: &str) -> Vec<Result<KubeObject, ObjectError>> {
        parse_stream(text, Limits::default())
            .documents
            .into_iter()
            .enumerate()
            .flat_map(|(i, d)| objects_from_document(d, i))
            .collect()
    }

    #[test]
    fn identity_is_read_from_metadata() {
        let objs = objects(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n",
        );
        let obj = objs[0].as_ref().unwrap();
        assert_eq!(obj.identity().display_id(), "Deployment/shop/web");
        assert_eq!(obj.group(), "apps");
        assert_eq!(obj.anchor_span().line, 3);
    }

    #[test]
    fn lists_expand_into_items() {
        let objs = objects(
            "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Service, metadata: {name: b}}\n",
        );
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[1].as_ref().unwrap().kind, "Service");
    }

    #[test]
    fn other_yaml_is_not_kubernetes_and_kind_without_api_version_is_malformed() {
        assert_eq!(
            objects("foo: bar\n")[0].as_ref().err(),
            Some(&ObjectError::NotKubernetes)
        );
        assert!(matches!(
            objects("kind: Pod\n")[0],
            Err(ObjectError::Malformed { .. })
        ));
    }
}
