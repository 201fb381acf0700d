//! Rego METADATA annotations: the YAML comment blocks (`# METADATA` followed by comment
//! lines) that OPA defines, read from a module's source. What lockgate takes from them
//! becomes the policy rule's metadata: `custom.id`, `title`, `description`,
//! `custom.severity`, `related_resources`, and a fix from `custom.fix` or
//! `custom.recommended_actions`.
//!
//! OPA's rule for scope is kept: a block before `package` describes the package, a block
//! before a rule describes that rule, and an explicit `scope:` says otherwise.

use lockgate_model::Severity;
use lockgate_syntax::{Limits, Node, parse_stream};

/// What an annotation describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Package,
    Subpackages,
    /// The one rule definition that follows.
    Rule,
    /// Every definition of the rule that follows.
    Document,
}

/// One METADATA block.
#[derive(Debug, Clone, Default)]
pub struct Annotation {
    pub scope: Option<Scope>,
    /// The 1-based line of `# METADATA`.
    pub line: u32,
    /// The name of the rule the block precedes (`None` before `package`).
    pub rule: Option<String>,
    /// The 1-based line of that rule's head.
    pub rule_line: u32,
    pub id: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub severity: Option<Severity>,
    pub fix: Option<String>,
    pub frameworks: Vec<String>,
    pub related: Vec<String>,
}

/// A METADATA block that could not be read; reported, the policy still loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotationProblem {
    pub line: u32,
    pub message: String,
}

/// Reads every METADATA block of a Rego module.
pub fn annotations(source: &str) -> (Vec<Annotation>, Vec<AnnotationProblem>) {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        if lines[index].trim() != "# METADATA" {
            index += 1;
            continue;
        }
        let start = index;
        let mut yaml = String::new();
        index += 1;
        // The block ends at the first line that is not a comment, or at the next block.
        while index < lines.len() && lines[index].trim() != "# METADATA" {
            let Some(comment) = lines[index].trim_start().strip_prefix('#') else {
                break;
            };
            yaml.push_str(comment.strip_prefix(' ').unwrap_or(comment));
            yaml.push('\n');
            index += 1;
        }
        // The annotated statement: the next line that is neither blank nor a comment.
        let target = lines[index..]
            .iter()
            .position(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|offset| index + offset);
        let line = to_line(start);
        match read_block(&yaml) {
            Ok(mut annotation) => {
                annotation.line = line;
                if let Some(target) = target {
                    annotation.rule_line = to_line(target);
                    annotation.rule = rule_name(lines[target]);
                }
                found.push(annotation);
            }
            Err(message) => problems.push(AnnotationProblem { line, message }),
        }
    }
    (found, problems)
}

