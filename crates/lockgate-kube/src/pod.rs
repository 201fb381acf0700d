//! Pod specs of every workload kind, and their containers.
//!
//! Rules target [`PodSpecView`], never a particular kind, so one rule covers a Pod, a
//! Deployment's template, a CronJob's job template and any custom resource that embeds a
//! pod template under `spec.template`.

use lockgate_model::Span;
use lockgate_syntax::Node;

use crate::KubeObject;

/// Where the pod spec lives in each built-in workload kind.
const TEMPLATE_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "ReplicationController",
];

/// The pod spec of an object and the metadata that applies to its pods.
#[derive(Debug, Clone, Copy)]
pub struct PodSpecView<'a> {
    pub object: &'a KubeObject,
    /// The `spec` mapping of the pod (or pod template).
    pub spec: &'a Node,
    /// The pods' metadata: the Pod's own, or the template's.
    pub pod_metadata: Option<&'a Node>,
}

impl<'a> PodSpecView<'a> {
    pub(crate) fn of(object: &'a KubeObject) -> Option<PodSpecView<'a>> {
        let root = &object.root;
        let (spec, pod_metadata) = match object.kind.as_str() {
            "Pod" => (root.get("spec")?, root.get("metadata")),
            "PodTemplate" => {
                let template = root.get("template")?;
                (template.get("spec")?, template.get("metadata"))
            }
            "CronJob" => {
                let template = root.path(&["spec", "jobTemplate", "spec", "template"])?;
                (template.get("spec")?, template.get("metadata"))
            }
            kind => {
                let template = root.path(&["spec", "template"])?;
                let spec = template.get("spec")?;
                // Any other kind counts as a workload only when its template really is a
                // pod template.
                if !TEMPLATE_KINDS.contains(&kind) && spec.get("containers").is_none() {
                    return None;
                }
                (spec, template.get("metadata"))
            }
        };
        spec.as_map()?;
        Some(PodSpecView {
            object,
            spec,
            pod_metadata,
        })
    }

    /// Every container: regular, init and ephemeral, in that order.
    pub fn containers(&self) -> impl Iterator<Item = ContainerView<'a>> + 'a {
        let pod = *self;
        [
            ("containers", ContainerKind::Regular),
            ("initContainers", ContainerKind::Init),
            ("ephemeralContainers", ContainerKind::Ephemeral),
        ]
        .into_iter()
        .flat_map(move |(field, kind)| {
            pod.spec
                .get(field)
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter(|node| node.as_map().is_some())
                .map(move |node| ContainerView { node, kind, pod })
        })
    }

    /// Only the long-running application containers (not init or ephemeral).
    pub fn app_containers(&self) -> impl Iterator<Item = ContainerView<'a>> + 'a {
        self.containers()
            .filter(|c| c.kind == ContainerKind::Regular)
    }

    /// `(key, value)` of a pod-level field.
    pub fn field(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.spec.entry(key)
    }

    /// `(key, value)` of a pod-level `securityContext` field.
    pub fn security_context(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.spec.get("securityContext")?.entry(key)
    }

    /// A pod annotation (from the Pod or its template).
    pub fn annotation(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.pod_metadata?.get("annotations")?.entry(key)
    }

    pub fn pod_annotations(&self) -> impl Iterator<Item = (&'a Node, &'a Node)> + 'a {
        self.pod_metadata
            .and_then(|m| m.get("annotations"))
            .and_then(Node::as_map)
            .into_iter()
            .flat_map(|m| m.iter())
    }

    /// Volumes declared by the pod.
    pub fn volumes(&self) -> &'a [Node] {
        self.spec
            .get("volumes")
            .map(Node::items)
            .unwrap_or_default()
    }

    /// Where pod-level "missing field" findings point: the `spec` key of the pod
    /// (template), else the object's name.
    pub fn anchor_span(&self) -> Span {
        self.object.anchor_span()
    }

    /// Whether the pods are meant to run to completion (Jobs, CronJobs, `restartPolicy: Never/OnFailure` Pods).
    pub fn is_batch(&self) -> bool {
        matches!(self.object.kind.as_str(), "Job" | "CronJob")
            || self
                .spec
                .get("restartPolicy")
                .and_then(Node::as_str)
                .is_some_and(|p| p != "Always")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Regular,
    Init,
    Ephemeral,
}

