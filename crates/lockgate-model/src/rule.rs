//! Rule metadata: the static description every built-in rule declares, and its owned
//! form carried in reports (policies loaded at run time produce the owned form directly).

use serde::{Deserialize, Serialize};

use crate::Severity;

/// What a built-in rule declares about itself. Kept `'static` so the registry is a plain
/// array with no start-up cost.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable identifier, e.g. `KUBE-003`. Never reused.
    pub id: &'static str,
    /// Kebab-case name describing the bad pattern, e.g. `privileged-container`.
    pub name: &'static str,
    /// One-line statement of what is wrong, used as a title in every output.
    pub title: &'static str,
    pub severity: Severity,
    /// What the rule looks at, for humans (`workloads`, `Service`, `ConfigMap`, ...).
    pub applies_to: &'static [&'static str],
    /// Framework mappings such as `pss:baseline/privileged-containers`, `cis:5.2.1`,
    /// `nsa`, `mitre:T1611`.
    pub frameworks: &'static [&'static str],
    /// One-paragraph fix shown under each finding.
    pub fix: &'static str,
    /// Full documentation in Markdown with the sections What it checks, Why it matters,
    /// Example, Fix, References.
    pub docs: &'static str,
}

impl RuleMeta {
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.to_string(),
            name: self.name.to_string(),
            title: self.title.to_string(),
            severity: self.severity,
            frameworks: self.frameworks.iter().map(|f| f.to_string()).collect(),
            fix: self.fix.to_string(),
            docs: self.docs.to_string(),
        }
    }
}

/// Owned rule metadata as it appears in reports (SARIF rule entries, JSON `rules`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub title: String,
    /// The rule's default severity (a configuration may change a finding's severity).
    pub severity: Severity,
    pub frameworks: Vec<String>,
    pub fix: String,
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub docs: String,
}
