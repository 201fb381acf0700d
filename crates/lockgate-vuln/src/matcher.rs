//! Exact OSV matching: which records of a [`Database`] affect a package version.
//!
//! A record matches when one of its `affected` entries names the package (exact name per
//! ecosystem, PEP 503 normalization for PyPI) in the query's ecosystem and the version is
//! in its `versions` list or in one of its `SEMVER`/`ECOSYSTEM` ranges, evaluated exactly
//! as the OSV specification's pseudo-code does. `GIT` ranges need commits, not versions,
//! and are ignored here. Withdrawn records never match; RustSec informational notices
//! (`unmaintained`, `unsound`, `notice`) only when [`MatchOptions::include_informational`].
//!
//! Releases: a query whose ecosystem names a release (`Debian:12`, `Alpine:v3.18`) is
//! matched by entries of that release and by entries without one (`Debian`), never by
//! another release of the family (`Debian:11`): a fix shipped for one release says
//! nothing about another. A query without a release (`Debian`) is matched by entries of
//! every release. The record's own ecosystem string is kept in the [`Match`].
//!
//! Matching reads each record's match form (see `compact`), written at import time, not
//! its JSON; an entry's versions and ranges are decoded and parsed only when the entry
//! names a queried package, and only once per call.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use serde::Serialize;

use crate::compact::{BodyView, EventKind, FormError, RANGE_SEMVER, RecordView};
use crate::db::{Database, DbError, ecosystem_family, normalize_name};
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
/// ordering; each record's match form is decoded, and each entry's range events parsed,
/// once per call, however many packages share it.
pub fn match_packages(
    db: &Database,
    queries: &[Query<'_>],
    options: MatchOptions,
) -> Result<Vec<Vec<Match>>, DbError> {
    // By record number: a vector rather than a map, since a large scan touches most.
    let mut prepared: Vec<Option<Prepared<'_>>> = Vec::new();
    let mut results = Vec::with_capacity(queries.len());
    for query in queries {
        let numbers = db.record_numbers(query.ecosystem, query.name);
        let mut matches = Vec::new();
        if !numbers.is_empty() {
            let target = Target::new(query);
            for &number in numbers {
                let slot = number as usize;
                if prepared.len() <= slot {
                    prepared.resize_with(db.record_count().max(slot + 1), || None);
                }
                if prepared[slot].is_none() {
                    let view = RecordView::decode(db.match_form(number)?)
                        .map_err(|reason| corrupt_record(db, number, reason))?;
                    prepared[slot] = Some(Prepared::new(view));
                }
                let Some(record) = &prepared[slot] else {
                    continue;
                };
                if let Some(found) = record
                    .match_target(&target, options)
                    .map_err(|reason| corrupt_record(db, number, reason))?
                {
                    matches.push(found);
                }
            }
        }
        results.push(matches);
    }
    Ok(results)
}

fn corrupt_record(db: &Database, number: u32, reason: FormError) -> DbError {
    db.corrupt(&format!("record {number}: {reason}"))
}

/// A query's package, with its version parsed lazily once per ordering.
struct Target<'a> {
    family: &'a str,
    /// The release the query names (`12` of `Debian:12`), if any.
    release: Option<&'a str>,
    name: String,
    text: &'a str,
    parsed: RefCell<Vec<(VersionScheme, Rc<Version>)>>,
}

