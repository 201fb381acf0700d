//! The list of built-in rules. Registering a rule is one line in its group's `RULES`.

use lockgate_kube::{KubeObject, PodSpecView};
use lockgate_model::RuleMeta;

use crate::{Context, Sink};

/// How a rule looks at an object.
#[derive(Clone, Copy)]
pub enum Check {
    /// Any object (Services, Secrets, labels, ...).
    Object(fn(&Context<'_>, &KubeObject, &mut Sink)),
    /// The pod spec of any workload kind; only called for objects that have one.
    Pod(fn(&Context<'_>, &PodSpecView<'_>, &mut Sink)),
}

/// A built-in rule: its metadata and its check.
#[derive(Clone, Copy)]
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: Check,
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("id", &self.meta.id).finish()
    }
}

/// Every built-in Kubernetes rule, in ID order.
pub fn rules() -> &'static [Rule] {
    crate::kube::rules()
}

/// The metadata of every built-in rule: Kubernetes, Dockerfile, image, engine and
/// package rules (not the secret catalog).
pub fn all_rules() -> impl Iterator<Item = &'static RuleMeta> {
    rules()
        .iter()
        .map(|r| r.meta)
        .chain(crate::docker_rules().iter().map(|r| r.meta))
        .chain(crate::image_rules().iter().map(|r| r.meta))
        .chain(crate::engine_rules::ALL.iter().copied())
        .chain(crate::package_rules::ALL.iter().copied())
}

/// Looks a rule up by ID (`KUBE-003`) or name (`privileged-container`), case-insensitively.
pub fn find_rule(id_or_name: &str) -> Option<&'static RuleMeta> {
    all_rules()
        .find(|m| m.id.eq_ignore_ascii_case(id_or_name) || m.name.eq_ignore_ascii_case(id_or_name))
}
