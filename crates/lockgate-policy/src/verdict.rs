//! What a policy says about a document: violations read from its result values (a string,
//! or an object with `msg` and optional `details` and field path), or an error that
//! stopped it. Both carry the lockgate rule they belong to.

use lockgate_model::RuleMeta;
use regorus::Value;

use crate::module::PolicyError;
use crate::value::{FieldStep, field_path};

/// What Gatekeeper does with a constraint's violations; conftest rules are `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Deny,
    Warn,
    DryRun,
}

/// One verdict of one policy rule on one document.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub rule: &'static RuleMeta,
    pub outcome: Outcome,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Violation {
        message: String,
        /// Where in the document, when the result names a field.
        field: Option<Vec<FieldStep>>,
        action: Action,
    },
    /// The policy failed: a run-time error, or its time budget ran out.
    Error(PolicyError),
}

/// Most results of one rule on one document that become findings; a policy that
/// returns more (a loop gone wrong) gets one more finding that says how many were left.
pub const MAX_RESULTS: usize = 1000;

/// The violations in a rule's value: the strings and objects of a set (or array), or a
/// single string or object for rules that are not sets. As in conftest, other values
/// (a boolean rule that is true, numbers in a set) are not violations.
pub fn violations(rule: &'static RuleMeta, value: &Value, action: Action, out: &mut Vec<Verdict>) {
    let mut push = |message: String, field| {
        out.push(Verdict {
            rule,
            outcome: Outcome::Violation {
                message,
                field,
                action,
            },
        });
    };
    let items: Box<dyn Iterator<Item = &Value>> = match value {
        Value::Set(items) => Box::new(items.iter()),
        Value::Array(items) => Box::new(items.iter()),
        other => Box::new(std::iter::once(other)),
    };
    let items = items.filter(|item| matches!(item, Value::String(_) | Value::Object(_)));
    let mut count = 0;
    for result in items {
        count += 1;
        if count <= MAX_RESULTS {
            let (message, field) = read_result(result);
            push(message, field);
        }
    }
    if count > MAX_RESULTS {
        push(
            format!(
                "{} more results of this rule on this document were not reported (at most {MAX_RESULTS} are)",
                count - MAX_RESULTS
            ),
            None,
        );
    }
}

/// A result's message and field path. Strings are the message; objects give `msg` (the
/// rest shown as JSON when there is none) and a field path under `path`, `field`, or
/// the same keys in `details`.
fn read_result(result: &Value) -> (String, Option<Vec<FieldStep>>) {
    let Value::Object(fields) = result else {
        return (text_of(result), None);
    };
    let get = |key: &str| fields.get(&Value::from(key));
    let details = get("details");
    let detail = |key: &str| match details {
        Some(Value::Object(details)) => details.get(&Value::from(key)),
        _ => None,
    };
    let field = ["path", "field"]
        .iter()
        .find_map(|key| get(key).or_else(|| detail(key)))
        .and_then(field_path);
    let message = match get("msg").or_else(|| get("message")) {
        Some(msg) => text_of(msg),
        None => text_of(result),
    };
    (message, field)
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.to_string(),
        // Compact JSON: a message is one line.
        other => serde_json::to_string(other).unwrap_or_else(|_| format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    static RULE: RuleMeta = RuleMeta {
        id: "T",
        name: "t",
        title: "t",
        severity: lockgate_model::Severity::Low,
        applies_to: &[],
        frameworks: &[],
        fix: "",
        docs: "",
    };

    fn messages(json: &str) -> Vec<(String, Option<Vec<crate::FieldStep>>)> {
        let mut out = Vec::new();
        violations(
            &RULE,
            &Value::from_json_str(json).unwrap(),
            Action::Deny,
            &mut out,
        );
        out.into_iter()
            .map(|v| match v.outcome {
                Outcome::Violation { message, field, .. } => (message, field),
                Outcome::Error(e) => panic!("{e}"),
            })
            .collect()
    }

    #[test]
    fn results_are_strings_or_objects_with_msg_and_a_path() {
        let found = messages(
            r#"["plain", {"msg": "with path", "details": {"path": ["spec", 0]}}, {"other": 1}, 7, true]"#,
        );
        assert_eq!(found[0], ("plain".to_string(), None));
        assert_eq!(
            found[1],
            (
                "with path".to_string(),
                Some(vec![
                    crate::FieldStep::Key("spec".into()),
                    crate::FieldStep::Index(0)
                ])
            )
        );
        assert_eq!(found[2].0, r#"{"other":1}"#);
        assert_eq!(found.len(), 3, "numbers and booleans are not results");
        assert!(messages("true").is_empty());
        assert_eq!(messages(r#""one message""#).len(), 1);
    }

    #[test]
    fn results_past_the_cap_are_counted_not_reported() {
        let many = format!(
            "[{}]",
            (0..1500)
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(",")
        );
        let found = messages(&many);
        assert_eq!(found.len(), MAX_RESULTS + 1);
        assert!(
            found[MAX_RESULTS].0.starts_with("500 more results"),
            "{}",
            found[MAX_RESULTS].0
        );
    }
}
