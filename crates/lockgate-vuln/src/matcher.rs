//! Exact OSV matching: which records of a [`Database`] affect a package version.
//!
//! A record matches when one of its `affected` entries names the package (exact name per
//! ecosystem, PEP 503 normalization for PyPI, the ecosystem's family for releases:
//! `Debian:12` records match `Debian` packages of any release for now, the record's own
//! ecosystem string is kept in the [`Match`]) and the version is in its `versions` list
//! or in one of its `SEMVER`/`ECOSYSTEM` ranges, evaluated exactly as the OSV
//! specification's pseudo-code does. `GIT` ranges need commits, not versions, and are
//! ignored here. Withdrawn records never match; RustSec informational notices
//! (`unmaintained`, `unsound`, `notice`) only when [`MatchOptions::include_informational`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::db::{Database, DbError, ecosystem_family, normalize_name};
use crate::osv::{
    AffectedPackage, Event, OsvSeverity, Range, RangeKind, null_as_default, version_list,
};
use crate::severity::{Severity, severity_of};
use crate::{Ecosystem, Version, VersionScheme};

/// What to report besides vulnerabilities.
#[derive(Debug, Clone, Copy, Default)]
pub struct MatchOptions {
    /// Report RustSec informational notices (`database_specific.informational`) too.
    pub include_informational: bool,
}

/// One package to match, its ecosystem as OSV names it (`PyPI`, `Go`, `Debian:12`).
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    pub ecosystem: &'a str,
    pub name: &'a str,
    pub version: &'a str,
}

/// A record that affects a package version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The advisory ID (`GHSA-…`, `GO-…`, `PYSEC-…`, `RUSTSEC-…`).
    pub id: String,
    /// Other IDs of the same vulnerability (`CVE-…`).
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub severity: Option<Severity>,
    /// Versions that fix it and are newer than the matched one (from `fixed` events).
    pub fixed: Vec<String>,
    /// The ecosystem of the record's matching `affected` entry (`Debian:12`).
    pub ecosystem: String,
    /// `unmaintained`, `unsound`, `notice` for a RustSec informational notice.
    pub informational: Option<String>,
}

/// The records affecting one package version (vulnerabilities only).
pub fn match_package(
    db: &Database,
    ecosystem: &str,
    name: &str,
    version: &str,
) -> Result<Vec<Match>, DbError> {
    let query = Query {
        ecosystem,
        name,
        version,
    };
    let mut all = match_packages(db, &[query], MatchOptions::default())?;
    Ok(all.pop().unwrap_or_default())
}

