//! Baselines: a recorded set of finding fingerprints. With `--baseline FILE`, findings
//! already recorded are reported as `baseline` and do not fail the gate, so a team can
//! adopt lockgate on an existing repository and fail only on what is new.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use lockgate_model::Finding;
use serde::{Deserialize, Serialize};

/// The baseline file format version this build writes and reads.
pub const BASELINE_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("baseline {path} is not a lockgate baseline: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// One recorded finding. Only the fingerprint is compared; the rest helps reviewers
/// read the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule_id: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

impl Baseline {
    /// Records every finding that is not already waived or suppressed.
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .filter(|f| {
                matches!(
                    f.status,
                    lockgate_model::FindingStatus::Open | lockgate_model::FindingStatus::Baseline
                )
            })
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.to_string(),
                path: f.location.path.to_string(),
                object: f.object.as_ref().map(|o| o.display_id()),
                message: f.message.clone(),
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.path, &a.rule_id, &a.fingerprint).cmp(&(&b.path, &b.rule_id, &b.fingerprint))
        });
        Baseline {
            version: BASELINE_VERSION,
            findings: entries,
        }
    }

    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|e| BaselineError::Invalid {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        if baseline.version != BASELINE_VERSION {
            return Err(BaselineError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "version {} is not supported (this build reads version {BASELINE_VERSION})",
                    baseline.version
                ),
            });
        }
        Ok(baseline)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub(crate) fn fingerprints(&self) -> HashSet<&str> {
        self.findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect()
    }
}
