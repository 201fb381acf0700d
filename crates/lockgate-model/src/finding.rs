//! A finding: one rule's verdict on one place, with the object it concerns and what
//! the gate made of it (open, waived, suppressed inline, or known from the baseline).

use std::borrow::Cow;
use std::sync::Arc;

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

/// The commit that added a finding's text, for findings from git history.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    pub author: String,
    pub email: String,
    /// Author date, ISO 8601.
    pub date: String,
    /// First line of the commit message.
    pub summary: String,
}

/// The vulnerability behind a finding of a vulnerable package: which advisory, which
/// package, and what to upgrade to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    /// The advisory ID (`GHSA-…`, `GO-…`, `PYSEC-…`, `RUSTSEC-…`, `DSA-…`).
    pub id: String,
    /// Other IDs of the same vulnerability (`CVE-…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The affected package as its ecosystem names it.
    pub package: String,
    /// The installed or locked version.
    pub version: String,
    /// The OSV ecosystem of the matching advisory entry (`npm`, `PyPI`, `Debian:12`).
    pub ecosystem: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub purl: String,
    /// Versions that fix it, newer than the installed one; empty when no fix exists.
    #[serde(default)]
    pub fixed: Vec<String>,
    /// The CVSS base score the severity was computed from, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_vector: Option<String>,
    /// Where to read the advisory.
    pub url: String,
}

impl Vulnerability {
    /// Whether `id` names this vulnerability: its advisory ID or one of its aliases.
    pub fn is_named(&self, id: &str) -> bool {
        self.id.eq_ignore_ascii_case(id) || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
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

/// One rule's verdict on one place. Rule metadata is borrowed from the static registry
/// (`Cow::Borrowed`) and the object identity is shared between an object's findings, so a
/// scan with a hundred thousand findings does not copy the same strings a million times.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Finding {
    pub rule_id: Cow<'static, str>,
    pub rule_name: Cow<'static, str>,
    pub severity: Severity,
    pub frameworks: Vec<Cow<'static, str>>,
    pub message: String,
    pub fix: Cow<'static, str>,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub object: Option<Arc<ObjectRef>>,
    /// The commit that added the text (findings from `--git` history).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub commit: Option<Arc<Commit>>,
    /// The advisory and package (findings of vulnerable packages).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vulnerability: Option<Arc<Vulnerability>>,
    /// Stable across line moves; see [`crate::fingerprint`].
    pub fingerprint: String,
    /// What tells this finding apart from others of its rule in the same place, when the
    /// message does not (a hash of a detected secret). Only ever hashed into the
    /// fingerprint; not serialized.
    #[serde(skip)]
    pub identity: Option<String>,
    /// The source line holds a credential value: writers that show source text must not
    /// show this line in clear. Not part of the serialized finding.
    #[serde(skip)]
    pub redact_line: bool,
    #[serde(flatten)]
    pub status: FindingStatus,
}

/// Written by hand: `#[serde(flatten)]` on `status` would buffer every finding. The
/// status's fields (`status`, and `owner`/`reason`/`expires` where they apply) sit at
/// the finding's top level, as the derived form would put them.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Finding", 16)?;
        out.serialize_field("rule_id", &self.rule_id)?;
        out.serialize_field("rule_name", &self.rule_name)?;
        out.serialize_field("severity", &self.severity)?;
        out.serialize_field("frameworks", &self.frameworks)?;
        out.serialize_field("message", &self.message)?;
        out.serialize_field("fix", &self.fix)?;
        out.serialize_field("location", &self.location)?;
        if let Some(object) = &self.object {
            out.serialize_field("object", object)?;
        }
        if let Some(commit) = &self.commit {
            out.serialize_field("commit", commit)?;
        }
        if let Some(vulnerability) = &self.vulnerability {
            out.serialize_field("vulnerability", vulnerability)?;
        }
        out.serialize_field("fingerprint", &self.fingerprint)?;
        out.serialize_field("status", self.status.label())?;
        match &self.status {
            FindingStatus::Waived {
                owner,
                reason,
                expires,
            } => {
                out.serialize_field("owner", owner)?;
                out.serialize_field("reason", reason)?;
                out.serialize_field("expires", expires)?;
            }
            FindingStatus::Suppressed { reason } => out.serialize_field("reason", reason)?,
            FindingStatus::Open | FindingStatus::Baseline => {}
        }
        out.end()
    }
}
