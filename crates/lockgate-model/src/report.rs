//! The result of one scan: findings, notices, the rules involved, statistics, the gate's
//! decision, and the source texts needed to draw code frames.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use crate::{Finding, RuleInfo, Severity};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoticeLevel {
    Info,
    Warning,
}

/// Something the user should know that is not a finding about their objects: a helper
/// tool that is missing, a file skipped as binary, an unknown rule in the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub level: NoticeLevel,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanStats {
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    /// Bytes searched for secrets.
    #[serde(default)]
    pub bytes: u64,
    /// Files not searched because they are binary (hold NUL bytes).
    #[serde(default)]
    pub skipped_binary: usize,
    /// Archives (zip, tar, jar, ...) not searched.
    #[serde(default)]
    pub skipped_archives: usize,
    /// Commits whose changes were searched (`--git`, `--staged` counts as one).
    #[serde(default)]
    pub commits: usize,
    pub duration_ms: u64,
}

/// The gate's decision: which findings count and whether the run passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateSummary {
    pub passed: bool,
    pub fail_on: Severity,
    pub profile: String,
    /// Open findings at or above `fail_on`.
    pub failing: usize,
    /// Open findings per severity.
    pub open_by_severity: BTreeMap<Severity, usize>,
    pub waived: usize,
    pub suppressed: usize,
    pub baseline: usize,
}

/// Source texts by path, shared cheaply between the report and the writers. Line starts
/// are indexed on first use, so drawing thousands of code frames stays linear.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    texts: BTreeMap<String, SourceText>,
}

#[derive(Debug, Clone)]
struct SourceText {
    text: Arc<str>,
    line_starts: Arc<OnceLock<Vec<usize>>>,
}

impl SourceMap {
    pub fn insert(&mut self, path: impl Into<String>, text: Arc<str>) {
        self.texts.insert(
            path.into(),
            SourceText {
                text,
                line_starts: Arc::default(),
            },
        );
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.texts.get(path).map(|t| &*t.text)
    }

    /// The 1-based line `line` of `path`, without its line ending.
    pub fn line(&self, path: &str, line: u32) -> Option<&str> {
        let source = self.texts.get(path)?;
        let starts = source.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(source.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *starts.get(index)?;
        let end = starts
            .get(index + 1)
            .map_or(source.text.len(), |next| next - 1);
        if start > source.text.len() || (start == source.text.len() && index > 0) {
            return None;
        }
        source
            .text
            .get(start..end.max(start))
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
    }
}

/// The advisory database a scan matched packages against: every report that checked
/// vulnerabilities says how old its knowledge was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VulnDbInfo {
    pub path: String,
    /// Advisories it holds.
    pub records: usize,
    /// When it was last written (imported or updated), RFC 3339 in UTC.
    pub updated: String,
    /// Whole days since then.
    pub age_days: u64,
    /// Packages checked against it.
    pub packages: usize,
}

impl VulnDbInfo {
    /// `"3 days old (updated 2026-11-20T08:00:00Z, 12,345 advisories)"`-style line for
    /// human formats.
    pub fn describe(&self) -> String {
        let age = match self.age_days {
            0 => "updated today".to_string(),
            1 => "1 day old".to_string(),
            days => format!("{days} days old"),
        };
        format!(
            "vulnerability database {age} ({} advisories, last written {}); {} package(s) checked",
            self.records, self.updated, self.packages
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub tool: ToolInfo,
    pub findings: Vec<Finding>,
    pub notices: Vec<Notice>,
    /// Metadata of every rule that produced a finding (and of every rule that ran, for
    /// formats that list them).
    pub rules: BTreeMap<String, RuleInfo>,
    pub stats: ScanStats,
    pub gate: GateSummary,
    /// The vulnerability database used, when packages were checked.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vuln_db: Option<VulnDbInfo>,
    #[serde(skip)]
    pub sources: SourceMap,
}

impl Report {
    pub fn open_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.status.is_open())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_by_number() {
        let mut sources = SourceMap::default();
        sources.insert("a", Arc::from("one\r\ntwo\n\nfour"));
        assert_eq!(sources.line("a", 1), Some("one"));
        assert_eq!(sources.line("a", 2), Some("two"));
        assert_eq!(sources.line("a", 3), Some(""));
        assert_eq!(sources.line("a", 4), Some("four"));
        assert_eq!(sources.line("a", 5), None);
        assert_eq!(sources.line("a", 0), None);
        sources.insert("b", Arc::from("x\n"));
        assert_eq!(sources.line("b", 2), None);
    }
}
