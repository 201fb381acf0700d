//! JUnit XML for CI systems that show test results: one suite per file, one test case
//! per finding (a failure when it fails the gate, skipped when waived, suppressed or in
//! the baseline), and one `gate` case that carries the verdict.

use std::collections::BTreeMap;
use std::io::{self, Write};

use lockgate_model::{Finding, FindingStatus, Report};

use crate::object_label;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even when escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        by_file
            .entry(&finding.location.path)
            .or_default()
            .push(finding);
    }
    let fail_on = report.gate.fail_on;
    let failing = |f: &Finding| f.status.is_open() && f.severity >= fail_on;
    let total = report.findings.len() + 1;
    let failures = report.gate.failing + usize::from(!report.gate.passed);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="lockgate" tests="{total}" failures="{failures}" errors="0" time="{:.3}">"#,
        report.stats.duration_ms as f64 / 1000.0
    )?;
    writeln!(
        out,
        r#"  <testsuite name="lockgate gate" tests="1" failures="{}" errors="0" skipped="0">"#,
        usize::from(!report.gate.passed)
    )?;
    if let Some(db) = &report.vuln_db {
        writeln!(
            out,
            r#"    <properties><property name="vulnerability-database" value="{}"/></properties>"#,
            escape(&db.describe())
        )?;
    }
    let verdict = format!(
        "profile {}, fail-on {}: {} open finding(s) at or above the threshold",
        report.gate.profile, report.gate.fail_on, report.gate.failing
    );
    if report.gate.passed {
        writeln!(
            out,
            r#"    <testcase classname="lockgate" name="gate"><system-out>{}</system-out></testcase>"#,
            escape(&verdict)
        )?;
    } else {
        writeln!(
            out,
            r#"    <testcase classname="lockgate" name="gate"><failure message="{}" type="gate"/></testcase>"#,
            escape(&verdict)
        )?;
    }
    writeln!(out, "  </testsuite>")?;
    for (path, findings) in by_file {
        let suite_failures = findings.iter().filter(|f| failing(f)).count();
        let suite_skipped = findings.iter().filter(|f| !f.status.is_open()).count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{suite_failures}" errors="0" skipped="{suite_skipped}">"#,
            escape(path),
            findings.len()
        )?;
        for finding in findings {
            let name = format!(
                "{} {}{}",
                finding.rule_id,
                finding.rule_name,
                object_label(finding)
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default()
            );
            let detail = format!(
                "{}:{}:{} [{}] {}\nfix: {}",
                finding.location.path,
                finding.location.span.line,
                finding.location.span.column,
                finding.severity,
                finding.message,
                finding.fix
            );
            write!(
                out,
                r#"    <testcase classname="{}" name="{}">"#,
                escape(path),
                escape(&name)
            )?;
            match &finding.status {
                FindingStatus::Open if failing(finding) => write!(
                    out,
                    r#"<failure message="{}" type="{}">{}</failure>"#,
                    escape(&finding.message),
                    finding.severity,
                    escape(&detail)
                )?,
                FindingStatus::Open => write!(out, "<system-out>{}</system-out>", escape(&detail))?,
                other => write!(out, r#"<skipped message="{}"/>"#, escape(other.label()))?,
            }
            writeln!(out, "</testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
