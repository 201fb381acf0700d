//! A finding: one rule's verdict on one place, with the object it concerns and what
//! the gate made of it (open, waived, suppressed inline, or known from the baseline).

use serde::{Deserialize, Serialize};

use crate::{Location, Severity};

/// The identity of the Kubernetes object (or other document) a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
}

impl ObjectRef {
    /// `Kind/namespace/name` with `-` for a missing part; used in messages and fingerprints.
    pub fn display_id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.kind,
            self.namespace.as_deref().unwrap_or("-"),
            self.name.as_deref().unwrap_or("-")
        )
    }
}

/// What the gate decided about a finding. Only `Open` findings can fail the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum FindingStatus {
    Open,
    /// Matched a waiver in the configuration.
    Waived {
        owner: String,
        reason: String,
        expires: String,
    },
    /// Suppressed by a `lockgate.dev/ignore` annotation on the object.
    Suppressed {
        reason: String,
    },
    /// Present in the baseline given with `--baseline`.
    Baseline,
}

impl FindingStatus {
    pub fn is_open(&self) -> bool {
        matches!(self, FindingStatus::Open)
    }

    pub fn label(&self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::Waived { .. } => "waived",
            FindingStatus::Suppressed { .. } => "suppressed",
            FindingStatus::Baseline => "baseline",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub severity: Severity,
    pub frameworks: Vec<String>,
    pub message: String,
    pub fix: String,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub object: Option<ObjectRef>,
    /// Stable across line moves; see [`crate::fingerprint`].
    pub fingerprint: String,
    #[serde(flatten)]
    pub status: FindingStatus,
}
