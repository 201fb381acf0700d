//! The OSV record format (<https://ossf.github.io/osv-schema/>) as serde types, tolerant of
//! what real databases publish: schema versions 1.2 to 1.7, `0001-01-01` timestamps
//! (golang/vulndb), `"severity": []` (GHSA), YAML files (PyPA), and fields this crate does
//! not read (kept as raw JSON where a consumer may want them).
//!
//! Only `id` is required; everything else defaults, because a record that omits an
//! optional field is still a record. Timestamps stay strings: matching never needs them
//! and the odd ones must not make a record unreadable.

use serde::{Deserialize, Serialize};

/// One OSV vulnerability record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OsvRecord {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the record was retracted: such records never match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub aliases: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub related: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub severity: Vec<OsvSeverity>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub affected: Vec<Affected>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub references: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub database_specific: serde_json::Value,
}

/// A `severity` entry: `type` is `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`, ...
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OsvSeverity {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub score: String,
}

/// One `affected` entry: a package and the versions of it the record covers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Affected {
    #[serde(default)]
    pub package: AffectedPackage,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ranges: Vec<Range>,
    #[serde(default, deserialize_with = "version_list")]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Vec<OsvSeverity>>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub ecosystem_specific: serde_json::Value,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub database_specific: serde_json::Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AffectedPackage {
    #[serde(default)]
    pub ecosystem: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// A `ranges` entry: events in the `type`'s ordering.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Range {
    #[serde(rename = "type", default)]
    pub kind: RangeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub events: Vec<Event>,
}

/// How a range's versions are ordered. Unknown kinds are kept (and never matched).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RangeKind {
    Semver,
    #[default]
    Ecosystem,
    Git,
    #[serde(other)]
    Unknown,
}

/// One range event. The schema allows exactly one key per event; extra keys are
/// tolerated and read in the order introduced, fixed, last_affected, limit.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Event {
    #[serde(
        default,
        deserialize_with = "version_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub introduced: Option<String>,
    #[serde(
        default,
        deserialize_with = "version_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub fixed: Option<String>,
    #[serde(
        default,
        deserialize_with = "version_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_affected: Option<String>,
    #[serde(
        default,
        deserialize_with = "version_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub limit: Option<String>,
}

impl OsvRecord {
    /// RustSec's `informational` (`unmaintained`, `unsound`, `notice`): a notice, not a
    /// vulnerability. The OSV export puts it in `affected[].database_specific`; it is
    /// also read from the record's own `database_specific`.
    pub fn informational(&self) -> Option<&str> {
        fn from(value: &serde_json::Value) -> Option<&str> {
            value
                .get("informational")
                .and_then(serde_json::Value::as_str)
        }
        from(&self.database_specific).or_else(|| {
            self.affected
                .iter()
                .find_map(|affected| from(&affected.database_specific))
        })
    }
}

/// `null` where a list is expected reads as the empty list.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A version written as a string, or as a bare number by a YAML writer (`1.0` becomes
/// `"1.0"`, though a float's trailing zeros are already lost: PyPA quotes its versions).
fn scalar_text(value: serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn version_text<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(scalar_text(serde_json::Value::deserialize(deserializer)?))
}

pub(crate) fn version_list<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Array(items) => Ok(items.into_iter().filter_map(scalar_text).collect()),
        _ => Ok(Vec::new()),
    }
}

/// Converts a YAML document (PyPA writes OSV as YAML) into JSON. Non-string keys become
/// their text; non-finite floats become `null` (JSON has no such numbers).
pub(crate) fn yaml_to_json(node: &lockgate_syntax::Node) -> serde_json::Value {
    use lockgate_syntax::Value as Y;
    use serde_json::Value as J;
    match &node.value {
        Y::Null => J::Null,
        Y::Bool(b) => J::Bool(*b),
        Y::Int(i) => J::from(*i),
        Y::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Y::Str(s) => J::String(s.to_string()),
        Y::Seq(items) => J::Array(items.iter().map(yaml_to_json).collect()),
        Y::Map(map) => {
            let mut object = serde_json::Map::with_capacity(map.entries.len());
            for (key, value) in &map.entries {
                let key = match &key.value {
                    Y::Str(s) => s.to_string(),
                    Y::Int(i) => i.to_string(),
                    Y::Float(f) => f.to_string(),
                    Y::Bool(b) => b.to_string(),
                    _ => continue,
                };
                object.insert(key, yaml_to_json(value));
            }
            J::Object(object)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_real_world_quirks() {
        let text = r#"{"schema_version":"1.4.0","id":"GHSA-x","modified":"0001-01-01T00:00:00Z",
            "severity":[],"aliases":null,"affected":[{"package":{"ecosystem":"npm","name":"a"},
            "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]},
            {"type":"WEIRD","events":[]}],"database_specific":{"informational":"unsound"}}]}"#;
        let record: OsvRecord = serde_json::from_str(text).unwrap();
        assert_eq!(record.id, "GHSA-x");
        assert!(record.severity.is_empty() && record.aliases.is_empty());
        assert_eq!(record.affected[0].ranges[1].kind, RangeKind::Unknown);
        assert_eq!(record.informational(), Some("unsound"));
    }

    #[test]
    fn yaml_records_convert() {
        let text = "id: PYSEC-1\naffected:\n- package: {name: x, ecosystem: PyPI}\n  versions: ['1.0', 2]\n";
        let stream = lockgate_syntax::parse_stream(text, lockgate_syntax::Limits::default());
        let json = yaml_to_json(&stream.documents[0]);
        let record: OsvRecord = serde_json::from_value(json).unwrap();
        assert_eq!(record.affected[0].versions.len(), 1 + 1);
    }
}
