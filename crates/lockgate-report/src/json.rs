//! JSON output: the report as data, with a schema version. The schema is
//! `docs/report.schema.json`; fields are only ever added within a version.

use std::io::{self, Write};

use lockgate_model::Report;
use serde::Serialize;

/// Bumped when a field changes meaning or disappears.
pub const JSON_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    #[serde(flatten)]
    report: &'a Report,
}

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let document = JsonReport {
        schema_version: JSON_SCHEMA_VERSION,
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
