//! After analysis: fingerprints, waivers (with expiry and unused-waiver reports),
//! baseline, and the pass/fail decision.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use globset::Glob;
use lockgate_model::{Finding, FindingStatus, GateSummary, Severity, fingerprint};
use lockgate_rules::engine_rules;

use crate::analyze::Analyzer;
use crate::{Baseline, Date, Waiver};

/// Gives every finding of one source a fingerprint from its rule, the source's stable
/// path, object and message (never its line), numbering identical ones so each stays
/// distinct. `stable_path` is the source's path relative to the project (see
/// [`stable_path`]), so baselines match however the scan was started.
pub(crate) fn assign_fingerprints(findings: &mut [Finding], stable_path: &str) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for finding in findings.iter_mut() {
        let object = finding
            .object
            .as_ref()
            .map(|o| o.display_id())
            .unwrap_or_default();
        // A secret's identity (a hash) replaces the message, whose redacted form could be
        // shared by two different secrets.
        let what = finding.identity.as_deref().unwrap_or(&finding.message);
        let base = fingerprint(&[&finding.rule_id, stable_path, &object, what]);
        let count = seen.entry(base.clone()).or_insert(0);
        finding.fingerprint = if *count == 0 {
            base
        } else {
            fingerprint(&[&base, &count.to_string()])
        };
        *count += 1;
    }
}

/// A source's path relative to `base` (the directory of `lockgate.toml`, else the working
/// directory), with `/` separators; rendered sources keep their scheme. Sources outside
/// `base`, and stdin, keep the path as shown.
pub(crate) fn stable_path(shown: &str, base: &Path) -> String {
    if shown == "stdin" {
        return shown.to_string();
    }
    let (scheme, rest) = match shown.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, shown),
    };
    let relative = std::path::absolute(rest)
        .ok()
        .map(|absolute| crate::scan::normalize(&absolute))
        .and_then(|absolute| absolute.strip_prefix(base).ok().map(Path::to_path_buf))
        .map(|relative| crate::sources::display_path(&relative));
    match (scheme, relative) {
        (Some(scheme), Some(relative)) => format!("{scheme}://{relative}"),
        (None, Some(relative)) => relative,
        _ => shown.to_string(),
    }
}

/// Whether a path glob matches a finding's path, as shown or relative to the directory
/// holding the configuration file (so waivers work from any working directory).
fn path_matches(glob: &globset::GlobMatcher, path: &str, config_dir: Option<&Path>) -> bool {
    if glob.is_match(path) {
        return true;
    }
    let Some(dir) = config_dir else {
        return false;
    };
    std::path::absolute(path)
        .ok()
        .and_then(|absolute| absolute.strip_prefix(dir).ok().map(Path::to_path_buf))
        .is_some_and(|relative| glob.is_match(relative))
}

/// Applies waivers; returns findings about expired and unused waivers.
pub(crate) fn apply_waivers(
    findings: &mut [Finding],
    waivers: &[Waiver],
    today: Date,
    config_path: &str,
    config_dir: Option<&Path>,
    scanned_paths: &[String],
    analyzer: &Analyzer<'_>,
) -> Vec<Finding> {
    let mut extra = Vec::new();
    let config_path: std::sync::Arc<str> = std::sync::Arc::from(config_path);
    for waiver in waivers {
        let path_glob = waiver
            .path
            .as_ref()
            .and_then(|g| crate::sources::path_glob(g).ok())
            .map(|g| g.compile_matcher());
        let object_glob = waiver
            .object
            .as_ref()
            .and_then(|g| Glob::new(g).ok())
            .map(|g| g.compile_matcher());
        let matches = |finding: &Finding| {
            finding.rule_id == waiver.rule
                && path_glob
                    .as_ref()
                    .is_none_or(|g| path_matches(g, &finding.location.path, config_dir))
                && object_glob.as_ref().is_none_or(|g| {
                    finding
                        .object
                        .as_ref()
                        .is_some_and(|o| g.is_match(o.display_id()))
                })
                && waiver.advisory.as_ref().is_none_or(|advisory| {
                    finding
                        .vulnerability
                        .as_ref()
                        .is_some_and(|v| v.is_named(advisory))
                })
        };
        let scope = describe_scope(waiver);
        if waiver.expires < today {
            extra.push(analyzer.finding(
                &engine_rules::EXPIRED_WAIVER,
                &config_path,
                waiver.span,
                None,
                format!(
                    "waiver for {} ({scope}, owner {}) expired on {}; the findings it covered are open again",
                    waiver.rule, waiver.owner, waiver.expires
                ),
            ));
            continue;
        }
        let mut used = false;
        for finding in findings.iter_mut().filter(|f| f.status.is_open()) {
            if matches(finding) {
                used = true;
                finding.status = FindingStatus::Waived {
                    owner: waiver.owner.clone(),
                    reason: waiver.reason.clone(),
                    expires: waiver.expires.to_string(),
                };
            }
        }
        // A waiver scoped to files this scan did not read is not stale, just out of view.
        let in_view = path_glob
            .as_ref()
            .is_none_or(|g| scanned_paths.iter().any(|p| path_matches(g, p, config_dir)));
        if !used && in_view {
            extra.push(analyzer.finding(
                &engine_rules::UNUSED_WAIVER,
                &config_path,
                waiver.span,
                None,
                format!(
                    "waiver for {} ({scope}, owner {}) matched no finding",
                    waiver.rule, waiver.owner
                ),
            ));
        }
    }
    extra
}

fn describe_scope(waiver: &Waiver) -> String {
    let mut parts = Vec::new();
    if let Some(advisory) = &waiver.advisory {
        parts.push(format!("advisory `{advisory}`"));
    }
    if let Some(path) = &waiver.path {
        parts.push(format!("path `{path}`"));
    }
    if let Some(object) = &waiver.object {
        parts.push(format!("object `{object}`"));
    }
    if parts.is_empty() {
        "everywhere".to_string()
    } else {
        parts.join(", ")
    }
}

pub(crate) fn apply_baseline(findings: &mut [Finding], baseline: &Baseline) {
    let known = baseline.fingerprints();
    for finding in findings.iter_mut() {
        if finding.status.is_open() && known.contains(finding.fingerprint.as_str()) {
            finding.status = FindingStatus::Baseline;
        }
    }
}

pub(crate) fn decide(findings: &[Finding], fail_on: Severity, profile: &str) -> GateSummary {
    let mut open_by_severity = BTreeMap::new();
    let (mut waived, mut suppressed, mut baseline, mut failing) = (0, 0, 0, 0);
    for finding in findings {
        match finding.status {
            FindingStatus::Open => {
                *open_by_severity.entry(finding.severity).or_insert(0) += 1;
                if finding.severity >= fail_on {
                    failing += 1;
                }
            }
            FindingStatus::Waived { .. } => waived += 1,
            FindingStatus::Suppressed { .. } => suppressed += 1,
            FindingStatus::Baseline => baseline += 1,
        }
    }
    GateSummary {
        passed: failing == 0,
        fail_on,
        profile: profile.to_string(),
        failing,
        open_by_severity,
        waived,
        suppressed,
        baseline,
    }
}
