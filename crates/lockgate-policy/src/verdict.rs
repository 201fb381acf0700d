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

/// The violations in a rule's value: a set (or array) of results, or a single result
/// for rules that are not sets.
pub fn violations(rule: &'static RuleMeta, value: &Value, action: Action, out: &mut Vec<Verdict>) {
    let mut push = |result: &Value| {
        let (message, field) = read_result(result);
        out.push(Verdict {
            rule,
            outcome: Outcome::Violation {
                message,
                field,
                action,
            },
        });
    };
    match value {
        Value::Set(items) => items.iter().for_each(&mut push),
        Value::Array(items) => items.iter().for_each(&mut push),
        Value::Undefined | Value::Null | Value::Bool(false) => {}
        other => push(other),
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
        other => other.to_json_str().unwrap_or_else(|_| format!("{other:?}")),
    }
}
