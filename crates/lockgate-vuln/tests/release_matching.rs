//! Release-specific distro records: a query naming a release (`Debian:12`) is matched by
//! entries of that release and by entries without one, never by another release of the
//! family; a query without a release is matched by every release. And the database's
//! format version: a file of another version is refused with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness: a failure should panic

use std::fs;
use std::path::PathBuf;

use lockgate_vuln::{Database, DbError, MatchOptions, Query, match_package, match_packages};

/// Debian 12 with a fix, Debian 11 without one (every version affected), a release-less
/// Debian entry, a record with an entry per release, and Alpine entries per release.
const RECORDS: &str = r#"[
 {"id":"DEB-12","affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.15-1~deb12u1"}]}]}]},
 {"id":"DEB-11","affected":[{"package":{"ecosystem":"Debian:11","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]},
 {"id":"DEB-ANY","affected":[{"package":{"ecosystem":"Debian","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"9.0"}]}]}]},
 {"id":"DEB-BOTH","affected":[
   {"package":{"ecosystem":"Debian:11","name":"openssl"},"versions":["3.0.14-1~deb12u2"]},
   {"package":{"ecosystem":"Debian:12","name":"openssl"},
    "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.16-1~deb12u1"}]}]}]},
 {"id":"ALP-318","affected":[{"package":{"ecosystem":"Alpine:v3.18","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.1.4-r0"}]}]}]},
 {"id":"ALP-316","affected":[{"package":{"ecosystem":"Alpine:v3.16","name":"openssl"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.1t-r0"}]}]}]}
]"#;

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn database(name: &str) -> (Scratch, Database) {
    let dir = std::env::temp_dir().join(format!("lockgate-release-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let records = dir.join("records.json");
    fs::write(&records, RECORDS).unwrap();
    let db = dir.join("vuln.db");
    Database::import(&db, &[&records]).unwrap();
    let opened = Database::open(&db).unwrap();
    (Scratch(dir), opened)
}

fn ids(db: &Database, ecosystem: &str, version: &str) -> Vec<String> {
    let mut ids: Vec<String> = match_package(db, ecosystem, "openssl", version)
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_release_query_skips_other_releases_of_the_family() {
    let (_dir, db) = database("debian");
    // DEB-11 affects every version, DEB-12 every version below its fix: each would
    // match the other release's package if releases were ignored.
    assert_eq!(
        ids(&db, "Debian:12", "3.0.14-1~deb12u2"),
        ["DEB-12", "DEB-ANY", "DEB-BOTH"]
    );
    assert_eq!(
        ids(&db, "Debian:11", "1.1.1n-0+deb11u5"),
        ["DEB-11", "DEB-ANY"]
    );
    // DEB-BOTH's Debian 11 entry lists this very version, but only its Debian 12 entry
    // applies: that one is reported, with its own fix.
    let found = match_package(&db, "Debian:12", "openssl", "3.0.14-1~deb12u2").unwrap();
    let both = found.iter().find(|m| m.id == "DEB-BOTH").unwrap();
    assert_eq!(both.ecosystem, "Debian:12");
    assert_eq!(both.fixed, ["3.0.16-1~deb12u1"]);
    // A release the database knows nothing specific about: release-less entries only.
    assert_eq!(ids(&db, "Debian:13", "3.0.0-1"), ["DEB-ANY"]);
}

#[test]
fn a_query_without_release_matches_every_release() {
    let (_dir, db) = database("family");
    assert_eq!(
        ids(&db, "Debian", "1.1.1n-0+deb11u5"),
        ["DEB-11", "DEB-12", "DEB-ANY", "DEB-BOTH"]
    );
    assert_eq!(ids(&db, "Alpine", "1.1.1q-r0"), ["ALP-316", "ALP-318"]);
}

#[test]
fn alpine_releases_with_and_without_the_v() {
    let (_dir, db) = database("alpine");
    // 1.1.1q-r0 is below both fixes: only the queried release's record applies.
    assert_eq!(ids(&db, "Alpine:v3.18", "1.1.1q-r0"), ["ALP-318"]);
    assert_eq!(ids(&db, "Alpine:3.18", "1.1.1q-r0"), ["ALP-318"]);
    assert_eq!(ids(&db, "Alpine:v3.16", "1.1.1q-r0"), ["ALP-316"]);
    assert!(ids(&db, "Alpine:v3.19", "1.0.0-r0").is_empty());
}

#[test]
fn release_filtering_in_one_batch() {
    let (_dir, db) = database("batch");
    let queries = [
        Query {
            ecosystem: "Debian:12",
            name: "openssl",
            version: "3.0.14-1~deb12u2",
        },
        Query {
            ecosystem: "Debian:11",
            name: "openssl",
            version: "1.1.1n-0+deb11u5",
        },
    ];
    let results = match_packages(&db, &queries, MatchOptions::default()).unwrap();
    let ids = |i: usize| {
        let mut ids: Vec<&str> = results[i].iter().map(|m| m.id.as_str()).collect();
        ids.sort_unstable();
        ids
    };
    assert_eq!(ids(0), ["DEB-12", "DEB-ANY", "DEB-BOTH"]);
    assert_eq!(ids(1), ["DEB-11", "DEB-ANY"]);
}

#[test]
fn a_database_of_another_format_version_asks_for_a_reimport() {
    let (dir, db) = database("format");
    let path = db.path().to_owned();
    drop(db);
    let mut bytes = fs::read(&path).unwrap();
    bytes[8..12].copy_from_slice(&1u32.to_le_bytes());
    fs::write(&path, &bytes).unwrap();
    let err = Database::open(&path).unwrap_err();
    assert!(matches!(err, DbError::Corrupt { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("format version 1"), "{message}");
    assert!(message.contains("import again"), "{message}");
    // Importing over it refuses too, leaving the file as it was.
    let records = dir.0.join("records.json");
    assert!(Database::import(&path, &[&records]).is_err());
    assert_eq!(fs::read(&path).unwrap(), bytes);
}
