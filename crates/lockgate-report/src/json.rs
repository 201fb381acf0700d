//! JSON output: the report as data, with a schema version. The schema is
//! `docs/report.schema.json`; fields are only ever added within a version.

use std::io::{self, Write};

use lockgate_model::Report;
use serde::Serialize;

/// Bumped when a field changes meaning or disappears.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// The report with its schema version in front. Written field by field rather than with
/// `#[serde(flatten)]`, which would buffer the whole report in memory first.
struct JsonReport<'a> {
    schema_version: u32,
    report: &'a Report,
}

impl Serialize for JsonReport<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let report = self.report;
        let mut out = serializer.serialize_struct("Report", 7)?;
        out.serialize_field("schema_version", &self.schema_version)?;
        out.serialize_field("tool", &report.tool)?;
        out.serialize_field("findings", &report.findings)?;
        out.serialize_field("notices", &report.notices)?;
        out.serialize_field("rules", &report.rules)?;
        out.serialize_field("stats", &report.stats)?;
        out.serialize_field("gate", &report.gate)?;
        out.end()
    }
}

pub(crate) fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let document = JsonReport {
        schema_version: JSON_SCHEMA_VERSION,
        report,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
