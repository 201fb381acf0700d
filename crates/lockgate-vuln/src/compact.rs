//! The match form of an OSV record: the fields matching reads, written at import time
//! beside the record's JSON in a small binary layout that matching reads without parsing
//! JSON and without copying (every string is a slice of the database's buffer).
//!
//! Why: matching 10,000 packages that all have advisories touches nearly every record,
//! and parsing each touched record's JSON at match time (`details`, `references`, Go's
//! symbol lists and all) was most of the time that took. The JSON stays in the database
//! for [`crate::Database::record`]; this form is derived from it, so changing it only
//! needs a format version bump and a re-import.
//!
//! Layout, integers little-endian, `str` = u32 length + UTF-8 bytes, `opt` = u8 0 or
//! 1 + str:
//!
//! ```text
//! u8 flags (1 = withdrawn) | str id | opt informational | opt summary
//! | opt stated severity (database_specific.severity)
//! | u32 n, n × str alias | u32 n, n × (str type, str score)          ← the "tail"
//! | u32 n, n × affected: str ecosystem | str name (normalized) | u32 length | body
//! body = u32 n, n × str version (sorted, deduplicated)
//!      | u32 n, n × range: u8 kind (0 SEMVER, 1 ECOSYSTEM) | u32 n, n × (u8 event, str)
//! event = 0 introduced, 1 fixed, 2 last_affected, 3 limit
//! ```
//!
//! The tail comes before `affected` but is only decoded for a record that matched, and
//! each entry's body carries its length so entries for other packages are skipped
//! without decoding them. `GIT` and unknown range kinds are left out: they never match.
//! Decoding treats the bytes as hostile (a damaged file): every read is bounds-checked
//! and a bad form is an error, never a panic.

use crate::db::{ecosystem_family, normalize_name};
use crate::osv::{OsvRecord, OsvSeverity, RangeKind};

/// Range kinds as stored.
pub(crate) const RANGE_SEMVER: u8 = 0;
pub(crate) const RANGE_ECOSYSTEM: u8 = 1;

/// Range event kinds as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

impl EventKind {
    fn code(self) -> u8 {
        match self {
            EventKind::Introduced => 0,
            EventKind::Fixed => 1,
            EventKind::LastAffected => 2,
            EventKind::Limit => 3,
        }
    }

    fn from_code(code: u8) -> Option<EventKind> {
        Some(match code {
            0 => EventKind::Introduced,
            1 => EventKind::Fixed,
            2 => EventKind::LastAffected,
            3 => EventKind::Limit,
            _ => return None,
        })
    }
}

