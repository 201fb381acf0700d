//! Documents as Rego values: spanned YAML nodes become `regorus` values, and a field path
//! named by a policy's result (`spec.containers[0].image`) leads back to the node, so the
//! finding can point at the key.

use lockgate_model::Span;
use lockgate_syntax::{Node, Value as YamlValue};
use regorus::Value;

/// The Rego value of a spanned node. Keys that are not strings (YAML allows them) are
/// rendered as their scalar text, as JSON would have to.
pub fn from_node(node: &Node) -> Value {
    match &node.value {
        YamlValue::Null => Value::Null,
        YamlValue::Bool(b) => Value::from(*b),
        YamlValue::Int(i) => Value::from(*i),
        YamlValue::Float(f) => Value::from(*f),
        YamlValue::Str(s) => Value::from(s.as_str()),
        YamlValue::Seq(items) => Value::from(items.iter().map(from_node).collect::<Vec<_>>()),
        YamlValue::Map(map) => {
            let entries = map
                .iter()
                .map(|(key, value)| {
                    let key = match key.as_str() {
                        Some(text) => Value::from(text),
                        None => Value::from(key.scalar_text().unwrap_or_default()),
                    };
                    (key, from_node(value))
                })
                .collect::<std::collections::BTreeMap<_, _>>();
            Value::from(entries)
        }
    }
}

/// One step of a field path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldStep {
    Key(String),
    Index(usize),
}

/// Reads a field path as a policy writes it: a string in the dotted form kubectl uses
/// (`spec.containers[0].image`, `metadata.labels["app.kubernetes.io/name"]`, with an
/// optional leading `.`) or an array of keys and indexes. `None` when it is neither.
pub fn field_path(value: &Value) -> Option<Vec<FieldStep>> {
    match value {
        Value::String(text) => parse_dotted(text),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(key) => Some(FieldStep::Key(key.to_string())),
                Value::Number(_) => item
                    .as_u64()
                    .ok()
                    .and_then(|i| usize::try_from(i).ok())
                    .map(FieldStep::Index),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn parse_dotted(text: &str) -> Option<Vec<FieldStep>> {
    let mut steps = Vec::new();
    let mut rest = text.strip_prefix('.').unwrap_or(text);
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']')?;
            let token = &inner[..close];
            rest = &inner[close + 1..];
            let quoted = token
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .or_else(|| token.strip_prefix('\'').and_then(|t| t.strip_suffix('\'')));
            match quoted {
                Some(key) => steps.push(FieldStep::Key(key.to_string())),
                None => steps.push(FieldStep::Index(token.trim().parse().ok()?)),
            }
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            steps.push(FieldStep::Key(rest[..end].to_string()));
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    (!steps.is_empty()).then_some(steps)
}

/// Where a field path leads in a spanned document: the key of the deepest mapping entry
/// it reaches (or the item of a sequence), so a path that goes past what exists (a
/// missing field the policy requires) still points at its nearest parent.
pub fn span_of(root: &Node, path: &[FieldStep]) -> Option<Span> {
    let mut node = root;
    let mut span = None;
    for step in path {
        match step {
            FieldStep::Key(key) => {
                let Some((key_node, value)) = node.entry(key) else {
                    break;
                };
                span = Some(key_node.span);
                node = value;
            }
            FieldStep::Index(index) => {
                let Some(item) = node.items().get(*index) else {
                    break;
                };
                span = Some(item.span);
                node = item;
            }
        }
    }
    span
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dotted_paths_read_keys_indexes_and_quoted_keys() {
        let steps = parse_dotted(".spec.containers[1].image").unwrap();
        assert_eq!(
            steps,
            vec![
                FieldStep::Key("spec".into()),
                FieldStep::Key("containers".into()),
                FieldStep::Index(1),
                FieldStep::Key("image".into()),
            ]
        );
        let steps = parse_dotted("metadata.labels[\"app.kubernetes.io/name\"]").unwrap();
        assert_eq!(steps[2], FieldStep::Key("app.kubernetes.io/name".into()));
        assert!(parse_dotted("spec..x").is_none());
        assert!(parse_dotted("spec[x]").is_none());
        assert!(parse_dotted("").is_none());
    }

    #[test]
    fn spans_lead_to_the_deepest_existing_key() {
        let text = "spec:\n  containers:\n  - name: a\n  - name: b\n    image: x\n";
        let stream = lockgate_syntax::parse_stream(text, lockgate_syntax::Limits::default());
        let root = &stream.documents[0];
        let path = parse_dotted("spec.containers[1].image").unwrap();
        assert_eq!(span_of(root, &path).unwrap().line, 5);
        let missing = parse_dotted("spec.containers[0].securityContext.runAsUser").unwrap();
        assert_eq!(span_of(root, &missing).unwrap().line, 3);
    }

    #[test]
    fn nodes_become_rego_values() {
        let text = "a: [1, 2.5, true, null, x]\nb: {c: d}\n";
        let stream = lockgate_syntax::parse_stream(text, lockgate_syntax::Limits::default());
        let value = from_node(&stream.documents[0]);
        assert_eq!(
            value.to_json_str().unwrap().replace([' ', '\n'], ""),
            r#"{"a":[1,2.5,true,null,"x"],"b":{"c":"d"}}"#
        );
    }
}
