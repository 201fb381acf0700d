//! SARIF 2.1.0: one run, the rules that produced results with their help text and
//! framework tags, results with regions, logical locations (the Kubernetes object),
//! stable partial fingerprints, and suppressions for waived, suppressed and baseline
//! findings.

use std::io::{self, Write};

use lockgate_model::{Finding, FindingStatus, Report, Severity};
use serde_json::{Value, json};

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0.0–10.0) to rank alerts.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn result(finding: &Finding, rule_index: Option<usize>) -> Value {
    let span = finding.location.span;
    let line = span.line.max(1);
    let column = span.column.max(1);
    let (end_line, end_column) =
        if span.end_line > line || (span.end_line == line && span.end_column > column) {
            (span.end_line, span.end_column)
        } else {
            (line, column + 1)
        };
    let physical = json!({
        "artifactLocation": { "uri": finding.location.path },
        "region": {
            "startLine": line,
            "startColumn": column,
            "endLine": end_line,
            "endColumn": end_column
        }
    });
    let mut location = json!({ "physicalLocation": physical });
    if let Some(object) = &finding.object {
        location["logicalLocations"] = json!([{
            "fullyQualifiedName": object.display_id(),
            "kind": "resource"
        }]);
    }
    let mut result = json!({
        "ruleId": finding.rule_id,
        "level": level(finding.severity),
        "message": { "text": finding.message },
        "locations": [location],
        "partialFingerprints": { "lockgate/v1": finding.fingerprint },
        "properties": {
            "severity": finding.severity.as_str(),
            "status": finding.status.label()
        }
    });
    if let Some(index) = rule_index {
        result["ruleIndex"] = json!(index);
    }
    let suppression = match &finding.status {
        FindingStatus::Open => None,
        FindingStatus::Waived {
            owner,
            reason,
            expires,
        } => Some(json!({
            "kind": "external",
            "status": "accepted",
            "justification": format!("{reason} (owner {owner}, expires {expires})")
        })),
        FindingStatus::Suppressed { reason } => Some(json!({
            "kind": "inSource",
            "status": "accepted",
            "justification": reason
        })),
        FindingStatus::Baseline => Some(json!({
            "kind": "external",
            "status": "accepted",
            "justification": "present in the baseline"
        })),
    };
    if let Some(suppression) = suppression {
        result["suppressions"] = json!([suppression]);
    }
    if matches!(finding.status, FindingStatus::Baseline) {
        result["baselineState"] = json!("unchanged");
    }
    result
}

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rule_ids: Vec<&String> = report.rules.keys().collect();
    let rules: Vec<Value> = report
        .rules
        .values()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.name,
                "shortDescription": { "text": rule.title },
                "fullDescription": { "text": format!("{}. {}", rule.title, rule.fix) },
                "help": {
                    "text": rule.fix,
                    "markdown": if rule.docs.is_empty() { rule.fix.clone() } else { rule.docs.clone() }
                },
                "defaultConfiguration": { "level": level(rule.severity) },
                "properties": {
                    "tags": rule.frameworks,
                    "security-severity": security_severity(rule.severity),
                    "precision": "high"
                }
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(f, rule_ids.iter().position(|id| **id == f.rule_id)))
        .collect();
    let notifications: Vec<Value> = report
        .notices
        .iter()
        .map(|n| {
            json!({
                "level": match n.level { lockgate_model::NoticeLevel::Info => "note", lockgate_model::NoticeLevel::Warning => "warning" },
                "message": { "text": match &n.path { Some(p) => format!("{p}: {}", n.message), None => n.message.clone() } }
            })
        })
        .collect();
    let document = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": "https://github.com/lockgate/lockgate",
                    "rules": rules
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications
            }],
            "results": results,
            "properties": {
                "profile": report.gate.profile,
                "failOn": report.gate.fail_on.as_str(),
                "gatePassed": report.gate.passed
            }
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
