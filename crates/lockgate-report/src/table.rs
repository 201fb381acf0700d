//! The human format: notices, then each open finding with a code frame under it, then
//! waived/suppressed/baseline findings in one line each, then a summary by severity and
//! the gate's verdict.

use std::collections::HashMap;
use std::io::{self, Write};

use lockgate_model::{Finding, FindingStatus, NoticeLevel, Report, Severity};

use crate::{WriteOptions, object_label, printable};

/// ANSI styles, applied only when colour is on.
struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, severity: Severity) -> String {
        let code = match severity {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "1;33",
            Severity::Low => "1;34",
            Severity::Info => "1;37",
        };
        self.paint(code, &format!("{:<8}", severity.as_str().to_uppercase()))
    }

    fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }

    fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
}

pub(crate) fn write(report: &Report, options: WriteOptions, out: &mut dyn Write) -> io::Result<()> {
    let style = Style {
        color: options.color,
    };
    for notice in &report.notices {
        let label = match notice.level {
            NoticeLevel::Info => style.paint("1;36", "note"),
            NoticeLevel::Warning => style.paint("1;33", "warning"),
        };
        match &notice.path {
            Some(path) => writeln!(out, "{label}: {path}: {}", notice.message)?,
            None => writeln!(out, "{label}: {}", notice.message)?,
        }
    }
    if !report.notices.is_empty() {
        writeln!(out)?;
    }
    // Lines that hold credential values are never quoted in clear, whichever finding's
    // code frame they appear in: each is cut before the first secret on it (and lines
    // inside a multi-line secret are hidden whole).
    let mut redacted: Redactions = HashMap::new();
    for finding in report.findings.iter().filter(|f| f.redact_line) {
        let path = &*finding.location.path;
        let span = finding.location.span;
        let mask = redacted.entry((path, span.line)).or_insert(Mask {
            before_column: usize::MAX,
            after_key: false,
        });
        if finding.identity.is_some() {
            // A detected secret: hide from its first character.
            let column = usize::try_from(span.column.saturating_sub(1)).unwrap_or(0);
            mask.before_column = mask.before_column.min(column);
            for line in span.line.saturating_add(1)..=span.end_line {
                redacted.insert(
                    (path, line),
                    Mask {
                        before_column: 0,
                        after_key: false,
                    },
                );
            }
        } else {
            // A credential-valued key (`password: ...`): hide after the key.
            mask.after_key = true;
        }
    }
    let open: Vec<&Finding> = report.open_findings().collect();
    for finding in &open {
        write_finding(report, finding, &redacted, &style, out)?;
    }
    let settled: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| !f.status.is_open())
        .collect();
    if !settled.is_empty() {
        writeln!(out, "{}", style.bold("Not counted by the gate:"))?;
        for finding in settled {
            let why = match &finding.status {
                FindingStatus::Waived {
                    owner,
                    reason,
                    expires,
                } => format!("waived by {owner} until {expires}: {reason}"),
                FindingStatus::Suppressed { reason } => format!("suppressed inline: {reason}"),
                FindingStatus::Baseline => "in baseline".to_string(),
                FindingStatus::Open => String::new(),
            };
            writeln!(
                out,
                "  {} {}:{}  {}  {}",
                finding.rule_id,
                printable(&finding.location.path),
                finding.location.span.line,
                printable(&finding.message),
                style.dim(&printable(&format!("({why})")))
            )?;
        }
        writeln!(out)?;
    }
    write_summary(report, &style, out)
}

