//! Where a finding is: a file (or synthesized source) and a 1-based line/column span.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A range in a source text. Lines and columns are 1-based; columns count characters.
/// The end is inclusive of the last character's column + 1 (exclusive end), as in SARIF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Span {
    /// A span covering one point (used when only a start is known).
    pub fn point(line: u32, column: u32) -> Span {
        Span {
            line,
            column,
            end_line: line,
            end_column: column,
        }
    }
}

/// A source path (a file path relative to where the scan ran, `-` for stdin, or a
/// synthesized URI such as `helm://chart/templates/x.yaml`) and the span in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
pub struct Location {
    /// Shared between all findings of one source.
    pub path: Arc<str>,
    #[serde(flatten)]
    pub span: Span,
}

/// Written by hand: `#[serde(flatten)]` on `span` would buffer every location.
impl Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Location", 5)?;
        out.serialize_field("path", &self.path)?;
        out.serialize_field("line", &self.span.line)?;
        out.serialize_field("column", &self.span.column)?;
        out.serialize_field("end_line", &self.span.end_line)?;
        out.serialize_field("end_column", &self.span.end_column)?;
        out.end()
    }
}
