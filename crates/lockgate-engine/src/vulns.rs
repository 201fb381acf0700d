//! Vulnerable packages: the packages of the scanned paths (and of SBOMs given as input)
//! matched against the offline advisory database, as VULN-001 findings at the line of
//! the lockfile that pins each package; and the database's age, stated in the report and
//! checked against `--db-max-age` (VULN-002).
//!
//! Distro packages are matched under their source package, as Debian and Alpine file
//! their advisories.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lockgate_model::{Finding, Severity, Span, VulnDbInfo, Vulnerability};
use lockgate_rules::package_rules::{STALE_DATABASE, VULNERABLE_PACKAGE};
use lockgate_sbom::{Package, PackageSet};
use lockgate_vuln::{Database, Match, MatchOptions, Query, Rating};

use crate::analyze::{Analyzer, Outcome};
use crate::scan::ScanError;
use crate::sources::display_path;

/// How a scan checks packages for vulnerabilities.
#[derive(Debug, Clone, Default)]
pub struct VulnOptions {
    /// The database file.
    pub db: PathBuf,
    /// The user asked for vulnerabilities explicitly: a missing database is an error
    /// rather than a notice.
    pub required: bool,
    /// The oldest database the gate accepts.
    pub max_age: Option<Duration>,
    /// Report RustSec informational notices too.
    pub informational: bool,
    /// CycloneDX or SPDX documents whose packages are checked as well.
    pub sboms: Vec<PathBuf>,
    /// OpenVEX documents whose `not_affected` and `fixed` statements suppress findings.
    pub vex: Vec<PathBuf>,
}

/// The database, opened, and what the report says about it.
pub(crate) struct OpenedDb {
    pub db: Database,
    pub info: VulnDbInfo,
}

/// Opens the database. `Ok(None)` when it does not exist and was not required.
pub(crate) fn open_db(options: &VulnOptions) -> Result<Option<OpenedDb>, ScanError> {
    if !options.db.exists() && !options.required {
        return Ok(None);
    }
    let db = Database::open(&options.db).map_err(|e| {
        ScanError(format!(
            "vulnerability database: {e}. Create it with `lockgate db update` (online) or `lockgate db import OSV-FILES...` (offline), or point to it with --db"
        ))
    })?;
    let written = db.written_at();
    let age = SystemTime::now()
        .duration_since(written)
        .unwrap_or(Duration::ZERO);
    let info = VulnDbInfo {
        path: db.path().display().to_string(),
        records: db.record_count(),
        updated: rfc3339(written),
        age_days: age.as_secs() / 86_400,
        packages: 0,
    };
    Ok(Some(OpenedDb { db, info }))
}

/// The VULN-002 finding when the database is older than `max_age`. Its identity holds
/// the database's write time, so a baseline recorded against one stale database does
/// not excuse the next.
pub(crate) fn stale_finding(
    analyzer: &Analyzer<'_>,
    opened: &OpenedDb,
    max_age: Duration,
) -> Option<Outcome> {
    if !analyzer.effective.enabled.contains(STALE_DATABASE.id) {
        return None;
    }
    let age = SystemTime::now()
        .duration_since(opened.db.written_at())
        .unwrap_or(Duration::ZERO);
    if age <= max_age {
        return None;
    }
    let path: Arc<str> = Arc::from(display_path(opened.db.path()));
    let mut finding = analyzer.finding(
        &STALE_DATABASE,
        &path,
        Span::point(1, 1),
        None,
        format!(
            "the vulnerability database was last written {} ({}), more than the {} allowed",
            describe_duration(age),
            opened.info.updated,
            describe_duration(max_age)
        ),
    );
    // Not lowered by a severity override: a stale database must fail the gate.
    finding.severity = Severity::Critical;
    finding.identity = Some(opened.info.updated.clone());
    Some(Outcome {
        path,
        findings: vec![finding],
        ..Outcome::default()
    })
}

