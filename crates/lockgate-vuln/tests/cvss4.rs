//! CVSS v4.0 scoring against scores published by others, and hostile vectors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness: a failure should panic

use lockgate_vuln::cvss4::cvss4_score;
use lockgate_vuln::osv::OsvRecord;
use lockgate_vuln::severity::{Rating, SeveritySource, record_severity};

/// Expected scores from pablotron/polycvss, `src/v4/tests.rs`, `mod scores`,
/// `test_from_vector` (an independent Rust implementation whose expected values come from
/// FIRST's reference calculator). Base-only vectors (CVSS-B) first, then vectors with
/// threat and environmental metrics (CVSS-BTE), including `E:U`/`E:P`, `X` values that
/// must default, Safety (`MSI:S`/`MSA:S`), and a base with no impact at all whose
/// modified metrics restore one.
const POLYCVSS_SCORES: &[(&str, f64)] = &[
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N",
        6.9,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        9.3,
    ),
    (
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N",
        8.5,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N",
        8.8,
    ),
    (
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N",
        7.0,
    ),
    (
        "CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:L/SI:H/SA:H",
        5.9,
    ),
    (
        "CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:L/SI:H/SA:H",
        7.2,
    ),
    (
        "CVSS:4.0/AV:P/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H",
        6.0,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H",
        9.1,
    ),
    (
        "CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:L/SI:H/SA:H/MSC:H/MSI:S/MSA:S",
        6.4,
    ),
    (
        "CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:A/VC:L/VI:N/VA:L/SC:H/SI:L/SA:H/E:X/CR:X/IR:M/AR:L/MAV:N/MAC:X/MAT:X/MPR:H/MUI:X/MVC:L/MVI:L/MVA:N/MSC:H/MSI:N/MSA:H",
        4.5,
    ),
    (
        "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:N/VC:L/VI:L/VA:L/SC:L/SI:H/SA:L/E:P/CR:H/IR:L/AR:L/MAV:P/MAC:L/MAT:X/MPR:L/MUI:P/MVC:H/MVI:L/MVA:H/MSC:H/MSI:N/MSA:X",
        3.7,
    ),
    (
        "CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:P/VC:N/VI:L/VA:L/SC:N/SI:N/SA:N/E:U/CR:M/IR:X/AR:X/MAV:L/MAC:H/MAT:N/MPR:X/MUI:X/MVC:L/MVI:H/MVA:L/MSC:L/MSI:H/MSA:L",
        1.6,
    ),
    (
        "CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:P/VC:H/VI:H/VA:H/SC:H/SI:L/SA:L/E:U/CR:X/IR:X/AR:L/MAV:A/MAC:L/MAT:X/MPR:H/MUI:A/MVC:H/MVI:L/MVA:H/MSC:H/MSI:S/MSA:H",
        6.0,
    ),
    (
        "CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:A/VC:N/VI:N/VA:L/SC:N/SI:N/SA:L/E:U/CR:M/IR:H/AR:M/MAV:N/MAC:H/MAT:N/MPR:N/MUI:X/MVC:N/MVI:X/MVA:X/MSC:N/MSI:N/MSA:L",
        0.5,
    ),
    (
        "CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:H/VI:H/VA:H/SC:L/SI:L/SA:H/E:U/CR:H/IR:M/AR:X/MAV:X/MAC:L/MAT:X/MPR:L/MUI:N/MVC:H/MVI:H/MVA:X/MSC:N/MSI:S/MSA:S",
        8.9,
    ),
    (
        "CVSS:4.0/AV:P/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:N/SC:L/SI:L/SA:N/E:P/CR:H/IR:L/AR:M/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N/MVC:X/MVI:L/MVA:L/MSC:L/MSI:S/MSA:X",
        9.4,
    ),
    (
        "CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:N/VC:N/VI:N/VA:L/SC:L/SI:H/SA:N/E:U/CR:M/IR:X/AR:L/MAV:N/MAC:L/MAT:N/MPR:X/MUI:P/MVC:L/MVI:X/MVA:N/MSC:X/MSI:L/MSA:L",
        1.2,
    ),
    (
        "CVSS:4.0/AV:A/AC:L/AT:P/PR:L/UI:P/VC:H/VI:H/VA:N/SC:L/SI:N/SA:L/E:U/CR:X/IR:M/AR:M/MAV:L/MAC:X/MAT:X/MPR:H/MUI:P/MVC:H/MVI:N/MVA:N/MSC:X/MSI:L/MSA:N",
        0.4,
    ),
    (
        "CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:A/VC:H/VI:N/VA:H/SC:H/SI:L/SA:N/E:A/CR:M/IR:X/AR:X/MAV:N/MAC:L/MAT:P/MPR:L/MUI:N/MVC:N/MVI:H/MVA:L/MSC:L/MSI:H/MSA:S",
        8.7,
    ),
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:P/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:P/CR:X/IR:M/AR:M/MAV:A/MAC:L/MAT:X/MPR:X/MUI:X/MVC:H/MVI:L/MVA:X/MSC:H/MSI:H/MSA:L",
        5.2,
    ),
];

#[test]
fn scores_match_polycvss() {
    for (vector, want) in POLYCVSS_SCORES {
        assert_eq!(cvss4_score(vector), Some(*want), "{vector}");
    }
}