/// Appends the match form of `record` to `out`.
pub(crate) fn encode(record: &OsvRecord, out: &mut Vec<u8>) {
    out.push(u8::from(record.withdrawn.is_some()));
    put_str(out, &record.id);
    put_opt(out, record.informational());
    put_opt(out, record.summary.as_deref());
    put_opt(
        out,
        record
            .database_specific
            .get("severity")
            .and_then(serde_json::Value::as_str),
    );
    put_len(out, record.aliases.len());
    for alias in &record.aliases {
        put_str(out, alias);
    }
    put_len(out, record.severity.len());
    for severity in &record.severity {
        put_str(out, &severity.kind);
        put_str(out, &severity.score);
    }
    put_len(out, record.affected.len());
    let mut body = Vec::new();
    for affected in &record.affected {
        let ecosystem = &affected.package.ecosystem;
        put_str(out, ecosystem);
        put_str(
            out,
            &normalize_name(ecosystem_family(ecosystem), &affected.package.name),
        );
        body.clear();
        let mut versions: Vec<&str> = affected.versions.iter().map(String::as_str).collect();
        versions.sort_unstable();
        versions.dedup();
        put_len(&mut body, versions.len());
        for version in versions {
            put_str(&mut body, version);
        }
        let ranges: Vec<_> = affected
            .ranges
            .iter()
            .filter_map(|range| match range.kind {
                RangeKind::Semver => Some((RANGE_SEMVER, range)),
                RangeKind::Ecosystem => Some((RANGE_ECOSYSTEM, range)),
                RangeKind::Git | RangeKind::Unknown => None,
            })
            .collect();
        put_len(&mut body, ranges.len());
        for (kind, range) in ranges {
            body.push(kind);
            // An event names one kind; a malformed one with several keys is read in the
            // order introduced, fixed, last_affected, limit, and one with none is dropped.
            let events: Vec<(EventKind, &str)> = range
                .events
                .iter()
                .filter_map(|event| {
                    [
                        (EventKind::Introduced, &event.introduced),
                        (EventKind::Fixed, &event.fixed),
                        (EventKind::LastAffected, &event.last_affected),
                        (EventKind::Limit, &event.limit),
                    ]
                    .into_iter()
                    .find_map(|(kind, text)| Some((kind, text.as_deref()?)))
                })
                .collect();
            put_len(&mut body, events.len());
            for (kind, text) in events {
                body.push(kind.code());
                put_str(&mut body, text);
            }
        }
        put_len(out, body.len());
        out.extend_from_slice(&body);
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    // Records are at most MAX_RECORD_FILE_BYTES (16 MiB): every length fits.
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    put_len(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => {
            out.push(1);
            put_str(out, text);
        }
        None => out.push(0),
    }
}

/// Why a form could not be decoded.
pub(crate) type FormError = &'static str;

/// A bounds-checked reader over a form.
#[derive(Clone, Copy)]
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], FormError> {
        if self.bytes.len() < n {
            return Err("truncated match form");
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, FormError> {
        Ok(self.take(1)?[0])
    }

    fn len(&mut self) -> Result<usize, FormError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    /// A count of items that take at least `min_size` bytes each: a count beyond what
    /// the remaining bytes can hold is a lie, not an allocation to make.
    fn count(&mut self, min_size: usize) -> Result<usize, FormError> {
        let n = self.len()?;
        if n > self.bytes.len() / min_size {
            return Err("match form count beyond its bytes");
        }
        Ok(n)
    }

    fn str(&mut self) -> Result<&'a str, FormError> {
        let n = self.len()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| "match form text is not UTF-8")
    }

    fn opt(&mut self) -> Result<Option<&'a str>, FormError> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.str().map(Some),
            _ => Err("bad optional field in match form"),
        }
    }
}

/// A record's match form, decoded up to its entries; entry bodies and the tail are
/// decoded on demand.
pub(crate) struct RecordView<'a> {
    pub(crate) withdrawn: bool,
    pub(crate) id: &'a str,
    pub(crate) informational: Option<&'a str>,
    pub(crate) summary: Option<&'a str>,
    pub(crate) stated_severity: Option<&'a str>,
    /// Aliases and severity entries, undecoded.
    tail: &'a [u8],
    pub(crate) entries: Vec<EntryView<'a>>,
}

/// One `affected` entry: its package, and its versions and ranges undecoded.
pub(crate) struct EntryView<'a> {
    /// As the record states it (`Debian:12`).
    pub(crate) ecosystem: &'a str,
    /// Normalized as [`normalize_name`] does for the ecosystem's family.
    pub(crate) name: &'a str,
    body: &'a [u8],
}

/// A range as stored: its kind, and its events in record order.
pub(crate) struct RangeView<'a> {
    pub(crate) kind: u8,
    pub(crate) events: Vec<(EventKind, &'a str)>,
}

/// An entry's versions (sorted) and ranges.
pub(crate) struct BodyView<'a> {
    pub(crate) versions: Vec<&'a str>,
    pub(crate) ranges: Vec<RangeView<'a>>,
}

impl<'a> RecordView<'a> {
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<RecordView<'a>, FormError> {
        let mut reader = Reader { bytes };
        let withdrawn = match reader.u8()? {
            0 => false,
            1 => true,
            _ => return Err("bad flags in match form"),
        };
        let id = reader.str()?;
        let informational = reader.opt()?;
        let summary = reader.opt()?;
        let stated_severity = reader.opt()?;
        let tail_start = reader;
        for _ in 0..reader.count(4)? {
            reader.str()?;
        }
        for _ in 0..reader.count(8)? {
            reader.str()?;
            reader.str()?;
        }
        let tail_len = tail_start.bytes.len() - reader.bytes.len();
        let tail = &tail_start.bytes[..tail_len];
        let count = reader.count(12)?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let ecosystem = reader.str()?;
            let name = reader.str()?;
            let len = reader.len()?;
            let body = reader.take(len)?;
            entries.push(EntryView {
                ecosystem,
                name,
                body,
            });
        }
        if !reader.bytes.is_empty() {
            return Err("trailing bytes after match form");
        }
        Ok(RecordView {
            withdrawn,
            id,
            informational,
            summary,
            stated_severity,
            tail,
            entries,
        })
    }

    /// The record's aliases and `severity` entries.
    pub(crate) fn tail(&self) -> Result<(Vec<String>, Vec<OsvSeverity>), FormError> {
        let mut reader = Reader { bytes: self.tail };
        let aliases = (0..reader.count(4)?)
            .map(|_| reader.str().map(str::to_owned))
            .collect::<Result<_, _>>()?;
        let severities = (0..reader.count(8)?)
            .map(|_| {
                Ok(OsvSeverity {
                    kind: reader.str()?.to_owned(),
                    score: reader.str()?.to_owned(),
                })
            })
            .collect::<Result<_, FormError>>()?;
        Ok((aliases, severities))
    }
}

