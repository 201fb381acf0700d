//! JSON output: the report as data, with a schema version. The schema is
//! `docs/report.schema.json`; fields are only ever added within a version.

use std::io::{self, Write};

use lockgate_model::{Finding, Report};
use rayon::prelude::*;
use serde::Serialize;

/// Bumped when a field changes meaning or disappears.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Findings are serialized in parallel, this many per task.
const FINDINGS_PER_TASK: usize = 512;

/// Tasks per worker thread in one window of findings: enough to balance the threads.
const TASKS_PER_THREAD: usize = 4;

/// Writes the report as an indented JSON object whose findings stand one per line.
/// Findings are the bulk of a large report, so they are serialized compactly and in
/// parallel; the rest is small and pretty-printed.
pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{{")?;
    writeln!(out, "  \"schema_version\": {JSON_SCHEMA_VERSION},")?;
    write_field(out, "tool", &report.tool)?;
    writeln!(out, "  \"findings\": [")?;
    let window = FINDINGS_PER_TASK * TASKS_PER_THREAD * rayon::current_num_threads().max(1);
    write_findings(&report.findings, window, out)?;
    writeln!(out, "  ],")?;
    write_field(out, "notices", &report.notices)?;
    write_field(out, "rules", &report.rules)?;
    write_field(out, "stats", &report.stats)?;
    if let Some(db) = &report.vuln_db {
        write_field(out, "vuln_db", db)?;
    }
    write!(out, "  \"gate\": ")?;
    write_indented(out, &report.gate)?;
    writeln!(out)?;
    writeln!(out, "}}")
}

/// Writes the findings as the lines of a JSON array body, `window` findings at a time:
/// each window is serialized in parallel and written before the next, so the whole
/// report's text (65 MB for 100,000 findings) is never in memory at once.
fn write_findings(findings: &[Finding], window: usize, out: &mut dyn Write) -> io::Result<()> {
    let windows = findings.chunks(window.max(1));
    let last_window = windows.len().saturating_sub(1);
    for (window_index, findings) in windows.enumerate() {
        let chunks: Vec<io::Result<Vec<u8>>> = findings
            .par_chunks(FINDINGS_PER_TASK)
            .map(|chunk| {
                let mut buffer = Vec::with_capacity(chunk.len() * 512);
                for finding in chunk {
                    buffer.extend_from_slice(b"    ");
                    serde_json::to_writer(&mut buffer, finding)?;
                    buffer.extend_from_slice(b",\n");
                }
                Ok(buffer)
            })
            .collect();
        let last_chunk = chunks.len().saturating_sub(1);
        for (index, chunk) in chunks.into_iter().enumerate() {
            let mut chunk = chunk?;
            if window_index == last_window && index == last_chunk {
                // The last finding takes no comma.
                chunk.truncate(chunk.len() - 2);
                chunk.push(b'\n');
            }
            out.write_all(&chunk)?;
        }
    }
    Ok(())
}

fn write_field(out: &mut dyn Write, name: &str, value: &impl Serialize) -> io::Result<()> {
    write!(out, "  \"{name}\": ")?;
    write_indented(out, value)?;
    writeln!(out, ",")
}

/// Pretty-prints a value nested one level deep.
fn write_indented(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    let mut lines = text.lines();
    if let Some(first) = lines.next() {
        write!(out, "{first}")?;
    }
    for line in lines {
        write!(out, "\n  {line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use lockgate_model::{Finding, FindingStatus, Location, Severity, Span};

    fn finding(n: usize) -> Finding {
        Finding {
            rule_id: Cow::Borrowed("KUBE-001"),
            rule_name: Cow::Borrowed("a-rule"),
            severity: Severity::High,
            frameworks: Vec::new(),
            message: format!("finding {n}"),
            fix: Cow::Borrowed("fix it"),
            location: Location {
                path: Arc::from("a.yaml"),
                span: Span::point(u32::try_from(n).unwrap_or(u32::MAX), 1),
            },
            object: None,
            commit: None,
            vulnerability: None,
            fingerprint: format!("{n:032x}"),
            identity: None,
            redact_line: false,
            status: FindingStatus::Open,
        }
    }

    /// Windows and tasks split the array in different places; every split must give the
    /// same valid array, with no comma after the last finding.
    #[test]
    fn findings_are_one_array_whatever_the_windows() {
        for count in [0, 1, 511, 512, 513, 1025, 2000] {
            let findings: Vec<Finding> = (0..count).map(finding).collect();
            for window in [1, 3, 512, 700, 5000] {
                let mut body = Vec::new();
                super::write_findings(&findings, window, &mut body).expect("write");
                let text = format!("[\n{}]", String::from_utf8(body).expect("utf-8"));
                let parsed: Vec<serde_json::Value> =
                    serde_json::from_str(&text).expect("a JSON array");
                assert_eq!(parsed.len(), count, "{count} findings, window {window}");
                if let Some(last) = parsed.last() {
                    assert_eq!(last["message"], format!("finding {}", count - 1));
                }
            }
        }
    }
}