fn to_line(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// The rule a line defines: its first identifier, after `default`; `None` for `package`
/// and `import` lines.
pub fn rule_name(line: &str) -> Option<String> {
    let line = line.trim_start();
    let line = line.strip_prefix("default ").map_or(line, str::trim_start);
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    let name = &line[..end];
    let starts_well = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (starts_well && !matches!(name, "package" | "import")).then(|| name.to_string())
}

fn read_block(yaml: &str) -> Result<Annotation, String> {
    let stream = parse_stream(yaml, Limits::default());
    if let Some(error) = stream.error {
        return Err(format!("METADATA is not valid YAML: {error}"));
    }
    let Some(root) = stream.documents.first() else {
        return Ok(Annotation::default());
    };
    if root.as_map().is_none() {
        return Err("METADATA must be a YAML mapping".into());
    }
    let text = |node: Option<&Node>| node.and_then(Node::scalar_text).filter(|t| !t.is_empty());
    let scope = match root.get("scope").and_then(Node::as_str) {
        None => None,
        Some("package") => Some(Scope::Package),
        Some("subpackages") => Some(Scope::Subpackages),
        Some("rule") => Some(Scope::Rule),
        Some("document") => Some(Scope::Document),
        Some(other) => {
            return Err(format!(
                "unknown scope `{other}` (use package, subpackages, rule or document)"
            ));
        }
    };
    let custom = root.get("custom");
    let severity = match text(custom.and_then(|c| c.get("severity"))) {
        None => None,
        Some(name) => Some(name.to_ascii_lowercase().parse::<Severity>().map_err(|_| {
            format!("custom.severity `{name}` is not one of critical, high, medium, low, info")
        })?),
    };
    let fix = text(custom.and_then(|c| c.get("fix")))
        .or_else(|| text(custom.and_then(|c| c.get("recommended_action"))))
        .or_else(|| {
            let actions: Vec<String> = custom
                .and_then(|c| c.get("recommended_actions"))
                .map(|a| a.items().iter().filter_map(Node::scalar_text).collect())
                .unwrap_or_default();
            (!actions.is_empty()).then(|| actions.join(" "))
        });
    let frameworks = custom
        .and_then(|c| c.get("frameworks"))
        .map(|f| f.items().iter().filter_map(Node::scalar_text).collect())
        .unwrap_or_default();
    let related = root
        .get("related_resources")
        .map(|r| {
            r.items()
                .iter()
                .filter_map(|item| {
                    item.scalar_text().or_else(|| {
                        let reference = text(item.get("ref"))?;
                        Some(match text(item.get("description")) {
                            Some(description) => format!("{description}: {reference}"),
                            None => reference,
                        })
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Annotation {
        scope,
        id: text(custom.and_then(|c| c.get("id"))),
        title: text(root.get("title")),
        description: text(root.get("description")),
        severity,
        fix,
        frameworks,
        related,
        ..Annotation::default()
    })
}

impl Annotation {
    /// The scope OPA gives a block without `scope:`: package before `package`, else rule.
    pub fn effective_scope(&self) -> Scope {
        self.scope.unwrap_or(if self.rule.is_some() {
            Scope::Rule
        } else {
            Scope::Package
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn blocks_are_read_with_their_scope_and_rule() {
        let source = "# METADATA\n# title: Deployments\n# custom:\n#   id: ORG-001\n#   severity: CRITICAL\npackage main\n\n# METADATA\n# title: No latest\n# description: Images must be pinned.\n# related_resources:\n# - https://example.com/pin\n# - ref: https://example.com/b\n#   description: Why\n# custom:\n#   recommended_actions: [Pin it., Now.]\ndeny contains msg if {\n  msg := \"x\"\n}\n";
        let (found, problems) = annotations(source);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].effective_scope(), Scope::Package);
        assert_eq!(found[0].id.as_deref(), Some("ORG-001"));
        assert_eq!(found[0].severity, Some(Severity::Critical));
        assert_eq!(found[1].effective_scope(), Scope::Rule);
        assert_eq!(found[1].rule.as_deref(), Some("deny"));
        assert_eq!(found[1].rule_line, 17);
        assert_eq!(found[1].fix.as_deref(), Some("Pin it. Now."));
        assert_eq!(
            found[1].related,
            vec!["https://example.com/pin", "Why: https://example.com/b"]
        );
    }

    #[test]
    fn bad_blocks_are_problems_with_their_line() {
        let source = "package main\n\n# METADATA\n# custom:\n#   severity: urgent\ndeny contains 1 if true\n# METADATA\n# scope: everywhere\nwarn contains 1 if true\n";
        let (found, problems) = annotations(source);
        assert!(found.is_empty());
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].line, 3);
        assert!(
            problems[0].message.contains("urgent"),
            "{}",
            problems[0].message
        );
        assert!(problems[1].message.contains("everywhere"));
    }

    #[test]
    fn rule_names_are_read_from_heads() {
        assert_eq!(rule_name("deny[msg] {").as_deref(), Some("deny"));
        assert_eq!(
            rule_name("default allow := false").as_deref(),
            Some("allow")
        );
        assert_eq!(
            rule_name("warn_latest contains m if").as_deref(),
            Some("warn_latest")
        );
        assert_eq!(rule_name("package main"), None);
        assert_eq!(rule_name("9lives"), None);
    }
}