impl<'a> EntryView<'a> {
    pub(crate) fn body(&self) -> Result<BodyView<'a>, FormError> {
        let mut reader = Reader { bytes: self.body };
        let versions = (0..reader.count(4)?)
            .map(|_| reader.str())
            .collect::<Result<_, _>>()?;
        let count = reader.count(5)?;
        let mut ranges = Vec::with_capacity(count);
        for _ in 0..count {
            let kind = reader.u8()?;
            let events = (0..reader.count(5)?)
                .map(|_| {
                    let kind = EventKind::from_code(reader.u8()?).ok_or("bad event kind")?;
                    Ok((kind, reader.str()?))
                })
                .collect::<Result<_, FormError>>()?;
            ranges.push(RangeView { kind, events });
        }
        if !reader.bytes.is_empty() {
            return Err("trailing bytes after an entry of a match form");
        }
        Ok(BodyView { versions, ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"id":"PYSEC-1","aliases":["CVE-1"],"summary":"s",
        "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "database_specific":{"severity":"HIGH"},
        "affected":[{"package":{"ecosystem":"PyPI","name":"Foo_Bar"},"versions":["2.0","1.0","2.0"],
        "ranges":[{"type":"GIT","events":[{"introduced":"abc"}]},
                  {"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.1"},{"limit":"*"}]}]},
        {"package":{"ecosystem":"Debian:12","name":"foo"}}]}"#;

    #[test]
    fn round_trips_what_matching_reads() {
        let record: OsvRecord = serde_json::from_str(RECORD).unwrap();
        let mut bytes = Vec::new();
        encode(&record, &mut bytes);
        let view = RecordView::decode(&bytes).unwrap();
        assert!(!view.withdrawn);
        assert_eq!(
            (view.id, view.summary, view.stated_severity),
            ("PYSEC-1", Some("s"), Some("HIGH"))
        );
        let (aliases, severities) = view.tail().unwrap();
        assert_eq!(aliases, ["CVE-1"]);
        assert_eq!(severities[0].kind, "CVSS_V3");
        assert_eq!(view.entries.len(), 2);
        assert_eq!(
            (view.entries[0].ecosystem, view.entries[0].name),
            ("PyPI", "foo-bar")
        );
        let body = view.entries[0].body().unwrap();
        assert_eq!(body.versions, ["1.0", "2.0"]);
        assert_eq!(body.ranges.len(), 1, "GIT ranges are left out");
        assert_eq!(body.ranges[0].kind, RANGE_ECOSYSTEM);
        assert_eq!(
            body.ranges[0].events,
            [
                (EventKind::Introduced, "0"),
                (EventKind::Fixed, "2.1"),
                (EventKind::Limit, "*")
            ]
        );
        let empty = view.entries[1].body().unwrap();
        assert!(empty.versions.is_empty() && empty.ranges.is_empty());
    }

    #[test]
    fn damaged_forms_are_errors_not_panics() {
        let record: OsvRecord = serde_json::from_str(RECORD).unwrap();
        let mut bytes = Vec::new();
        encode(&record, &mut bytes);
        for cut in 0..bytes.len() {
            if let Ok(view) = RecordView::decode(&bytes[..cut]) {
                let _ = view.tail();
                for entry in &view.entries {
                    let _ = entry.body();
                }
            }
        }
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0xff;
            if let Ok(view) = RecordView::decode(&flipped) {
                let _ = view.tail();
                for entry in &view.entries {
                    let _ = entry.body();
                }
            }
        }
    }
}