/// Matches every package of `set` and returns one outcome per file holding vulnerable
/// packages (findings at the package's line), in file order.
pub(crate) fn package_outcomes(
    analyzer: &Analyzer<'_>,
    db: &Database,
    set: &PackageSet,
    informational: bool,
) -> Result<Vec<Outcome>, ScanError> {
    if !analyzer.effective.enabled.contains(VULNERABLE_PACKAGE.id) {
        return Ok(Vec::new());
    }
    // Each package's ecosystem as its advisories name it (`Debian:12`); `None` for a
    // distribution without advisories here (Ubuntu's dpkg database).
    let ecosystems: Vec<Option<String>> = set.packages.iter().map(advisory_ecosystem).collect();
    let checked: Vec<(&Package, &str)> = set
        .packages
        .iter()
        .zip(&ecosystems)
        .filter_map(|(package, ecosystem)| Some((package, ecosystem.as_deref()?)))
        .collect();
    let queries: Vec<Query<'_>> = checked
        .iter()
        .map(|(package, ecosystem)| query_of(package, ecosystem))
        .collect();
    let results = lockgate_vuln::match_packages(
        db,
        &queries,
        MatchOptions {
            include_informational: informational,
        },
    )
    .map_err(|e| ScanError(format!("vulnerability database: {e}")))?;
    let mut by_path: BTreeMap<String, Outcome> = BTreeMap::new();
    for ((package, _), mut matches) in checked.iter().zip(results) {
        if matches.is_empty() {
            continue;
        }
        matches.sort_by(|a, b| a.id.cmp(&b.id));
        let shown = display_path(std::path::Path::new(&*package.found_at.path));
        let outcome = by_path.entry(shown.clone()).or_insert_with(|| Outcome {
            path: Arc::from(shown.as_str()),
            ..Outcome::default()
        });
        let span = package.found_at.to_location().span;
        for found in matches {
            let finding = package_finding(analyzer, &outcome.path, span, package, found);
            outcome.findings.push(finding);
        }
    }
    Ok(by_path.into_values().collect())
}

/// The OSV ecosystem a package's advisories are filed under: the release for OS
/// packages whose system is known (`Debian:12`, `Alpine:v3.18`), the family otherwise.
fn advisory_ecosystem(package: &Package) -> Option<String> {
    match &package.distro {
        Some(distro) => distro.osv_ecosystem(),
        None => Some(package.ecosystem.osv_name().to_string()),
    }
}

/// The packages of distributions that have no advisories here (Ubuntu's dpkg
/// database), by distribution: they are reported as not checked.
pub(crate) fn unchecked_distros(set: &PackageSet) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for package in &set.packages {
        if let Some(distro) = &package.distro
            && distro.osv_ecosystem().is_none()
        {
            let name = match &distro.version_id {
                Some(version) => format!("{} {version}", distro.id),
                None => distro.id.clone(),
            };
            *out.entry(name).or_insert(0) += 1;
        }
    }
    out
}

/// The source package a package's advisories are filed under: Debian and Alpine file
/// them by source package; rpm distributions name binary packages.
fn advisory_source(package: &Package) -> Option<&lockgate_sbom::SourcePackage> {
    let by_source = matches!(
        package.ecosystem,
        lockgate_sbom::Ecosystem::Debian | lockgate_sbom::Ecosystem::Alpine
    );
    package.source.as_ref().filter(|_| by_source)
}

/// The advisory database's query for a package: under its [`advisory_source`] (and its
/// version when dpkg states a different one), else its own name.
fn query_of<'a>(package: &'a Package, ecosystem: &'a str) -> Query<'a> {
    let (name, version) = match advisory_source(package) {
        Some(source) => (
            source.name.as_str(),
            source.version.as_deref().unwrap_or(&package.version),
        ),
        None => (package.name.as_str(), package.version.as_str()),
    };
    Query {
        ecosystem,
        name,
        version,
    }
}

