//! A Gatekeeper constraint's `spec.match`: which objects it applies to, by kind, scope,
//! namespace (with `*` prefix and suffix globs), name, and label and namespace selectors.
//!
//! A namespaced object whose manifest names no namespace may be applied to any
//! namespace, so `namespaces` and `namespaceSelector` do not rule it out and
//! `excludedNamespaces` does not exempt it. Cluster-scoped objects are not subject to the
//! namespace criteria, except a Namespace, which is matched by its own name and labels.

use std::collections::BTreeMap;

use lockgate_syntax::Node;

/// Labels of an object or namespace.
pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, Default)]
pub struct Match {
    kinds: Vec<(Vec<String>, Vec<String>)>,
    namespaces: Vec<String>,
    excluded_namespaces: Vec<String>,
    label_selector: Option<Selector>,
    namespace_selector: Option<Selector>,
    scope: MatchScope,
    name: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum MatchScope {
    #[default]
    All,
    Cluster,
    Namespaced,
}

#[derive(Debug, Clone, Default)]
pub struct Selector {
    labels: Vec<(String, String)>,
    expressions: Vec<(String, Operator, Vec<String>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// What matching needs to know about an object.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub group: &'a str,
    pub kind: &'a str,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub labels: &'a Labels,
    pub cluster_scoped: bool,
    /// The labels of the object's namespace, when the namespace is known.
    pub namespace_labels: Option<&'a Labels>,
}

fn strings(node: Option<&Node>) -> Vec<String> {
    node.map(|n| n.items().iter().filter_map(Node::scalar_text).collect())
        .unwrap_or_default()
}

impl Match {
    /// Reads `spec.match`; problems are returned as messages.
    pub fn read(node: Option<&Node>) -> Result<Match, String> {
        let Some(node) = node.filter(|n| !n.is_null()) else {
            return Ok(Match::default());
        };
        if node.as_map().is_none() {
            return Err("`spec.match` must be a mapping".into());
        }
        let mut kinds = Vec::new();
        if let Some(list) = node.get("kinds").filter(|k| !k.is_null()) {
            let malformed = || {
                "`spec.match.kinds` must be a list of `{apiGroups: [...], kinds: [...]}`"
                    .to_string()
            };
            if !matches!(list.value, lockgate_syntax::Value::Seq(_)) {
                return Err(malformed());
            }
            for entry in list.items() {
                let lists = ["apiGroups", "kinds"].map(|key| {
                    entry.get(key).is_none_or(|v| {
                        v.is_null() || matches!(v.value, lockgate_syntax::Value::Seq(_))
                    })
                });
                if entry.as_map().is_none() || lists.contains(&false) {
                    return Err(malformed());
                }
                kinds.push((strings(entry.get("apiGroups")), strings(entry.get("kinds"))));
            }
        }
        let scope = match node.get("scope").and_then(Node::as_str) {
            None | Some("*") => MatchScope::All,
            Some("Cluster") => MatchScope::Cluster,
            Some("Namespaced") => MatchScope::Namespaced,
            Some(other) => {
                return Err(format!(
                    "`spec.match.scope` is `{other}`; use `*`, `Cluster` or `Namespaced`"
                ));
            }
        };
        Ok(Match {
            kinds,
            namespaces: strings(node.get("namespaces")),
            excluded_namespaces: strings(node.get("excludedNamespaces")),
            label_selector: node.get("labelSelector").map(Selector::read).transpose()?,
            namespace_selector: node
                .get("namespaceSelector")
                .map(Selector::read)
                .transpose()?,
            scope,
            // An empty name means any name, as in Gatekeeper.
            name: node
                .get("name")
                .and_then(Node::scalar_text)
                .filter(|n| !n.is_empty()),
        })
    }

