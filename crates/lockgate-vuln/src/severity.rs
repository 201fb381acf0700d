//! Severity of an advisory: the highest base score among the record's CVSS vectors, v3.x
//! (the formula of the CVSS v3.1 specification, section 7 and appendix A, here) and v4.0
//! (the macrovector method of the CVSS v4.0 specification, in [`crate::cvss4`]), or, where
//! a record has no vector that scores, the qualitative severity its database states
//! (`database_specific.severity`, as GHSA and many other records carry it).
//!
//! When a record carries both versions, neither is preferred: the highest score wins, as
//! it already does among several v3 vectors, so a record is never rated lower than one of
//! its own vectors says. v3 and v4 share the rating scale, and a scanner gate should err
//! towards the more severe reading.

use serde::Serialize;

use crate::cvss4::cvss4_score;
use crate::osv::{OsvRecord, OsvSeverity};

/// The qualitative rating scale shared by CVSS v3 and v4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Rating {
    /// The CVSS rating of a base score.
    pub fn from_score(score: f64) -> Rating {
        match score {
            s if s >= 9.0 => Rating::Critical,
            s if s >= 7.0 => Rating::High,
            s if s >= 4.0 => Rating::Medium,
            s if s > 0.0 => Rating::Low,
            _ => Rating::None,
        }
    }

    /// A database's own word for it (`HIGH`, `MODERATE`, `critical`, ...).
    pub fn from_text(text: &str) -> Option<Rating> {
        match text.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Rating::Critical),
            "high" | "important" => Some(Rating::High),
            "medium" | "moderate" => Some(Rating::Medium),
            "low" => Some(Rating::Low),
            "none" => Some(Rating::None),
            _ => None,
        }
    }
}

/// Where a [`Severity`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeveritySource {
    /// Computed from a `CVSS_V3` vector.
    CvssV3,
    /// Computed from a `CVSS_V4` vector.
    CvssV4,
    /// The record's `database_specific.severity` text.
    Database,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Severity {
    pub rating: Rating,
    /// The CVSS base score (v3 or v4, see `source`), when computed.
    pub score: Option<f64>,
    /// The vector it was computed from.
    pub vector: Option<String>,
    pub source: SeveritySource,
}

/// The severity of a record: the highest CVSS base score among its valid v3 and v4
/// vectors, else its database's rating, else `None`.
pub fn record_severity(record: &OsvRecord) -> Option<Severity> {
    let stated = record
        .database_specific
        .get("severity")
        .and_then(serde_json::Value::as_str);
    severity_of(&record.severity, stated)
}

/// The severity from a record's `severity` entries and its database's stated rating.
/// Among vectors with equal scores the later entry wins; the rating is the same.
pub(crate) fn severity_of(entries: &[OsvSeverity], stated: Option<&str>) -> Option<Severity> {
    let best = entries
        .iter()
        .filter_map(|s| {
            let (score, source) = match s.kind.as_str() {
                "CVSS_V3" => (cvss3_base_score(&s.score)?, SeveritySource::CvssV3),
                "CVSS_V4" => (cvss4_score(&s.score)?, SeveritySource::CvssV4),
                _ => return None,
            };
            Some((score, source, &s.score))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((score, source, vector)) = best {
        return Some(Severity {
            rating: Rating::from_score(score),
            score: Some(score),
            vector: Some(vector.clone()),
            source,
        });
    }
    Some(Severity {
        rating: Rating::from_text(stated?)?,
        score: None,
        vector: None,
        source: SeveritySource::Database,
    })
}

/// The CVSS v3.0/v3.1 base score of a vector such as
/// `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H` (9.8), or `None` if the vector lacks
/// a base metric or has an unknown value. Temporal and environmental metrics are ignored.
pub fn cvss3_base_score(vector: &str) -> Option<f64> {
    let mut parts = vector.split('/');
    let version = parts.next()?;
    if version != "CVSS:3.1" && version != "CVSS:3.0" {
        return None;
    }
    let (mut av, mut ac, mut pr, mut ui, mut scope) = (None, None, None, None, None);
    let (mut c, mut i, mut a) = (None, None, None);
    for part in parts {
        let (metric, value) = part.split_once(':')?;
        match metric {
            "AV" => av = Some(value),
            "AC" => ac = Some(value),
            "PR" => pr = Some(value),
            "UI" => ui = Some(value),
            "S" => scope = Some(value),
            "C" => c = Some(value),
            "I" => i = Some(value),
            "A" => a = Some(value),
            _ => {}
        }
    }
    let changed = match scope? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let av = match av? {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        "P" => 0.2,
        _ => return None,
    };
    let ac = match ac? {
        "L" => 0.77,
        "H" => 0.44,
        _ => return None,
    };
    let pr = match (pr?, changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        ("H", false) => 0.27,
        ("H", true) => 0.5,
        _ => return None,
    };
    let ui = match ui? {
        "N" => 0.85,
        "R" => 0.62,
        _ => return None,
    };
    let cia = |v: Option<&str>| match v? {
        "H" => Some(0.56),
        "L" => Some(0.22),
        "N" => Some(0.0),
        _ => None,
    };
    let (c, i, a) = (cia(c)?, cia(i)?, cia(a)?);
    let iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * f64::powi(iss - 0.02, 15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * av * ac * pr * ui;
    if impact <= 0.0 {
        return Some(0.0);
    }
    let raw = if changed {
        1.08 * (impact + exploitability)
    } else {
        impact + exploitability
    };
    Some(round_up(raw.min(10.0)))
}

/// CVSS v3.1 `Roundup`: the smallest one-decimal number ≥ the input, computed on
/// integers so that floating-point noise (4.000000000001) does not round up.
fn round_up(value: f64) -> f64 {
    let scaled = (value * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        (scaled / 10_000 + 1) as f64 / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_scores() {
        // Scores from NVD / the FIRST calculator.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
        ];
        for (vector, want) in cases {
            assert_eq!(cvss3_base_score(vector), Some(want), "{vector}");
        }
        assert_eq!(cvss3_base_score("CVSS:3.1/AV:N"), None);
        assert_eq!(cvss3_base_score("CVSS:4.0/AV:N/AC:L"), None);
        assert_eq!(cvss3_base_score("garbage"), None);
    }
}
