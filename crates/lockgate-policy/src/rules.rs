//! Lockgate rule metadata for policy rules: from METADATA annotations when the policy
//! has them, else derived from where the rule is. Built once per load and leaked, like
//! the user's own secret rules, so findings borrow it as they borrow built-in metadata.

use lockgate_model::{RuleMeta, Severity};

use crate::metadata::Annotation;

/// What is known about a policy rule when its metadata is built.
pub struct RuleSource<'a> {
    /// The ID to use without an annotation (`main.deny`, `K8sAllowedRepos/repo-is-opa`).
    pub default_id: String,
    pub default_title: String,
    pub default_severity: Severity,
    /// How the rule is defined, for its docs (`rule deny in package main, policy/a.rego line 3`).
    pub defined_at: String,
    pub description: Option<String>,
    /// The annotations that apply, most specific first.
    pub annotations: Vec<&'a Annotation>,
    pub framework: &'static str,
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Builds and leaks the rule's metadata.
/// `taken` holds the IDs already in use (built-in rules and earlier policies); an ID
/// from an annotation that is taken gets the rule's own name as a suffix.
pub fn build(
    source: RuleSource<'_>,
    taken: &mut std::collections::HashSet<String>,
) -> &'static RuleMeta {
    let first = |get: &dyn Fn(&Annotation) -> Option<String>| {
        source.annotations.iter().find_map(|a| get(a))
    };
    let mut id = first(&|a| a.id.clone()).unwrap_or_else(|| source.default_id.clone());
    if taken.contains(&id) {
        id = format!("{id}.{}", source.default_id);
    }
    let base = id.clone();
    let mut counter = 2;
    while taken.contains(&id) {
        id = format!("{base}.{counter}");
        counter += 1;
    }
    taken.insert(id.clone());
    let title = first(&|a| a.title.clone()).unwrap_or(source.default_title);
    let severity = source
        .annotations
        .iter()
        .find_map(|a| a.severity)
        .unwrap_or(source.default_severity);
    let description = first(&|a| a.description.clone()).or(source.description);
    let fix = first(&|a| a.fix.clone()).unwrap_or_else(|| {
        "Change the object so the policy no longer reports it, or waive the finding with a reason."
            .to_string()
    });
    let mut frameworks: Vec<&'static str> = source
        .annotations
        .iter()
        .flat_map(|a| a.frameworks.iter())
        .map(|f| leak(f.clone()))
        .collect();
    frameworks.push(source.framework);
    let related: Vec<String> = source
        .annotations
        .iter()
        .flat_map(|a| a.related.iter().cloned())
        .collect();
    let mut docs = String::from("## What it checks\n");
    docs.push_str(description.as_deref().unwrap_or(&title));
    docs.push_str("\n\nA Rego policy: ");
    docs.push_str(&source.defined_at);
    docs.push_str(".\n\n## Fix\n");
    docs.push_str(&fix);
    docs.push('\n');
    if !related.is_empty() {
        docs.push_str("\n## References\n");
        for reference in &related {
            docs.push_str("- ");
            docs.push_str(reference);
            docs.push('\n');
        }
    }
    Box::leak(Box::new(RuleMeta {
        id: leak(id),
        name: leak(source.default_id),
        title: leak(title),
        severity,
        applies_to: &["documents"],
        frameworks: Box::leak(frameworks.into_boxed_slice()),
        fix: leak(fix),
        docs: leak(docs),
    }))
}
