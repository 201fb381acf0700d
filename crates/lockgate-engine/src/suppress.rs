//! Inline suppression: the annotation `lockgate.dev/ignore: "KUBE-003,KUBE-013 reason"`
//! on an object suppresses those rules' findings for that object.

use lockgate_kube::KubeObject;
use lockgate_model::Span;
use lockgate_rules::find_rule;

pub(crate) const ANNOTATION: &str = "lockgate.dev/ignore";

/// A valid suppression read from an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Suppression {
    pub rule_ids: Vec<String>,
    pub reason: String,
}

/// Reads the annotation. `Err` carries a message and the span for an
/// `invalid-suppression` finding; an invalid annotation suppresses nothing.
/// `policies` supplies the IDs of policy rules, which may be suppressed too.
pub(crate) fn read(
    object: &KubeObject,
    policies: Option<&lockgate_policy::PolicySet>,
) -> Option<Result<Suppression, (Span, String)>> {
    let (key, value) = object.annotations()?.entry(ANNOTATION)?;
    let text = value.as_str().unwrap_or_default().trim();
    let (ids, reason) = match text.split_once(char::is_whitespace) {
        Some((ids, reason)) => (ids, reason.trim()),
        None => (text, ""),
    };
    let mut rule_ids = Vec::new();
    for id in ids.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        match find_rule(id).or_else(|| policies.and_then(|p| p.find_rule(id))) {
            Some(rule) => rule_ids.push(rule.id.to_string()),
            None => {
                return Some(Err((
                    key.span,
                    format!("`{ANNOTATION}` names unknown rule `{id}`; nothing is suppressed"),
                )));
            }
        }
    }
    if rule_ids.is_empty() {
        return Some(Err((
            key.span,
            format!("`{ANNOTATION}` names no rule; write \"RULE-ID[,RULE-ID] reason\""),
        )));
    }
    if reason.is_empty() {
        return Some(Err((
            key.span,
            format!(
                "`{ANNOTATION}` for {} gives no reason; nothing is suppressed until one is written after the IDs",
                rule_ids.join(",")
            ),
        )));
    }
    Some(Ok(Suppression {
        rule_ids,
        reason: reason.to_string(),
    }))
}