/// The records affecting each query, in query order. Each version is parsed once per
/// ordering; each record is read, parsed and has its range events parsed once per call,
/// however many packages share it.
pub fn match_packages(
    db: &Database,
    queries: &[Query<'_>],
    options: MatchOptions,
) -> Result<Vec<Vec<Match>>, DbError> {
    let mut cache: HashMap<u32, Rc<Prepared>> = HashMap::new();
    let mut results = Vec::with_capacity(queries.len());
    for query in queries {
        let numbers = db.record_numbers(query.ecosystem, query.name);
        let mut matches = Vec::new();
        if !numbers.is_empty() {
            let target = Target::new(query);
            for &number in numbers {
                let prepared = match cache.get(&number) {
                    Some(prepared) => Rc::clone(prepared),
                    None => {
                        let prepared = Rc::new(Prepared::new(lean_record(db, number)?));
                        cache.insert(number, Rc::clone(&prepared));
                        prepared
                    }
                };
                if let Some(found) = prepared.match_target(&target, options) {
                    matches.push(found);
                }
            }
        }
        results.push(matches);
    }
    Ok(results)
}

/// The fields of an OSV record matching reads. Parsing only these (serde skips the rest,
/// `details`, `references`, Go's symbol lists, without building values) is what keeps
/// matching cheap when many records are touched.
#[derive(Deserialize)]
struct LeanRecord {
    id: String,
    #[serde(default)]
    withdrawn: Option<IgnoredAny>,
    #[serde(default, deserialize_with = "null_as_default")]
    aliases: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    severity: Vec<OsvSeverity>,
    #[serde(default, deserialize_with = "null_as_default")]
    affected: Vec<LeanAffected>,
    #[serde(default)]
    database_specific: LeanDatabaseSpecific,
}

#[derive(Deserialize)]
struct LeanAffected {
    #[serde(default)]
    package: AffectedPackage,
    #[serde(default, deserialize_with = "null_as_default")]
    ranges: Vec<Range>,
    #[serde(default, deserialize_with = "version_list")]
    versions: Vec<String>,
    #[serde(default)]
    database_specific: LeanDatabaseSpecific,
}

/// `informational` (RustSec) and `severity` (GHSA's rating), when they are strings.
#[derive(Default)]
struct LeanDatabaseSpecific {
    informational: Option<String>,
    severity: Option<String>,
}

impl<'de> Deserialize<'de> for LeanDatabaseSpecific {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Any shape is accepted (the import validated the record as OSV): only string
        // values of the two keys are read.
        #[derive(Deserialize)]
        struct Fields {
            #[serde(default)]
            informational: Option<serde_json::Value>,
            #[serde(default)]
            severity: Option<serde_json::Value>,
        }
        let text = |v: Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => Some(s),
            _ => None,
        };
        Ok(
            match Option::<serde_json::Value>::deserialize(deserializer)? {
                Some(value @ serde_json::Value::Object(_)) => {
                    match serde_json::from_value::<Fields>(value) {
                        Ok(fields) => LeanDatabaseSpecific {
                            informational: text(fields.informational),
                            severity: text(fields.severity),
                        },
                        Err(_) => LeanDatabaseSpecific::default(),
                    }
                }
                _ => LeanDatabaseSpecific::default(),
            },
        )
    }
}

impl LeanRecord {
    fn informational(&self) -> Option<&str> {
        self.database_specific.informational.as_deref().or_else(|| {
            self.affected
                .iter()
                .find_map(|a| a.database_specific.informational.as_deref())
        })
    }
}

fn lean_record(db: &Database, number: u32) -> Result<LeanRecord, DbError> {
    let bytes = db.record_bytes(number)?;
    serde_json::from_slice(&bytes).map_err(|e| DbError::Corrupt {
        path: db.path().display().to_string(),
        reason: format!("record {number}: {e}"),
    })
}

/// A query's package, with its version parsed lazily once per ordering.
struct Target<'a> {
    family: &'a str,
    name: String,
    text: &'a str,
    parsed: RefCell<Vec<(VersionScheme, Rc<Version>)>>,
}

impl<'a> Target<'a> {
    fn new(query: &Query<'a>) -> Target<'a> {
        let family = ecosystem_family(query.ecosystem);
        Target {
            family,
            name: normalize_name(family, query.name),
            text: query.version.trim(),
            parsed: RefCell::new(Vec::new()),
        }
    }

    fn version(&self, scheme: VersionScheme) -> Rc<Version> {
        let mut parsed = self.parsed.borrow_mut();
        if let Some((_, v)) = parsed.iter().find(|(s, _)| *s == scheme) {
            return Rc::clone(v);
        }
        let v = Rc::new(Version::parse_scheme(scheme, self.text));
        parsed.push((scheme, Rc::clone(&v)));
        v
    }
}

/// A range event with its version parsed; `Introduced(None)` is `introduced: "0"`.
enum ParsedEvent {
    Introduced(Option<Version>),
    Fixed(Version),
    LastAffected(Version),
}

/// A `SEMVER` or `ECOSYSTEM` range, parsed in its ordering.
struct PreparedRange {
    /// Index into the entry's `ranges`.
    index: usize,
    scheme: VersionScheme,
    events: Vec<ParsedEvent>,
    /// `limit` events; `None` is `*`.
    limits: Vec<Option<Version>>,
}

/// An `affected` entry ready for matching.
struct PreparedEntry {
    /// Index into the record's `affected`.
    index: usize,
    family: String,
    name: String,
    ranges: Vec<PreparedRange>,
}

/// A record with everything matching needs parsed ahead.
struct Prepared {
    record: LeanRecord,
    entries: Vec<PreparedEntry>,
}

impl Prepared {
    fn new(record: LeanRecord) -> Prepared {
        let entries = record
            .affected
            .iter()
            .enumerate()
            .map(|(index, affected)| {
                let family = ecosystem_family(&affected.package.ecosystem).to_owned();
                let ecosystem = Ecosystem::from_osv(&family);
                let ranges = affected
                    .ranges
                    .iter()
                    .enumerate()
                    .filter_map(|(index, range)| {
                        let scheme = match range.kind {
                            RangeKind::Semver => VersionScheme::SemVer,
                            RangeKind::Ecosystem => ecosystem?.scheme(),
                            // GIT ranges need commits, not versions.
                            RangeKind::Git | RangeKind::Unknown => return None,
                        };
                        Some(prepare_range(index, &range.events, scheme))
                    })
                    .collect();
                PreparedEntry {
                    index,
                    name: normalize_name(&family, &affected.package.name),
                    family,
                    ranges,
                }
            })
            .collect();
        Prepared { record, entries }
    }

