//! lockgate's output writers, one per format behind one function: a human table with
//! code frames, JSON (versioned schema in `docs/`), SARIF 2.1.0, JUnit XML and Markdown.
//!
//! Writers only render a [`lockgate_model::Report`]; they decide nothing. Messages
//! never contain secret values because findings never do.

mod json;
mod junit;
mod markdown;
mod sarif;
mod table;

use std::io::{self, Write};
use std::str::FromStr;

use lockgate_model::Report;

pub use json::JSON_SCHEMA_VERSION;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Junit,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Markdown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
        }
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" | "text" | "human" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "junit" | "xml" => Ok(Format::Junit),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(format!(
                "unknown format `{other}`: expected one of table, json, sarif, junit, markdown"
            )),
        }
    }
}

/// Presentation choices that do not change content.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteOptions {
    /// ANSI colours (table only).
    pub color: bool,
}

/// Writes `report` in `format`.
pub fn write(
    report: &Report,
    format: Format,
    options: WriteOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(report, options, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Markdown => markdown::write(report, out),
    }
}

/// Renders to a string (for tests and for the server).
pub fn render(report: &Report, format: Format, options: WriteOptions) -> String {
    let mut buffer = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write(report, format, options, &mut buffer);
    String::from_utf8_lossy(&buffer).into_owned()
}

/// The object a finding concerns, as `Kind namespace/name`.
pub(crate) fn object_label(finding: &lockgate_model::Finding) -> Option<String> {
    let object = finding.object.as_ref()?;
    let name = object.name.as_deref().unwrap_or("<unnamed>");
    Some(match &object.namespace {
        Some(namespace) => format!("{} {namespace}/{name}", object.kind),
        None => format!("{} {name}", object.kind),
    })
}

/// Replaces control characters (escape sequences from a hostile manifest could rewrite a
/// terminal or CI log) with visible `\u{..}` escapes; tabs stay.
pub(crate) fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\t') {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if c.is_control() && c != '\t' {
                    format!("\\u{{{:x}}}", u32::from(c))
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_made_visible() {
        assert_eq!(super::printable("a\u{1b}[31mb\tc"), "a\\u{1b}[31mb\tc");
        assert_eq!(super::printable("plain"), "plain");
    }
}