impl<'a> Target<'a> {
    fn new(query: &Query<'a>) -> Target<'a> {
        let family = ecosystem_family(query.ecosystem);
        Target {
            family,
            release: release_of(query.ecosystem),
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

    /// Whether an entry of ecosystem `ecosystem` (same family) applies to this target's
    /// release: see the module docs.
    fn admits_release(&self, ecosystem: &str) -> bool {
        match (self.release, release_of(ecosystem)) {
            (Some(wanted), Some(stated)) => same_release(wanted, stated),
            _ => true,
        }
    }
}

/// The release part of an OSV ecosystem string: everything after the first colon
/// (`Debian:12` → `12`, `Ubuntu:22.04:LTS` → `22.04:LTS`), `None` when absent or empty.
fn release_of(ecosystem: &str) -> Option<&str> {
    let (_, release) = ecosystem.split_once(':')?;
    Some(release.trim()).filter(|r| !r.is_empty())
}

/// Releases compare exactly, except for the `v` Alpine writes before its release
/// numbers (`Alpine:v3.18`) and `/etc/alpine-release` does not (`3.18`).
fn same_release(a: &str, b: &str) -> bool {
    let bare = |r: &'_ str| -> String {
        let r = r.strip_prefix(['v', 'V']).unwrap_or(r);
        r.to_owned()
    };
    a == b || bare(a) == bare(b)
}

/// A range event with its version parsed; `Introduced(None)` is `introduced: "0"`.
enum ParsedEvent {
    Introduced(Option<Version>),
    Fixed(Version),
    LastAffected(Version),
}

/// A `SEMVER` or `ECOSYSTEM` range, parsed in its ordering.
struct PreparedRange {
    scheme: VersionScheme,
    events: Vec<ParsedEvent>,
    /// `limit` events; `None` is `*`.
    limits: Vec<Option<Version>>,
}

/// An entry's versions and ranges, ready for matching.
struct PreparedBody<'a> {
    /// Sorted at import time: looked up by binary search.
    versions: Vec<&'a str>,
    ranges: Vec<PreparedRange>,
}

/// An `affected` entry: its package, and its body prepared on first use.
struct PreparedEntry<'a> {
    ecosystem: &'a str,
    family: &'a str,
    name: &'a str,
    body: OnceCell<Result<PreparedBody<'a>, FormError>>,
}

/// A record's match form with what matching derives from it, each computed once.
struct Prepared<'a> {
    view: RecordView<'a>,
    entries: Vec<PreparedEntry<'a>>,
    severity: OnceCell<Option<Severity>>,
}

impl<'a> Prepared<'a> {
    fn new(view: RecordView<'a>) -> Prepared<'a> {
        let entries = view
            .entries
            .iter()
            .map(|entry| PreparedEntry {
                ecosystem: entry.ecosystem,
                family: ecosystem_family(entry.ecosystem),
                name: entry.name,
                body: OnceCell::new(),
            })
            .collect();
        Prepared {
            view,
            entries,
            severity: OnceCell::new(),
        }
    }

    fn body(&self, index: usize) -> Result<&PreparedBody<'a>, FormError> {
        let (Some(entry), Some(view)) = (self.entries.get(index), self.view.entries.get(index))
        else {
            return Err("entry out of range");
        };
        entry
            .body
            .get_or_init(|| {
                view.body()
                    .map(|body| prepare_body(body, Ecosystem::from_osv(entry.family)))
            })
            .as_ref()
            .map_err(|reason| *reason)
    }

    /// The [`Match`] if the record affects the target and should be reported.
    fn match_target(
        &self,
        target: &Target<'_>,
        options: MatchOptions,
    ) -> Result<Option<Match>, FormError> {
        let record = &self.view;
        if record.withdrawn {
            return Ok(None);
        }
        if record.informational.is_some() && !options.include_informational {
            return Ok(None);
        }
        // No version (a requirement with only a range, `Django>=3.0,<3.1`): which
        // release is installed is unknown, and exact matching does not guess.
        if target.text.is_empty() {
            return Ok(None);
        }
        let mut hit: Option<&str> = None;
        let mut fixed = Vec::new();
        for (index, entry) in self.entries.iter().enumerate() {
            if entry.family != target.family
                || entry.name != target.name
                || !target.admits_release(entry.ecosystem)
            {
                continue;
            }
            let body = self.body(index)?;
            if listed(&body.versions, target)
                || body
                    .ranges
                    .iter()
                    .any(|range| in_range(range, &target.version(range.scheme)))
            {
                hit.get_or_insert(entry.ecosystem);
                collect_fixed(body, target, &mut fixed);
            }
        }
        let Some(ecosystem) = hit else {
            return Ok(None);
        };
        fixed.sort();
        fixed.dedup();
        let (aliases, severities) = record.tail()?;
        let severity = self
            .severity
            .get_or_init(|| severity_of(&severities, record.stated_severity))
            .clone();
        Ok(Some(Match {
            id: record.id.to_owned(),
            aliases,
            summary: record.summary.map(str::to_owned),
            severity,
            fixed,
            ecosystem: ecosystem.to_owned(),
            informational: record.informational.map(str::to_owned),
        }))
    }
}