    pub fn matches(&self, target: &Target<'_>) -> bool {
        let kind_ok = self.kinds.is_empty()
            || self.kinds.iter().any(|(groups, kinds)| {
                (groups.is_empty() || groups.iter().any(|g| g == "*" || g == target.group))
                    && (kinds.is_empty() || kinds.iter().any(|k| k == "*" || k == target.kind))
            });
        if !kind_ok {
            return false;
        }
        match self.scope {
            MatchScope::All => {}
            MatchScope::Cluster if !target.cluster_scoped => return false,
            MatchScope::Namespaced if target.cluster_scoped => return false,
            _ => {}
        }
        if let Some(pattern) = &self.name
            && !target.name.is_some_and(|name| glob(pattern, name))
        {
            return false;
        }
        if let Some(selector) = &self.label_selector
            && !selector.matches(target.labels)
        {
            return false;
        }
        // The namespace criteria: a Namespace by its own name and labels, a namespaced
        // object by its namespace when the manifest names one.
        let is_namespace = target.kind == "Namespace" && target.group.is_empty();
        let (namespace, namespace_labels) = if is_namespace {
            (target.name, Some(target.labels))
        } else if target.cluster_scoped {
            return true;
        } else {
            (target.namespace, target.namespace_labels)
        };
        let Some(namespace) = namespace else {
            return true;
        };
        if !self.namespaces.is_empty() && !self.namespaces.iter().any(|p| glob(p, namespace)) {
            return false;
        }
        if self.excluded_namespaces.iter().any(|p| glob(p, namespace)) {
            return false;
        }
        if let Some(selector) = &self.namespace_selector {
            // Kubernetes labels every namespace with its own name.
            let mut labels = namespace_labels.cloned().unwrap_or_default();
            labels.insert("kubernetes.io/metadata.name".into(), namespace.to_string());
            if !selector.matches(&labels) {
                return false;
            }
        }
        true
    }
}

impl Selector {
    fn read(node: &Node) -> Result<Selector, String> {
        let labels = node
            .get("matchLabels")
            .and_then(Node::as_map)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        Some((k.scalar_text()?, v.scalar_text().unwrap_or_default()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut expressions = Vec::new();
        for expression in node
            .get("matchExpressions")
            .map(Node::items)
            .unwrap_or_default()
        {
            let key = expression
                .get("key")
                .and_then(Node::scalar_text)
                .ok_or("a matchExpressions entry has no `key`")?;
            let operator = match expression.get("operator").and_then(Node::as_str) {
                Some("In") => Operator::In,
                Some("NotIn") => Operator::NotIn,
                Some("Exists") => Operator::Exists,
                Some("DoesNotExist") => Operator::DoesNotExist,
                other => {
                    return Err(format!(
                        "matchExpressions operator `{}` is not In, NotIn, Exists or DoesNotExist",
                        other.unwrap_or("")
                    ));
                }
            };
            let values = strings(expression.get("values"));
            let needs_values = matches!(operator, Operator::In | Operator::NotIn);
            if needs_values == values.is_empty() {
                return Err(format!(
                    "matchExpressions for `{key}`: {}",
                    if needs_values {
                        "In and NotIn need `values`"
                    } else {
                        "Exists and DoesNotExist take no `values`"
                    }
                ));
            }
            expressions.push((key, operator, values));
        }
        Ok(Selector {
            labels,
            expressions,
        })
    }

    fn matches(&self, labels: &Labels) -> bool {
        self.labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
            && self.expressions.iter().all(|(key, operator, values)| {
                let found = labels.get(key);
                match operator {
                    Operator::In => found.is_some_and(|v| values.contains(v)),
                    Operator::NotIn => found.is_none_or(|v| !values.contains(v)),
                    Operator::Exists => found.is_some(),
                    Operator::DoesNotExist => found.is_none(),
                }
            })
    }
}

/// Gatekeeper's namespace and name globs: an exact name, `prefix*`, `*suffix` or
/// `*infix*`.
fn glob(pattern: &str, text: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(infix) = pattern
        .strip_prefix('*')
        .and_then(|rest| rest.strip_suffix('*'))
    {
        return text.contains(infix);
    }
    if let Some(prefix) = pattern.strip_suffix('*') {
        return text.starts_with(prefix);
    }
    if let Some(suffix) = pattern.strip_prefix('*') {
        return text.ends_with(suffix);
    }
    pattern == text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn read(yaml: &str) -> Match {
        let stream = lockgate_syntax::parse_stream(yaml, lockgate_syntax::Limits::default());
        Match::read(stream.documents.first()).unwrap()
    }

    fn pod<'a>(
        namespace: Option<&'a str>,
        labels: &'a Labels,
        ns_labels: Option<&'a Labels>,
    ) -> Target<'a> {
        Target {
            group: "",
            kind: "Pod",
            name: Some("web"),
            namespace,
            labels,
            cluster_scoped: false,
            namespace_labels: ns_labels,
        }
    }

    #[test]
    fn kinds_scope_and_namespaces() {
        let none = Labels::new();
        let m = read(
            "kinds: [{apiGroups: [''], kinds: [Pod]}]\nnamespaces: [prod-*]\nexcludedNamespaces: [prod-tmp]\n",
        );
        assert!(m.matches(&pod(Some("prod-a"), &none, None)));
        assert!(!m.matches(&pod(Some("dev"), &none, None)));
        assert!(!m.matches(&pod(Some("prod-tmp"), &none, None)));
        assert!(
            m.matches(&pod(None, &none, None)),
            "an unplaced object may land anywhere"
        );
        let deployment = Target {
            group: "apps",
            kind: "Deployment",
            ..pod(Some("prod-a"), &none, None)
        };
        assert!(!m.matches(&deployment));
        let infix = read("namespaces: ['*-sys*']\nname: ''\n");
        assert!(infix.matches(&pod(Some("kube-system"), &none, None)));
        assert!(!infix.matches(&pod(Some("kube-public"), &none, None)));
        for bad in [
            "kinds: [Deployment]\n",
            "kinds: [{apiGroups: [''], kinds: Pod}]\n",
        ] {
            let stream = lockgate_syntax::parse_stream(bad, lockgate_syntax::Limits::default());
            assert!(Match::read(stream.documents.first()).is_err(), "{bad}");
        }
        let cluster = read("scope: Cluster\n");
        assert!(!cluster.matches(&pod(Some("a"), &none, None)));
        let any = read("kinds: [{apiGroups: ['*'], kinds: ['*']}]\n");
        assert!(any.matches(&deployment));
    }

    #[test]
    fn selectors() {
        let mut labels = Labels::new();
        labels.insert("tier".into(), "web".into());
        let mut ns = Labels::new();
        ns.insert("env".into(), "prod".into());
        let m = read(
            "labelSelector: {matchExpressions: [{key: tier, operator: In, values: [web]}, {key: legacy, operator: DoesNotExist}]}\nnamespaceSelector: {matchLabels: {env: prod}}\n",
        );
        assert!(m.matches(&pod(Some("a"), &labels, Some(&ns))));
        assert!(
            !m.matches(&pod(Some("a"), &labels, None)),
            "an unknown namespace has no labels"
        );
        assert!(!m.matches(&pod(Some("a"), &Labels::new(), Some(&ns))));
        let bad = lockgate_syntax::parse_stream(
            "labelSelector: {matchExpressions: [{key: a, operator: Near}]}\n",
            lockgate_syntax::Limits::default(),
        );
        assert!(
            Match::read(bad.documents.first())
                .unwrap_err()
                .contains("Near")
        );
    }
}
