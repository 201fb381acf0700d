//! OpenVEX statements (<https://github.com/openvex/spec>): a supplier's or the team's
//! word that a product is `not_affected` by a vulnerability (with a justification), or
//! that it is `fixed`. Matching VULN-001 findings are marked suppressed with the
//! statement as the reason, so they stay visible in every report but no longer fail the
//! gate. `affected` and `under_investigation` change nothing.
//!
//! A statement applies to a finding when it names the finding's advisory (its ID or any
//! alias) and one of its products or subcomponents is a package-url that matches the
//! package: same type, namespace and name, and the same version and qualifiers where
//! the statement's purl gives them (`pkg:npm/lodash` covers every version). When several
//! statements apply, the latest (by `timestamp`, else document order) wins, as the
//! specification says.

use std::path::{Path, PathBuf};

use lockgate_model::{Finding, FindingStatus};
use lockgate_sbom::purl::Purl;
use serde_json::Value;

use crate::scan::ScanError;

/// Largest VEX document read.
const MAX_VEX_BYTES: u64 = 64 * 1024 * 1024;

/// One statement, reduced to what matching needs.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    /// The vulnerability's name and aliases (`CVE-…`, `GHSA-…`).
    names: Vec<String>,
    purls: Vec<Purl>,
    status: Status,
    /// `justification` and `impact_statement` (or `status_notes`), for the reason.
    explanation: String,
    /// Sort key: the statement's timestamp (else the document's), then its order.
    when: (String, usize),
    /// The file it came from.
    source: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    NotAffected,
    Fixed,
    Affected,
    UnderInvestigation,
}

/// Reads OpenVEX documents. An unreadable or malformed document fails the scan: a
/// statement silently lost would turn into failures nobody can explain.
pub(crate) fn load(paths: &[PathBuf]) -> Result<Vec<Statement>, ScanError> {
    let mut statements = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let bad = |what: String| {
            ScanError(format!(
                "VEX document {shown}: {what} (expected OpenVEX JSON: https://github.com/openvex/spec)"
            ))
        };
        let size = std::fs::metadata(path)
            .map_err(|e| bad(format!("cannot read: {e}")))?
            .len();
        if size > MAX_VEX_BYTES {
            return Err(bad(format!(
                "{size} bytes is more than the {MAX_VEX_BYTES}-byte limit"
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let document: Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let context = document
            .get("@context")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !context.starts_with("https://openvex.dev/ns") {
            return Err(bad("no OpenVEX `@context`".into()));
        }
        let document_time = text_of(&document, "timestamp");
        let Some(items) = document.get("statements").and_then(Value::as_array) else {
            return Err(bad("no `statements` array".into()));
        };
        for (index, item) in items.iter().enumerate() {
            let statement = parse_statement(item, &document_time, statements.len(), path)
                .map_err(|e| bad(format!("statement {}: {e}", index + 1)))?;
            statements.push(statement);
        }
    }
    statements.sort_by(|a, b| a.when.cmp(&b.when));
    Ok(statements)
}

fn text_of(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn parse_statement(
    item: &Value,
    document_time: &str,
    order: usize,
    path: &Path,
) -> Result<Statement, String> {
    // v0.2: `{"name": "CVE-…", "aliases": [...]}`; v0.0.x: a plain string.
    let vulnerability = item.get("vulnerability").ok_or("no `vulnerability`")?;
    let mut names = Vec::new();
    match vulnerability {
        Value::String(name) => names.push(name.clone()),
        Value::Object(_) => {
            for key in ["name", "@id"] {
                if let Some(name) = vulnerability.get(key).and_then(Value::as_str) {
                    names.push(name.to_string());
                }
            }
            for alias in vulnerability
                .get("aliases")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(alias) = alias.as_str() {
                    names.push(alias.to_string());
                }
            }
        }
        _ => return Err("`vulnerability` is neither a name nor an object".into()),
    }
    if names.is_empty() {
        return Err("the vulnerability has no name".into());
    }
    let status = match item.get("status").and_then(Value::as_str) {
        Some("not_affected") => Status::NotAffected,
        Some("fixed") => Status::Fixed,
        Some("affected") => Status::Affected,
        Some("under_investigation") => Status::UnderInvestigation,
        Some(other) => return Err(format!("unknown status `{other}`")),
        None => return Err("no `status`".into()),
    };
    let mut purls = Vec::new();
    for product in item
        .get("products")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_purls(product, &mut purls);
        for sub in product
            .get("subcomponents")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect_purls(sub, &mut purls);
        }
    }
    let mut explanation = text_of(item, "justification");
    for key in ["impact_statement", "status_notes"] {
        let text = text_of(item, key);
        if !text.is_empty() {
            if !explanation.is_empty() {
                explanation.push_str(": ");
            }
            explanation.push_str(&text);
            break;
        }
    }
    let timestamp = text_of(item, "timestamp");
    Ok(Statement {
        names,
        purls,
        status,
        explanation,
        when: (
            if timestamp.is_empty() {
                document_time.to_string()
            } else {
                timestamp
            },
            order,
        ),
        source: path.display().to_string(),
    })
}

/// The purls a product names: its `@id` when that is a purl, and its
/// `identifiers.purl`. v0.0.x products are plain strings.
fn collect_purls(product: &Value, out: &mut Vec<Purl>) {
    let candidates = match product {
        Value::String(text) => vec![text.as_str()],
        Value::Object(_) => [
            product.get("@id").and_then(Value::as_str),
            product.pointer("/identifiers/purl").and_then(Value::as_str),
        ]
        .into_iter()
        .flatten()
        .collect(),
        _ => Vec::new(),
    };
    out.extend(candidates.into_iter().filter_map(Purl::parse));
}

impl Statement {
    fn applies_to(&self, finding: &Finding) -> bool {
        let Some(vulnerability) = &finding.vulnerability else {
            return false;
        };
        if !self.names.iter().any(|name| vulnerability.is_named(name)) {
            return false;
        }
        let Some(package) = Purl::parse(&vulnerability.purl) else {
            return false;
        };
        self.purls.iter().any(|purl| purl.covers(&package))
    }
}

/// Marks the findings that `not_affected` or `fixed` statements cover as suppressed.
/// Returns how many were.
pub(crate) fn apply(findings: &mut [Finding], statements: &[Statement]) -> usize {
    let mut suppressed = 0;
    for finding in findings.iter_mut().filter(|f| f.status.is_open()) {
        // Statements are sorted oldest first: the last that applies is the latest word.
        let Some(statement) = statements.iter().rev().find(|s| s.applies_to(finding)) else {
            continue;
        };
        let verdict = match statement.status {
            Status::NotAffected => "not_affected",
            Status::Fixed => "fixed",
            Status::Affected | Status::UnderInvestigation => continue,
        };
        let reason = if statement.explanation.is_empty() {
            format!("VEX {verdict} ({})", statement.source)
        } else {
            format!(
                "VEX {verdict}, {} ({})",
                statement.explanation, statement.source
            )
        };
        finding.status = FindingStatus::Suppressed { reason };
        suppressed += 1;
    }
    suppressed
}
