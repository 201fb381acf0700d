//! SARIF 2.1.0: one run, the rules that produced results with their help text and
//! framework tags, results with regions, logical locations (the Kubernetes object),
//! stable partial fingerprints, and suppressions for waived, suppressed and baseline
//! findings.

use std::io::{self, Write};

use lockgate_model::{Finding, FindingStatus, Report, Severity};
use serde::Serialize;
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

/// One SARIF result, borrowing from the finding so large reports stream without building
/// a JSON tree in memory.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [SarifLocation; 1],
    partial_fingerprints: Fingerprints<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[LogicalLocation; 1]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

/// A path as a URI reference: each segment percent-encoded (RFC 3986 unreserved and `/`
/// stay), so `a #1.yaml` becomes `a%20%231.yaml`. Synthesized sources keep their scheme
/// (`kustomize://dir`).
fn uri_reference(path: &str) -> String {
    let (scheme, rest) = match path.split_once("://") {
        Some((scheme, rest)) if scheme.chars().all(|c| c.is_ascii_alphanumeric()) => {
            (Some(scheme), rest)
        }
        _ => (None, path),
    };
    let mut out = String::with_capacity(path.len() + 8);
    if let Some(scheme) = scheme {
        out.push_str(scheme);
        out.push_str("://");
    }
    for byte in rest.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "lockgate/v1")]
    lockgate_v1: &'a str,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    severity: &'static str,
    status: &'a str,
    /// The commit that added a secret found in git history.
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<&'a lockgate_model::Commit>,
    /// The advisory and package of a vulnerable-package finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    vulnerability: Option<&'a lockgate_model::Vulnerability>,
}

fn result<'a>(finding: &'a Finding, rule_index: Option<usize>) -> SarifResult<'a> {
    let span = finding.location.span;
    let line = span.line.max(1);
    let column = span.column.max(1);
    let (end_line, end_column) =
        if span.end_line > line || (span.end_line == line && span.end_column > column) {
            (span.end_line, span.end_column)
        } else {
            (line, column + 1)
        };
    let suppression = |kind: &'static str, justification: String| {
        Some([Suppression {
            kind,
            status: "accepted",
            justification,
        }])
    };
    let suppressions = match &finding.status {
        FindingStatus::Open => None,
        FindingStatus::Waived {
            owner,
            reason,
            expires,
        } => suppression(
            "external",
            format!("{reason} (owner {owner}, expires {expires})"),
        ),
        FindingStatus::Suppressed { reason } => suppression("inSource", reason.clone()),
        FindingStatus::Baseline => suppression("external", "present in the baseline".into()),
    };
    SarifResult {
        rule_id: &finding.rule_id,
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: &finding.message,
        },
        locations: [SarifLocation {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri_reference(&finding.location.path),
                },
                region: Region {
                    start_line: line,
                    start_column: column,
                    end_line,
                    end_column,
                },
            },
            logical_locations: finding.object.as_ref().map(|object| {
                [LogicalLocation {
                    fully_qualified_name: object.display_id(),
                    kind: "resource",
                }]
            }),
        }],
        partial_fingerprints: Fingerprints {
            lockgate_v1: &finding.fingerprint,
        },
        suppressions,
        baseline_state: matches!(finding.status, FindingStatus::Baseline).then_some("unchanged"),
        properties: ResultProperties {
            severity: finding.severity.as_str(),
            status: finding.status.label(),
            commit: finding.commit.as_deref(),
            vulnerability: finding.vulnerability.as_deref(),
        },
    }
}

/// Streams the results array.
struct Results<'a> {
    findings: &'a [Finding],
    rule_ids: Vec<&'a str>,
}

impl Serialize for Results<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(self.findings.len()))?;
        for finding in self.findings {
            let index = self.rule_ids.iter().position(|id| *id == finding.rule_id);
            seq.serialize_element(&result(finding, index))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Value,
    invocations: Value,
    results: Results<'a>,
    properties: Value,
}

#[derive(Serialize)]
struct Document<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
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
    let document = Document {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: json!({
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": "https://github.com/lockgate/lockgate",
                    "rules": rules
                }
            }),
            invocations: json!([{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications
            }]),
            results: Results {
                findings: &report.findings,
                rule_ids: rule_ids.iter().map(|id| id.as_str()).collect(),
            },
            properties: {
                let mut properties = json!({
                    "profile": report.gate.profile,
                    "failOn": report.gate.fail_on.as_str(),
                    "gatePassed": report.gate.passed
                });
                if let Some(db) = &report.vuln_db {
                    properties["vulnerabilityDatabase"] = json!(db);
                }
                properties
            },
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_become_uri_references() {
        assert_eq!(super::uri_reference("deploy/app.yaml"), "deploy/app.yaml");
        assert_eq!(
            super::uri_reference("sp dir/a #1%.yaml"),
            "sp%20dir/a%20%231%25.yaml"
        );
        assert_eq!(
            super::uri_reference("kustomize://over lays/prod"),
            "kustomize://over%20lays/prod"
        );
        assert_eq!(super::uri_reference("déploi.yaml"), "d%C3%A9ploi.yaml");
    }
}