    /// The [`Match`] if the record affects the target and should be reported.
    fn match_target(&self, target: &Target<'_>, options: MatchOptions) -> Option<Match> {
        let record = &self.record;
        if record.withdrawn.is_some() {
            return None;
        }
        let informational = record.informational().map(str::to_owned);
        if informational.is_some() && !options.include_informational {
            return None;
        }
        // No version (a requirement with only a range, `Django>=3.0,<3.1`): which
        // release is installed is unknown, and exact matching does not guess.
        if target.text.is_empty() {
            return None;
        }
        let mut hit: Option<&LeanAffected> = None;
        let mut fixed = Vec::new();
        for entry in &self.entries {
            if entry.family != target.family || entry.name != target.name {
                continue;
            }
            let Some(affected) = record.affected.get(entry.index) else {
                continue;
            };
            if listed(affected, target)
                || entry
                    .ranges
                    .iter()
                    .any(|range| in_range(range, &target.version(range.scheme)))
            {
                hit.get_or_insert(affected);
                collect_fixed(affected, entry, target, &mut fixed);
            }
        }
        let affected = hit?;
        fixed.sort();
        fixed.dedup();
        Some(Match {
            id: record.id.clone(),
            aliases: record.aliases.clone(),
            summary: record.summary.clone(),
            severity: severity_of(
                &record.severity,
                record.database_specific.severity.as_deref(),
            ),
            fixed,
            ecosystem: affected.package.ecosystem.clone(),
            informational,
        })
    }
}

fn prepare_range(index: usize, events: &[Event], scheme: VersionScheme) -> PreparedRange {
    let parse = |text: &str| Version::parse_scheme(scheme, text);
    let mut prepared = PreparedRange {
        index,
        scheme,
        events: Vec::with_capacity(events.len()),
        limits: Vec::new(),
    };
    for event in events {
        if let Some(introduced) = event.introduced.as_deref() {
            let at = (introduced != "0").then(|| parse(introduced));
            prepared.events.push(ParsedEvent::Introduced(at));
        } else if let Some(fixed) = event.fixed.as_deref() {
            prepared.events.push(ParsedEvent::Fixed(parse(fixed)));
        } else if let Some(last_affected) = event.last_affected.as_deref() {
            prepared
                .events
                .push(ParsedEvent::LastAffected(parse(last_affected)));
        } else if let Some(limit) = event.limit.as_deref() {
            prepared.limits.push((limit != "*").then(|| parse(limit)));
        }
    }
    prepared
}

/// Whether the version is in the entry's `versions` list, as the ecosystem publishes it;
/// a Go module version may carry the `v` that OSV's Go records omit.
fn listed(affected: &LeanAffected, target: &Target<'_>) -> bool {
    let bare = target.text.strip_prefix('v').unwrap_or(target.text);
    affected
        .versions
        .iter()
        .any(|v| v == target.text || (target.family == "Go" && v == bare))
}

/// The OSV specification's evaluation of one range (section "Evaluation"): with events
/// sorted by version, the version is affected if the last event at or below it is an
/// `introduced` (a `last_affected` counts only once the version is above it), and it is
/// below some `limit` if there are limits. Rather than sorting (Maven's order is not
/// total, and a sort over a non-total order may panic), this keeps the greatest
/// applicable event, later events winning ties as a stable sort would.
fn in_range(range: &PreparedRange, version: &Version) -> bool {
    if !range.limits.is_empty()
        && !range
            .limits
            .iter()
            .any(|limit| limit.as_ref().is_none_or(|limit| version < limit))
    {
        return false;
    }
    // The greatest applicable event so far: its version (None for introduced "0") and
    // whether it makes versions affected.
    let mut last: Option<(Option<&Version>, bool)> = None;
    for event in &range.events {
        let (at, affected) = match event {
            ParsedEvent::Introduced(None) => (None, true),
            ParsedEvent::Introduced(Some(at)) if version >= at => (Some(at), true),
            ParsedEvent::Fixed(at) if version >= at => (Some(at), false),
            ParsedEvent::LastAffected(at) if version > at => (Some(at), false),
            _ => continue,
        };
        let later = match (last, at) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((None, _)), Some(_)) => true,
            (Some((Some(previous), _)), Some(current)) => current >= previous,
        };
        if later {
            last = Some((at, affected));
        }
    }
    matches!(last, Some((_, true)))
}

