//! The data every lockgate crate speaks: severities, rule metadata, source locations,
//! findings, notices and the report a scan produces.
//!
//! This crate does no I/O and knows nothing about Kubernetes, YAML or output formats; it
//! only defines the shapes that sources, analyzers, the engine and the writers exchange.

mod finding;
mod fingerprint;
mod location;
mod path;
mod report;
mod rule;
mod severity;

pub use finding::{Commit, Finding, FindingStatus, ObjectRef, Vulnerability};
pub use fingerprint::fingerprint;
pub use location::{Location, Span};
pub use path::normalize_lexically;
pub use report::{
    GateSummary, Notice, NoticeLevel, Report, ScanStats, SourceMap, ToolInfo, VulnDbInfo,
};
pub use rule::{RuleInfo, RuleMeta};
pub use severity::{ParseSeverityError, Severity};