impl ContainerKind {
    /// The field the container is listed under.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Regular => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    /// How messages name it: `container`, `init container`, `ephemeral container`.
    pub fn noun(self) -> &'static str {
        match self {
            ContainerKind::Regular => "container",
            ContainerKind::Init => "init container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

/// A value from a container's `securityContext`, or inherited from the pod's.
#[derive(Debug, Clone, Copy)]
pub struct Effective<'a> {
    pub key: &'a Node,
    pub value: &'a Node,
    pub from_pod: bool,
}

/// One container of a pod spec.
#[derive(Debug, Clone, Copy)]
pub struct ContainerView<'a> {
    pub node: &'a Node,
    pub kind: ContainerKind,
    pub pod: PodSpecView<'a>,
}

impl<'a> ContainerView<'a> {
    pub fn name(&self) -> &'a str {
        self.node
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("<unnamed>")
    }

    /// `container `app``, `init container `setup``: how messages refer to it.
    pub fn describe(&self) -> String {
        format!("{} `{}`", self.kind.noun(), self.name())
    }

    pub fn field(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.node.entry(key)
    }

    /// The image string and its node.
    pub fn image(&self) -> Option<(&'a Node, &'a str)> {
        let (key, value) = self.node.entry("image")?;
        Some((key, value.as_str()?))
    }

    /// `(key, value)` of the container's own `securityContext` field.
    pub fn security_context(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        self.node.get("securityContext")?.entry(key)
    }

    /// The container's `securityContext` field, falling back to the pod's for the
    /// fields Kubernetes inherits (runAsUser, runAsNonRoot, seccompProfile, ...).
    pub fn effective(&self, key: &str) -> Option<Effective<'a>> {
        if let Some((key, value)) = self.security_context(key)
            && !value.is_null()
        {
            return Some(Effective {
                key,
                value,
                from_pod: false,
            });
        }
        let (key, value) = self.pod.security_context(key)?;
        (!value.is_null()).then_some(Effective {
            key,
            value,
            from_pod: true,
        })
    }

    /// Where "missing field" findings for this container point: its `name` key, else the
    /// start of the container entry.
    pub fn anchor_span(&self) -> Span {
        self.node
            .entry("name")
            .map(|(key, _)| key.span)
            .unwrap_or(self.node.span)
    }

    /// Span for "this securityContext field is missing": the container's
    /// `securityContext` key when it has one, else its name.
    pub fn security_context_anchor(&self) -> Span {
        self.node
            .entry("securityContext")
            .map(|(key, _)| key.span)
            .unwrap_or_else(|| self.anchor_span())
    }
}

#[cfg(test)]
mod tests {
    use crate::objects_from_document;
    use lockgate_syntax::{Limits, parse_stream};

    fn first(text: &str) -> crate::KubeObject {
        let doc = parse_stream(text, Limits::default()).documents.remove(0);
        objects_from_document(doc, 0).remove(0).unwrap()
    }

    #[test]
    fn cronjob_pod_spec_and_all_container_kinds_are_found() {
        let obj = first(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          initContainers: [{name: init}]\n          containers: [{name: app}]\n",
        );
        let pod = obj.pod_spec().unwrap();
        let names: Vec<_> = pod.containers().map(|c| c.describe()).collect();
        assert_eq!(names, ["container `app`", "init container `init`"]);
        assert!(pod.is_batch());
    }

    #[test]
    fn container_settings_override_pod_settings() {
        let obj = first(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true, runAsUser: 1000}\n  containers:\n  - name: app\n    securityContext: {runAsUser: 0}\n",
        );
        let pod = obj.pod_spec().unwrap();
        let app = pod.containers().next().unwrap();
        let user = app.effective("runAsUser").unwrap();
        assert_eq!((user.value.as_i64(), user.from_pod), (Some(0), false));
        assert!(app.effective("runAsNonRoot").unwrap().from_pod);
    }

    #[test]
    fn custom_resources_with_pod_templates_are_workloads_and_others_are_not() {
        let rollout = first(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers: [{name: app}]\n",
        );
        assert!(rollout.pod_spec().is_some());
        let other = first(
            "apiVersion: x/v1\nkind: Thing\nmetadata: {name: t}\nspec:\n  template:\n    spec: {a: 1}\n",
        );
        assert!(other.pod_spec().is_none());
    }
}