/// `fixed` events of an entry's version ranges that are newer than the target.
fn collect_fixed(
    affected: &LeanAffected,
    entry: &PreparedEntry,
    target: &Target<'_>,
    out: &mut Vec<String>,
) {
    for prepared in &entry.ranges {
        let Some(range) = affected.ranges.get(prepared.index) else {
            continue;
        };
        let version = target.version(prepared.scheme);
        let fixed_texts = range.events.iter().filter_map(|e| e.fixed.as_deref());
        let fixed_versions = prepared.events.iter().filter_map(|e| match e {
            ParsedEvent::Fixed(v) => Some(v),
            _ => None,
        });
        for (text, at) in fixed_texts.zip(fixed_versions) {
            if *at > *version {
                out.push(text.to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &str, v: &str) -> Event {
        let mut e = Event::default();
        let s = Some(v.to_owned());
        match kind {
            "i" => e.introduced = s,
            "f" => e.fixed = s,
            "la" => e.last_affected = s,
            _ => e.limit = s,
        }
        e
    }

    fn affected(events: &[Event], v: &str) -> bool {
        in_range(
            &prepare_range(0, events, VersionScheme::SemVer),
            &Version::parse_scheme(VersionScheme::SemVer, v),
        )
    }

    #[test]
    fn spec_semantics() {
        let two = [
            ev("i", "1.0.0"),
            ev("f", "1.5.0"),
            ev("i", "2.0.0"),
            ev("f", "2.5.0"),
        ];
        assert!(!affected(&two, "0.9.0"));
        assert!(affected(&two, "1.0.0"));
        assert!(affected(&two, "1.4.9"));
        assert!(!affected(&two, "1.5.0"));
        assert!(affected(&two, "2.1.0"));
        assert!(!affected(&two, "3.0.0"));
        // Events out of order in the record: evaluated as if sorted.
        let shuffled = [
            ev("f", "2.5.0"),
            ev("i", "2.0.0"),
            ev("f", "1.5.0"),
            ev("i", "1.0.0"),
        ];
        for v in ["0.9.0", "1.0.0", "1.5.0", "2.1.0", "3.0.0"] {
            assert_eq!(affected(&two, v), affected(&shuffled, v), "{v}");
        }
        let zero = [ev("i", "0"), ev("la", "1.2.0")];
        assert!(affected(&zero, "0.0.1"));
        assert!(affected(&zero, "1.2.0"));
        assert!(!affected(&zero, "1.2.1"));
        let limited = [ev("i", "0"), ev("l", "2.0.0")];
        assert!(affected(&limited, "1.9.9"));
        assert!(!affected(&limited, "2.0.0"));
        assert!(!affected(&[ev("f", "1.0.0")], "0.5.0"));
        assert!(!affected(&[], "0.5.0"));
    }
}