fn package_finding(
    analyzer: &Analyzer<'_>,
    path: &Arc<str>,
    span: Span,
    package: &Package,
    found: Match,
) -> Finding {
    let rule = &VULNERABLE_PACKAGE;
    let cves: Vec<&str> = found
        .aliases
        .iter()
        .filter(|a| a.starts_with("CVE-"))
        .map(String::as_str)
        .collect();
    let named = if cves.is_empty() {
        found.id.clone()
    } else {
        format!("{} ({})", found.id, cves.join(", "))
    };
    let via_source = advisory_source(package)
        .filter(|s| s.name != package.name)
        .map(|s| format!(" (source package {})", s.name))
        .unwrap_or_default();
    let kind = match &found.informational {
        Some(notice) => format!("has the {notice} notice"),
        None => "is affected by".to_string(),
    };
    let mut message = format!(
        "{} {} ({}){via_source} {kind} {named}",
        package.name,
        package.version,
        package.ecosystem.osv_name()
    );
    if let Some(summary) = found
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        message.push_str(": ");
        message.push_str(&one_line(summary, 160));
    }
    let fix = if found.fixed.is_empty() {
        message.push_str("; no fixed version is known");
        "No fixed version is known: remove or replace the package, or waive the advisory with a reason and an expiry.".to_string()
    } else {
        let versions = found.fixed.join(", ");
        message.push_str(&format!("; fixed in {versions}"));
        format!(
            "Upgrade {} to {} or later.",
            package.name,
            found.fixed.first().map(String::as_str).unwrap_or_default()
        )
    };
    let mut finding = analyzer.finding(rule, path, span, None, message);
    let overridden = analyzer.effective.severity_overrides.contains_key(rule.id);
    if !overridden && let Some(severity) = &found.severity {
        finding.severity = severity_of(severity.rating);
    }
    finding.fix = fix.into();
    // The same advisory on the same package is one risk across upgrades that do not fix
    // it: the fingerprint does not depend on the version.
    finding.identity = Some(format!(
        "{}/{}/{}",
        package.ecosystem.osv_name(),
        package.name,
        found.id
    ));
    let (cvss_score, cvss_vector) = found
        .severity
        .as_ref()
        .map(|s| (s.score, s.vector.clone()))
        .unwrap_or_default();
    finding.vulnerability = Some(Arc::new(Vulnerability {
        url: format!("https://osv.dev/vulnerability/{}", found.id),
        id: found.id,
        aliases: found.aliases,
        summary: found.summary,
        package: package.name.clone(),
        version: package.version.clone(),
        ecosystem: found.ecosystem,
        purl: package.purl.clone(),
        fixed: found.fixed,
        cvss_score,
        cvss_vector,
    }));
    finding
}

/// lockgate's severity for an advisory rating. CVSS `None` (a score of 0) is `info`.
fn severity_of(rating: Rating) -> Severity {
    match rating {
        Rating::None => Severity::Info,
        Rating::Low => Severity::Low,
        Rating::Medium => Severity::Medium,
        Rating::High => Severity::High,
        Rating::Critical => Severity::Critical,
    }
}

/// The first line of `text`, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= max {
        return line.to_string();
    }
    let cut: String = line.chars().take(max).collect();
    format!("{cut}…")
}

/// `3 days ago`, `5 hours ago`-style wording for ages and limits.
fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (value, unit) = if seconds >= 2 * 86_400 {
        (seconds / 86_400, "day")
    } else if seconds >= 2 * 3_600 {
        (seconds / 3_600, "hour")
    } else {
        (seconds / 60, "minute")
    };
    let plural = if value == 1 { "" } else { "s" };
    format!("{value} {unit}{plural}")
}

/// `2026-11-23T19:35:12Z` for a time after 1970.
fn rfc3339(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let date = crate::Date::from_days_since_epoch(i64::try_from(days).unwrap_or(i64::MAX));
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_rfc3339() {
        let time = UNIX_EPOCH + Duration::from_secs(1_795_434_912);
        assert_eq!(rfc3339(time), "2026-11-23T11:55:12Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn durations_are_worded_in_a_fitting_unit() {
        assert_eq!(
            describe_duration(Duration::from_secs(3 * 86_400 + 5)),
            "3 days"
        );
        assert_eq!(
            describe_duration(Duration::from_secs(30 * 3_600)),
            "30 hours"
        );
        assert_eq!(describe_duration(Duration::from_secs(90)), "1 minute");
    }

    #[test]
    fn summaries_are_cut_to_one_line() {
        assert_eq!(one_line("first\nsecond", 100), "first");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
