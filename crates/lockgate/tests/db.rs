//! `lockgate db import` and `lockgate db info` on real advisories from
//! `../shared/vulndata`: records counted, sources remembered, and a failed import leaves
//! the database byte for byte as it was.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;

use support::{json, lockgate, scratch};

fn vulndata() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndata");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir
}

#[test]
fn import_then_info_reports_records_sources_and_age() {
    let dir = scratch("db-import");
    let db = dir.join("osv.db");
    let rustsec = vulndata().join("rustsec-advisory-db-osv/crates");
    let output = lockgate(
        &dir,
        &[
            "db",
            "import",
            "--db",
            db.to_str().unwrap(),
            rustsec.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("now holds"), "{stderr}");

    let info = lockgate(
        &dir,
        &[
            "db",
            "info",
            "--db",
            db.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(info.status.code(), Some(0));
    let info = json(&info);
    assert!(info["records"].as_u64().unwrap() >= 1200, "{info}");
    assert_eq!(info["sources"].as_array().unwrap().len(), 1);
    assert!(info["age_seconds"].as_u64().unwrap() < 3600);
    let text = lockgate(&dir, &["db", "info", "--db", db.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("advisories, written"));
}

#[test]
fn a_failed_import_changes_nothing() {
    let dir = scratch("db-fail");
    let db = dir.join("osv.db");
    let go = vulndata().join("golang-vulndb/data/osv");
    let output = lockgate(
        &dir,
        &[
            "db",
            "import",
            "--db",
            db.to_str().unwrap(),
            go.to_str().unwrap(),
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let before = std::fs::read(&db).unwrap();

    let corrupt = dir.join("PyPI-all.zip");
    std::fs::write(&corrupt, b"PK\x03\x04 this is not really a zip archive").unwrap();
    let output = lockgate(
        &dir,
        &[
            "db",
            "import",
            "--db",
            db.to_str().unwrap(),
            corrupt.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unchanged") && stderr.contains("PyPI-all.zip"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);

    let missing = lockgate(
        &dir,
        &["db", "info", "--db", dir.join("none.db").to_str().unwrap()],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("lockgate db import"));
}

#[test]
fn update_refuses_plain_http_off_this_machine_without_touching_the_network() {
    let dir = scratch("db-update");
    let db = dir.join("osv.db");
    let output = lockgate(
        &dir,
        &[
            "db",
            "update",
            "--db",
            db.to_str().unwrap(),
            "--ecosystem",
            "PyPI",
            "--base-url",
            "http://osv-mirror.invalid/osv",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unchanged") && stderr.contains("HTTP"),
        "{stderr}"
    );
    assert!(!db.exists());
}
