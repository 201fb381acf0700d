//! Where a finding is: a file (or synthesized source) and a 1-based line/column span.

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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    #[serde(flatten)]
    pub span: Span,
}