/// The edges of the scale. 10.0 is the score the specification's lookup table gives
/// macrovector 000100, whose most severe vector is this one (also FIRST's calculator and
/// the CVSS v4.0 examples: `AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H` =
/// 10.0, with or without `E:A`). 0.0 is the specification's rule for a vector with no
/// impact on either system (FIRST's `cvss_score.js`: "Exception for no impact on
/// system"), whatever its exploitability.
#[test]
fn scores_at_the_edges_of_the_scale() {
    let top = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H";
    assert_eq!(cvss4_score(top), Some(10.0));
    assert_eq!(cvss4_score(&format!("{top}/E:A")), Some(10.0));
    assert_eq!(
        cvss4_score(&format!("{top}/E:X/CR:X/IR:X/AR:X")),
        Some(10.0)
    );
    for no_impact in [
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MVC:N/MVI:N/MVA:N/MSC:N/MSI:N/MSA:N",
    ] {
        assert_eq!(cvss4_score(no_impact), Some(0.0), "{no_impact}");
    }
}

/// Threat and environmental metrics left at `X` score as if absent (the specification's
/// defaults: `E` and the requirements take the worst case), and supplemental metrics
/// never change a score.
#[test]
fn defaults_and_supplemental_metrics_do_not_change_the_score() {
    let base = "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H";
    let want = cvss4_score(base);
    assert_eq!(want, Some(9.1));
    for suffix in [
        "/E:X",
        "/E:A",
        "/CR:X/IR:X/AR:X",
        "/CR:H/IR:H/AR:H",
        "/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X",
        "/S:P/AU:Y/R:I/V:C/RE:H/U:Red",
        "/S:X/AU:X/R:X/V:X/RE:X/U:X",
    ] {
        assert_eq!(cvss4_score(&format!("{base}{suffix}")), want, "{suffix}");
    }
    // An unreported exploit lowers it, a proof of concept less so.
    let unreported = cvss4_score(&format!("{base}/E:U")).unwrap();
    let poc = cvss4_score(&format!("{base}/E:P")).unwrap();
    assert!(unreported < poc && poc < 9.1, "{unreported} {poc}");
}

#[test]
fn malformed_vectors_are_rejected() {
    let base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    let long = format!("{base}{}", "/E:A".repeat(10_000));
    let bad = [
        "",
        "CVSS:4.0",
        "CVSS:4.0/",
        "garbage",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        // The version prefix is exact.
        "cvss:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        // A base metric missing.
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
        "CVSS:4.0/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A",
        // Duplicates, even with the same value.
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AV:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/E:U",
        // Unknown metrics, v3 metrics, values the metric does not have.
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/XX:Y",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:U",
        "CVSS:4.0/AV:Z/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:n/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:S/SA:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:INVALID",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSC:S",
        // Broken components.
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/",
        "CVSS:4.0//AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N ",
        "CVSS:4.0/AV:Ñ/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        long.as_str(),
    ];
    for vector in bad {
        assert_eq!(cvss4_score(vector), None, "{vector:.120}");
    }
    assert_eq!(cvss4_score(base), Some(9.3));
}

/// Metric order is not enforced: a reordered vector says the same thing.
#[test]
fn metric_order_does_not_matter() {
    let reordered = "CVSS:4.0/SA:N/SI:N/SC:N/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/AV:N";
    assert_eq!(cvss4_score(reordered), Some(9.3));
}

/// Every prefix of a long vector and a sweep of byte mutations: never a panic, and the
/// score, when there is one, on the scale.
#[test]
fn hostile_input_never_panics() {
    let vector = POLYCVSS_SCORES[11].0;
    for end in 0..=vector.len() {
        if let Some(score) = cvss4_score(&vector[..end]) {
            assert!((0.0..=10.0).contains(&score));
        }
    }
    let bytes = vector.as_bytes();
    for at in 0..bytes.len() {
        for replacement in [b'/', b':', b'X', b'S', b'N', b'H', b'0'] {
            let mut mutated = bytes.to_vec();
            mutated[at] = replacement;
            let mutated = String::from_utf8(mutated).unwrap();
            if let Some(score) = cvss4_score(&mutated) {
                assert!((0.0..=10.0).contains(&score), "{mutated}");
            }
        }
    }
}

fn record(severity: &str) -> OsvRecord {
    serde_json::from_str(&format!(r#"{{"id":"TEST-1","severity":{severity}}}"#)).unwrap()
}

#[test]
fn a_v4_only_record_is_rated_from_its_vector() {
    let rated = record_severity(&record(
        r#"[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]"#,
    ))
    .unwrap();
    assert_eq!(rated.source, SeveritySource::CvssV4);
    assert_eq!(rated.score, Some(9.3));
    assert_eq!(rated.rating, Rating::Critical);
}

#[test]
fn the_highest_score_wins_across_versions() {
    // v3 9.8 against v4 6.9: the v3 vector rates the record.
    let rated = record_severity(&record(
        r#"[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
            {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N"}]"#,
    ))
    .unwrap();
    assert_eq!(
        (rated.source, rated.score),
        (SeveritySource::CvssV3, Some(9.8))
    );
    // v3 6.1 against v4 9.3: the v4 vector does.
    let rated = record_severity(&record(
        r#"[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"},
            {"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]"#,
    ))
    .unwrap();
    assert_eq!(
        (rated.source, rated.score),
        (SeveritySource::CvssV4, Some(9.3))
    );
    assert_eq!(rated.rating, Rating::Critical);
}

#[test]
fn an_invalid_v4_vector_falls_back() {
    // To a valid v3 vector.
    let rated = record_severity(&record(
        r#"[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AV:N"},
            {"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}]"#,
    ))
    .unwrap();
    assert_eq!(
        (rated.source, rated.score),
        (SeveritySource::CvssV3, Some(6.1))
    );
    // To the database's rating.
    let mut only_v4 = record(r#"[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N"}]"#);
    only_v4.database_specific = serde_json::json!({"severity": "MODERATE"});
    let rated = record_severity(&only_v4).unwrap();
    assert_eq!(
        (rated.source, rated.rating),
        (SeveritySource::Database, Rating::Medium)
    );
}
