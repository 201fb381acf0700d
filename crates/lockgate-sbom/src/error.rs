//! Why a file could not be cataloged. Each error names the file and, where known, the
//! line, so a `parse-error` finding can point at it.

use std::io;
use std::sync::Arc;

/// A file that could not be read or parsed. The catalog run records it and goes on.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: Arc<str>,
        #[source]
        source: io::Error,
    },
    #[error("{path}: {size} bytes is more than the {limit}-byte limit for a package file")]
    TooLarge {
        path: Arc<str>,
        size: u64,
        limit: u64,
    },
    #[error("{path}{}: could not extract packages: {message}", line_suffix(*.line))]
    Parse {
        path: Arc<str>,
        line: Option<u32>,
        message: String,
    },
    /// The file was read, but some of what it states could not be resolved (a Maven
    /// version whose parent POM is not available). Its packages are still reported.
    #[error("{path}{}: incomplete: {message}", line_suffix(*.line))]
    Incomplete {
        path: Arc<str>,
        line: Option<u32>,
        message: String,
    },
}

fn line_suffix(line: Option<u32>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

impl CatalogError {
    pub fn path(&self) -> &str {
        match self {
            CatalogError::Read { path, .. }
            | CatalogError::TooLarge { path, .. }
            | CatalogError::Parse { path, .. }
            | CatalogError::Incomplete { path, .. } => path,
        }
    }

    /// The line the problem was detected on, when known.
    pub fn line(&self) -> Option<u32> {
        match self {
            CatalogError::Parse { line, .. } | CatalogError::Incomplete { line, .. } => *line,
            CatalogError::Read { .. } | CatalogError::TooLarge { .. } => None,
        }
    }

    pub(crate) fn parse(path: &Arc<str>, line: Option<u32>, message: impl Into<String>) -> Self {
        CatalogError::Parse {
            path: Arc::clone(path),
            line,
            message: message.into(),
        }
    }
}
