//! Hostile and broken inputs to `Database::import`: each gives a clear error naming the
//! file, and the database on disk is left exactly as it was (or absent, if it was).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness: a failure should panic

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use lockgate_vuln::{Database, DbError, MAX_RECORD_FILE_BYTES, match_package};

const RECORD: &str = r#"{"schema_version":"1.3.0","id":"GO-TEST-0001","modified":"0001-01-01T00:00:00Z",
  "aliases":["CVE-2099-0001"],"summary":"test","severity":[],
  "affected":[{"package":{"ecosystem":"Go","name":"example.com/m"},
  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#;

/// A fresh directory under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("lockgate-import-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// A database holding RECORD, and the bytes of its file.
fn seeded(dir: &Path) -> (PathBuf, Vec<u8>) {
    let record = dir.join("GO-TEST-0001.json");
    fs::write(&record, RECORD).unwrap();
    let db = dir.join("vuln.db");
    Database::import(&db, &[&record]).unwrap();
    let bytes = fs::read(&db).unwrap();
    (db, bytes)
}

fn assert_unchanged(dir: &Path, db: &Path, before: &[u8]) {
    assert_eq!(fs::read(db).unwrap(), before, "database changed");
    let leftovers: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let opened = Database::open(db).unwrap();
    assert_eq!(
        match_package(&opened, "Go", "example.com/m", "v1.1.0")
            .unwrap()
            .len(),
        1
    );
}

fn zip_with(path: &Path, name: &str, content: &[u8]) {
    let mut writer = zip::ZipWriter::new(fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file(name, options).unwrap();
    writer.write_all(content).unwrap();
    writer.finish().unwrap();
}

#[test]
fn corrupt_zip() {
    let dir = scratch("corrupt-zip");
    let (db, before) = seeded(&dir);
    let bad = dir.join("all.zip");
    fs::write(&bad, b"PK\x03\x04 this is not a zip archive at all").unwrap();
    let err = Database::import(&db, &[&bad]).unwrap_err();
    println!("corrupt zip: {err}");
    assert!(matches!(err, DbError::Zip { .. }), "{err:?}");
    assert!(err.to_string().contains("all.zip"));
    assert_unchanged(&dir, &db, &before);

    // A real archive whose deflate stream is damaged after the header.
    let damaged = dir.join("damaged.zip");
    zip_with(&damaged, "GO-X.json", RECORD.repeat(50).as_bytes());
    let mut bytes = fs::read(&damaged).unwrap();
    for b in bytes.iter_mut().skip(60).take(40) {
        *b ^= 0x5a;
    }
    fs::write(&damaged, bytes).unwrap();
    let err = Database::import(&db, &[&damaged]).unwrap_err();
    println!("damaged zip: {err}");
    assert_unchanged(&dir, &db, &before);
}

#[test]
fn truncated_record() {
    let dir = scratch("truncated");
    let (db, before) = seeded(&dir);
    let truncated = dir.join("GO-TRUNC.json");
    fs::write(&truncated, &RECORD[..RECORD.len() / 2]).unwrap();
    // Given directly, and inside a directory: both are errors, not silent skips.
    let err = Database::import(&db, &[&truncated]).unwrap_err();
    println!("truncated file: {err}");
    assert!(matches!(err, DbError::Json { .. }), "{err:?}");
    let sub = dir.join("records");
    fs::create_dir(&sub).unwrap();
    fs::copy(&truncated, sub.join("GO-TRUNC.json")).unwrap();
    let err = Database::import(&db, &[&sub]).unwrap_err();
    assert!(err.to_string().contains("GO-TRUNC.json"), "{err}");
    assert_unchanged(&dir, &db, &before);
}

#[test]
fn not_osv_json() {
    let dir = scratch("not-osv");
    let (db, before) = seeded(&dir);
    let package_json = dir.join("package.json");
    fs::write(&package_json, r#"{"name":"left-pad","version":"1.3.0"}"#).unwrap();
    let err = Database::import(&db, &[&package_json]).unwrap_err();
    println!("non-OSV JSON: {err}");
    assert!(matches!(err, DbError::NotOsv { .. }), "{err:?}");
    // An `id` with the wrong shape of fields is not a record either.
    let wrong = dir.join("wrong.json");
    fs::write(&wrong, r#"{"id":"X-1","affected":"everything"}"#).unwrap();
    assert!(matches!(
        Database::import(&db, &[&wrong]).unwrap_err(),
        DbError::NotOsv { .. }
    ));
    let text = dir.join("notes.txt");
    fs::write(&text, "hello").unwrap();
    assert!(matches!(
        Database::import(&db, &[&text]).unwrap_err(),
        DbError::Unsupported { .. }
    ));
    assert_unchanged(&dir, &db, &before);
}

#[test]
fn zip_bomb_entry() {
    let dir = scratch("bomb");
    let (db, before) = seeded(&dir);
    let bomb = dir.join("bomb.zip");
    // 16 MiB + 1 of spaces compresses to a few KiB; a valid record pads it to look real.
    let mut content = RECORD.as_bytes().to_vec();
    content.resize(MAX_RECORD_FILE_BYTES as usize + 1, b' ');
    zip_with(&bomb, "GO-BOMB.json", &content);
    assert!(fs::metadata(&bomb).unwrap().len() < 100_000);
    let err = Database::import(&db, &[&bomb]).unwrap_err();
    println!("zip bomb: {err}");
    assert!(matches!(err, DbError::TooLarge { .. }), "{err:?}");
    assert_unchanged(&dir, &db, &before);
}

#[test]
fn failed_first_import_creates_nothing() {
    let dir = scratch("first");
    let db = dir.join("vuln.db");
    let bad = dir.join("bad.json");
    fs::write(&bad, "{").unwrap();
    assert!(Database::import(&db, &[&bad]).is_err());
    assert!(!db.exists());
    assert_eq!(fs::read_dir(&*dir).unwrap().count(), 1);
}

#[test]
fn valid_zip_and_yaml_import_and_merge() {
    let dir = scratch("merge");
    let (db, _) = seeded(&dir);
    let archive = dir.join("all.zip");
    zip_with(
        &archive,
        "GO-TEST-0002.json",
        RECORD.replace("GO-TEST-0001", "GO-TEST-0002").as_bytes(),
    );
    let yaml = dir.join("PYSEC-TEST-1.yaml");
    fs::write(
        &yaml,
        "id: PYSEC-TEST-1\nwithdrawn: null\naffected:\n- package: {name: Foo_Bar, ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: '0'\n    - fixed: '2.0'\n",
    )
    .unwrap();
    let report = Database::import(&db, &[&archive, &yaml]).unwrap();
    assert_eq!(report.total_records, 3);
    let opened = Database::open(&db).unwrap();
    assert_eq!(opened.sources().len(), 3);
    assert_eq!(
        match_package(&opened, "Go", "example.com/m", "1.0.0")
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        match_package(&opened, "PyPI", "foo.bar", "1.9")
            .unwrap()
            .len(),
        1
    );
    assert!(
        match_package(&opened, "PyPI", "foo-bar", "2.0")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn release_specific_records_match_the_family_and_keep_their_ecosystem() {
    let dir = scratch("release");
    let record = dir.join("DSA-TEST.json");
    fs::write(
        &record,
        r#"{"id":"DSA-TEST-1","affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.15-1~deb12u1"}]}]}]}"#,
    )
    .unwrap();
    let withdrawn = dir.join("DSA-GONE.json");
    fs::write(
        &withdrawn,
        r#"{"id":"DSA-GONE-1","withdrawn":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"openssl"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}"#,
    )
    .unwrap();
    let db = dir.join("vuln.db");
    Database::import(&db, &[&record, &withdrawn]).unwrap();
    let opened = Database::open(&db).unwrap();
    let found = match_package(&opened, "Debian", "openssl", "3.0.14-1~deb12u2").unwrap();
    assert_eq!(found.len(), 1, "withdrawn records never match");
    assert_eq!(found[0].ecosystem, "Debian:12");
    assert_eq!(found[0].fixed, ["3.0.15-1~deb12u1"]);
    // The fixed version itself is not affected, whichever release the query names.
    let at_fix = match_package(&opened, "Debian:12", "openssl", "3.0.15-1~deb12u1").unwrap();
    assert!(at_fix.is_empty());
}

#[test]
fn corrupt_database_file() {
    let dir = scratch("corrupt-db");
    let (db, before) = seeded(&dir);
    for cut in [0, 5, 20, before.len() / 2, before.len() - 1] {
        fs::write(&db, &before[..cut]).unwrap();
        let err = Database::open(&db).unwrap_err();
        assert!(matches!(err, DbError::Corrupt { .. }), "cut {cut}: {err:?}");
    }
    let mut flipped = before.clone();
    flipped[0] ^= 1;
    fs::write(&db, &flipped).unwrap();
    assert!(matches!(
        Database::open(&db).unwrap_err(),
        DbError::Corrupt { .. }
    ));
    // An import over a corrupt database refuses rather than silently dropping its data.
    let record = dir.join("GO-TEST-0001.json");
    assert!(matches!(
        Database::import(&db, &[&record]).unwrap_err(),
        DbError::Corrupt { .. }
    ));
    assert_eq!(fs::read(&db).unwrap(), flipped);
}
