//! The user's package policy (`[packages]` in `lockgate.toml`): packages the team bans
//! (PKG-001) and licences it denies (PKG-002), reported at the line that pins each
//! package.

use std::collections::BTreeMap;
use std::sync::Arc;

use globset::{GlobBuilder, GlobMatcher};
use lockgate_rules::package_rules::{BANNED_PACKAGE, DENIED_LICENSE};
use lockgate_sbom::purl::Purl;
use lockgate_sbom::{PackageSet, expression_is_denied};

use crate::analyze::{Analyzer, Outcome};
use crate::sources::display_path;

/// One outcome per file declaring packages the policy refuses.
pub(crate) fn package_outcomes(analyzer: &Analyzer<'_>, set: &PackageSet) -> Vec<Outcome> {
    let policy = &analyzer.effective.packages;
    let check_banned =
        !policy.deny.is_empty() && analyzer.effective.enabled.contains(BANNED_PACKAGE.id);
    let check_licenses =
        !policy.deny_licenses.is_empty() && analyzer.effective.enabled.contains(DENIED_LICENSE.id);
    if !check_banned && !check_licenses {
        return Vec::new();
    }
    // Validated when the configuration was read; a pattern that still fails is skipped.
    let denied: Vec<(String, GlobMatcher)> = policy
        .deny_licenses
        .iter()
        .filter_map(|pattern| {
            let glob = GlobBuilder::new(pattern)
                .case_insensitive(true)
                .build()
                .ok()?;
            Some((pattern.clone(), glob.compile_matcher()))
        })
        .collect();
    let mut by_path: BTreeMap<String, Outcome> = BTreeMap::new();
    for package in &set.packages {
        let mut findings = Vec::new();
        let shown = display_path(std::path::Path::new(&*package.found_at.path));
        let path: Arc<str> = Arc::from(shown.as_str());
        let span = package.found_at.to_location().span;
        if check_banned && let Some(purl) = Purl::parse(&package.purl) {
            for entry in policy.deny.iter().filter(|e| e.pattern.covers(&purl)) {
                let reason = entry
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                let mut finding = analyzer.finding(
                    &BANNED_PACKAGE,
                    &path,
                    span,
                    None,
                    format!(
                        "{} {} ({}) is banned by `{}` in [packages] deny{reason}",
                        package.name,
                        package.version,
                        package.ecosystem.osv_name(),
                        entry.purl
                    ),
                );
                finding.identity = Some(format!("{}/{}", entry.purl, package.name));
                findings.push(finding);
            }
        }
        if check_licenses
            && let Some(license) = &package.license
            && expression_is_denied(license, &|name: &str| {
                denied.iter().any(|(_, glob)| glob.is_match(name))
            })
        {
            // The patterns that refuse it on their own, to name in the message.
            let matched: Vec<&str> = denied
                .iter()
                .filter(|(_, glob)| {
                    expression_is_denied(license, &|name: &str| glob.is_match(name))
                })
                .map(|(pattern, _)| pattern.as_str())
                .collect();
            let mut finding = analyzer.finding(
                &DENIED_LICENSE,
                &path,
                span,
                None,
                format!(
                    "{} {} ({}) is licensed `{license}`, which [packages] deny-licenses refuses{}",
                    package.name,
                    package.version,
                    package.ecosystem.osv_name(),
                    if matched.is_empty() {
                        String::new()
                    } else {
                        format!(" (`{}`)", matched.join("`, `"))
                    }
                ),
            );
            finding.identity = Some(format!("{}/{license}", package.name));
            findings.push(finding);
        }
        if !findings.is_empty() {
            by_path
                .entry(shown.clone())
                .or_insert_with(|| Outcome {
                    path,
                    ..Outcome::default()
                })
                .findings
                .extend(findings);
        }
    }
    by_path.into_values().collect()
}
