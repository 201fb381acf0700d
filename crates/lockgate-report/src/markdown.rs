//! Markdown for pull-request comments: the verdict first, a table of open findings, the
//! fixes once per rule, and settled findings folded away.

use std::collections::BTreeMap;
use std::io::{self, Write};

use lockgate_model::{Finding, Report, Severity};

use crate::object_label;

/// GitHub limits a comment to 65,536 characters; beyond this many rows we summarise.
const MAX_ROWS: usize = 150;

fn cell(text: &str) -> String {
    crate::printable(text)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🟣 critical",
        Severity::High => "🔴 high",
        Severity::Medium => "🟠 medium",
        Severity::Low => "🔵 low",
        Severity::Info => "⚪ info",
    }
}

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let gate = &report.gate;
    let open: Vec<&Finding> = report.open_findings().collect();
    writeln!(out, "## lockgate")?;
    writeln!(out)?;
    if gate.passed {
        writeln!(
            out,
            "✅ **Gate passed** — profile `{}`, fail-on `{}`; {} open finding(s) below the threshold.",
            gate.profile,
            gate.fail_on,
            open.len()
        )?;
    } else {
        writeln!(
            out,
            "❌ **Gate failed** — profile `{}`, fail-on `{}`: {} open finding(s) at or above `{}`.",
            gate.profile, gate.fail_on, gate.failing, gate.fail_on
        )?;
    }
    writeln!(out)?;
    let counts: Vec<String> = Severity::ALL_DESCENDING
        .iter()
        .filter_map(|s| gate.open_by_severity.get(s).map(|c| format!("{c} {s}")))
        .collect();
    writeln!(
        out,
        "{} files, {} objects · open: {} · waived {} · suppressed {} · baseline {}",
        report.stats.files,
        report.stats.objects,
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        },
        gate.waived,
        gate.suppressed,
        gate.baseline
    )?;
    if let Some(db) = &report.vuln_db {
        writeln!(out)?;
        writeln!(out, "{}", capitalize(&db.describe()))?;
    }
    for notice in &report.notices {
        writeln!(out)?;
        writeln!(
            out,
            "> ⚠️ {}{}",
            notice
                .path
                .as_deref()
                .map(|p| format!("`{p}`: "))
                .unwrap_or_default(),
            cell(&notice.message)
        )?;
    }
    if !open.is_empty() {
        writeln!(out)?;
        writeln!(out, "| Severity | Rule | Location | Object | Finding |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for finding in open.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "| {} | `{}` {} | `{}:{}` | {} | {} |",
                icon(finding.severity),
                finding.rule_id,
                finding.rule_name,
                cell(&finding.location.path),
                finding.location.span.line,
                object_label(finding).map(|o| cell(&o)).unwrap_or_default(),
                cell(&finding.message)
            )?;
        }
        if open.len() > MAX_ROWS {
            writeln!(out)?;
            writeln!(
                out,
                "…and {} more; see the full report.",
                open.len() - MAX_ROWS
            )?;
        }
        let mut fixes: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        for finding in &open {
            fixes.insert(&finding.rule_id, (&finding.rule_name, &finding.fix));
        }
        writeln!(out)?;
        writeln!(out, "<details><summary>How to fix</summary>")?;
        writeln!(out)?;
        for (id, (name, fix)) in fixes {
            writeln!(
                out,
                "- **{id} {name}**: {} (`lockgate explain {id}`)",
                cell(fix)
            )?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    let settled: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !f.status.is_open())
        .collect();
    if !settled.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "<details><summary>{} waived, suppressed or baseline finding(s)</summary>",
            settled.len()
        )?;
        writeln!(out)?;
        for finding in settled.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "- `{}` `{}:{}` {} — {}",
                finding.rule_id,
                cell(&finding.location.path),
                finding.location.span.line,
                cell(&finding.message),
                finding.status.label()
            )?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    Ok(())
}

/// The text with its first letter in upper case.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