fn prepare_body<'a>(body: BodyView<'a>, ecosystem: Option<Ecosystem>) -> PreparedBody<'a> {
    let ranges = body
        .ranges
        .iter()
        .filter_map(|range| {
            let scheme = if range.kind == RANGE_SEMVER {
                VersionScheme::SemVer
            } else {
                ecosystem?.scheme()
            };
            Some(prepare_range(&range.events, scheme))
        })
        .collect();
    PreparedBody {
        versions: body.versions,
        ranges,
    }
}

fn prepare_range(events: &[(EventKind, &str)], scheme: VersionScheme) -> PreparedRange {
    let parse = |text: &str| Version::parse_scheme(scheme, text);
    let mut prepared = PreparedRange {
        scheme,
        events: Vec::with_capacity(events.len()),
        limits: Vec::new(),
    };
    for &(kind, text) in events {
        match kind {
            EventKind::Introduced => {
                let at = (text != "0").then(|| parse(text));
                prepared.events.push(ParsedEvent::Introduced(at));
            }
            EventKind::Fixed => prepared.events.push(ParsedEvent::Fixed(parse(text))),
            EventKind::LastAffected => {
                prepared.events.push(ParsedEvent::LastAffected(parse(text)));
            }
            EventKind::Limit => prepared.limits.push((text != "*").then(|| parse(text))),
        }
    }
    prepared
}

/// Whether the version is in the entry's `versions` list (sorted), as the ecosystem
/// publishes it; a Go module version may carry the `v` that OSV's Go records omit.
fn listed(versions: &[&str], target: &Target<'_>) -> bool {
    let find = |text: &str| versions.binary_search(&text).is_ok();
    if find(target.text) {
        return true;
    }
    target.family == "Go" && target.text.strip_prefix('v').is_some_and(find)
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
fn collect_fixed(body: &PreparedBody<'_>, target: &Target<'_>, out: &mut Vec<String>) {
    for range in &body.ranges {
        let version = target.version(range.scheme);
        for event in &range.events {
            if let ParsedEvent::Fixed(at) = event
                && *at > *version
            {
                out.push(at.as_str().to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev<'a>(kind: &str, v: &'a str) -> (EventKind, &'a str) {
        let kind = match kind {
            "i" => EventKind::Introduced,
            "f" => EventKind::Fixed,
            "la" => EventKind::LastAffected,
            _ => EventKind::Limit,
        };
        (kind, v)
    }

    fn affected(events: &[(EventKind, &str)], v: &str) -> bool {
        in_range(
            &prepare_range(events, VersionScheme::SemVer),
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

    #[test]
    fn releases() {
        assert_eq!(release_of("Debian:12"), Some("12"));
        assert_eq!(release_of("Ubuntu:22.04:LTS"), Some("22.04:LTS"));
        assert_eq!(release_of("Debian"), None);
        assert_eq!(release_of("Debian:"), None);
        assert!(same_release("v3.18", "3.18"));
        assert!(same_release("12", "12"));
        assert!(!same_release("12", "11"));
        assert!(!same_release("v3.18", "v3.1"));
    }
}