fn write_finding(
    report: &Report,
    finding: &Finding,
    redacted: &Redactions,
    style: &Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        out,
        "{} {} {}  {}",
        style.severity(finding.severity),
        style.bold(&finding.rule_id),
        style.dim(&finding.rule_name),
        printable(&finding.message)
    )?;
    let span = finding.location.span;
    let object = object_label(finding)
        .map(|o| format!("  ({o})"))
        .unwrap_or_default();
    writeln!(
        out,
        "  {} {}:{}:{}{}",
        style.dim("-->"),
        printable(&finding.location.path),
        span.line,
        span.column,
        printable(&object)
    )?;
    if let Some(commit) = &finding.commit {
        writeln!(
            out,
            "  {} {} by {} <{}> on {}: {}",
            style.dim("commit"),
            commit.sha.get(..12).unwrap_or(&commit.sha),
            printable(&commit.author),
            printable(&commit.email),
            printable(&commit.date),
            printable(&commit.summary)
        )?;
    }
    if let Some(line) = report.sources.line(&finding.location.path, span.line) {
        let number = span.line.to_string();
        let gutter = " ".repeat(number.len());
        if span.line > 1
            && let Some(previous) = report.sources.line(&finding.location.path, span.line - 1)
        {
            let previous_number = format!("{:>width$}", span.line - 1, width = number.len());
            writeln!(
                out,
                "  {} {} {}",
                style.dim(&previous_number),
                style.dim("|"),
                frame_line(previous, &finding.location.path, span.line - 1, redacted)
            )?;
        }
        writeln!(
            out,
            "  {} {} {}",
            style.dim(&number),
            style.dim("|"),
            frame_line(line, &finding.location.path, span.line, redacted)
        )?;
        let start = usize::try_from(span.column.saturating_sub(1)).unwrap_or(0);
        let width = if span.end_line == span.line && span.end_column > span.column {
            usize::try_from(span.end_column - span.column).unwrap_or(1)
        } else {
            1
        };
        let indent: String = line
            .chars()
            .take(start)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(
            out,
            "  {gutter} {} {indent}{}",
            style.dim("|"),
            style.paint("1;31", &"^".repeat(width.min(120)))
        )?;
    }
    writeln!(out, "  {} {}", style.paint("1;32", "fix:"), finding.fix)?;
    writeln!(out)
}

/// How much of a line may be shown, by (path, line).
type Redactions<'a> = HashMap<(&'a str, u32), Mask>;

#[derive(Debug, Clone, Copy)]
struct Mask {
    /// Shown up to this character column (0-based) at most: where a secret starts.
    before_column: usize,
    /// Shown up to the end of the key (`password:`) at most.
    after_key: bool,
}

/// A source line as a frame shows it: cut when very long, and masked after its key (and
/// before any secret on it) when it holds a credential value.
fn frame_line(line: &str, path: &str, number: u32, redacted: &Redactions) -> String {
    let Some(mask) = redacted.get(&(path, number)) else {
        return truncate(line);
    };
    let after_key = if mask.after_key {
        line.find(':')
            .map_or_else(|| line.len() - line.trim_start().len(), |colon| colon + 1)
    } else {
        line.len()
    };
    let before_secret = line
        .char_indices()
        .nth(mask.before_column)
        .map_or(line.len(), |(at, _)| at);
    let keep = after_key.min(before_secret);
    format!("{} ‹value redacted›", truncate(&line[..keep]).trim_end())
}

/// Very long lines (minified JSON) are cut so a frame stays readable.
fn truncate(line: &str) -> String {
    const MAX: usize = 160;
    let line = &*printable(line);
    if line.chars().count() > MAX {
        let cut: String = line.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

fn write_summary(report: &Report, style: &Style, out: &mut dyn Write) -> io::Result<()> {
    let gate = &report.gate;
    let open: usize = gate.open_by_severity.values().sum();
    let by_severity: Vec<String> = Severity::ALL_DESCENDING
        .iter()
        .filter_map(|s| {
            gate.open_by_severity
                .get(s)
                .map(|count| format!("{count} {}", s.as_str()))
        })
        .collect();
    let by_severity = if by_severity.is_empty() {
        String::new()
    } else {
        format!(" ({})", by_severity.join(", "))
    };
    writeln!(
        out,
        "{} files, {} objects scanned in {} ms: {} open finding{}{}; {} waived, {} suppressed, {} in baseline",
        report.stats.files,
        report.stats.objects,
        report.stats.duration_ms,
        open,
        if open == 1 { "" } else { "s" },
        by_severity,
        gate.waived,
        gate.suppressed,
        gate.baseline
    )?;
    if let Some(db) = &report.vuln_db {
        writeln!(out, "{}", db.describe())?;
    }
    if gate.passed {
        writeln!(
            out,
            "{} (profile {}, fail-on {}: no open finding at or above {})",
            style.paint("1;32", "Gate passed"),
            gate.profile,
            gate.fail_on,
            gate.fail_on
        )
    } else {
        writeln!(
            out,
            "{} (profile {}, fail-on {}: {} open finding{} at or above {})",
            style.paint("1;31", "Gate failed"),
            gate.profile,
            gate.fail_on,
            gate.failing,
            if gate.failing == 1 { "" } else { "s" },
            gate.fail_on
        )
    }
}
