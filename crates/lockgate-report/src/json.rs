//! JSON output: the report as data, with a schema version. The schema is
//! `docs/report.schema.json`; fields are only ever added within a version.

use std::io::{self, Write};

use lockgate_model::Report;
use rayon::prelude::*;
use serde::Serialize;

/// Bumped when a field changes meaning or disappears.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Findings are serialized in parallel, this many per task.
const FINDINGS_PER_TASK: usize = 512;

/// Writes the report as an indented JSON object whose findings stand one per line.
/// Findings are the bulk of a large report, so they are serialized compactly and in
/// parallel; the rest is small and pretty-printed.
pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{{")?;
    writeln!(out, "  \"schema_version\": {JSON_SCHEMA_VERSION},")?;
    write_field(out, "tool", &report.tool)?;
    writeln!(out, "  \"findings\": [")?;
    let chunks: Vec<io::Result<Vec<u8>>> = report
        .findings
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
    let total = chunks.len();
    for (index, chunk) in chunks.into_iter().enumerate() {
        let mut chunk = chunk?;
        if index + 1 == total {
            // The last finding takes no comma.
            chunk.truncate(chunk.len() - 2);
            chunk.push(b'\n');
        }
        out.write_all(&chunk)?;
    }
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
