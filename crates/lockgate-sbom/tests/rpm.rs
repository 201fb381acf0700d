//! The rpm cataloger on a real rpm database: a package built with `rpmbuild` and
//! recorded with `rpm --justdb` into a fresh `var/lib/rpm/rpmdb.sqlite` (rpm 4.18's
//! SQLite backend), next to a Rocky Linux os-release. `scripts/test` installs rpm.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use lockgate_sbom::{Ecosystem, catalog_dir};

fn run(command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e} (scripts/test installs rpm)"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_real_rpm_sqlite_database_lists_its_packages() {
    let dir = std::env::temp_dir().join(format!("lockgate-rpmdb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let top = dir.join("build");
    std::fs::create_dir_all(top.join("SPECS")).unwrap();
    std::fs::write(
        top.join("SPECS/demo.spec"),
        "Name: demo-libs\nVersion: 3.0.7\nRelease: 16.el9\nEpoch: 1\nSummary: test\n\
License: ASL 2.0\nBuildArch: noarch\n\n%description\ntest\n\n%files\n",
    )
    .unwrap();
    let define = |name: &str, value: &Path| format!("{name} {}", value.display());
    run(Command::new("rpmbuild")
        .arg("-bb")
        .arg("--quiet")
        .arg("--define")
        .arg(define("_topdir", &top))
        .arg(top.join("SPECS/demo.spec")));
    let root = dir.join("root");
    let db = root.join("var/lib/rpm");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(
        root.join("etc/os-release"),
        "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n",
    )
    .unwrap();
    let rpm = top.join("RPMS/noarch/demo-libs-3.0.7-16.el9.noarch.rpm");
    run(Command::new("rpm")
        .args(["--define", "_db_backend sqlite", "--dbpath"])
        .arg(&db)
        .arg("--initdb"));
    run(Command::new("rpm")
        .args(["--define", "_db_backend sqlite", "--dbpath"])
        .arg(&db)
        .args(["-i", "--justdb", "--nodeps", "--nosignature"])
        .arg(&rpm));
    assert!(
        db.join("rpmdb.sqlite").is_file(),
        "rpm wrote no rpmdb.sqlite"
    );

    let set = catalog_dir(&root);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    let packages: Vec<_> = set.of(Ecosystem::Rpm).collect();
    assert_eq!(packages.len(), 1, "{packages:?}");
    let demo = packages[0];
    assert_eq!(demo.name, "demo-libs");
    assert_eq!(demo.version, "1:3.0.7-16.el9");
    assert_eq!(demo.license.as_deref(), Some("ASL 2.0"));
    let source = demo.source.as_ref().expect("the source rpm");
    assert_eq!(source.name, "demo-libs");
    assert_eq!(
        demo.purl,
        "pkg:rpm/rocky/demo-libs@3.0.7-16.el9?arch=noarch&distro=rocky-9.3&epoch=1&upstream=demo-libs-3.0.7-16.el9.src.rpm"
    );
    let distro = demo.distro.as_ref().expect("os-release was read");
    assert_eq!(distro.osv_ecosystem().as_deref(), Some("Rocky Linux:9"));
    assert!(demo.found_at.path.ends_with("var/lib/rpm/rpmdb.sqlite"));
    let _ = std::fs::remove_dir_all(&dir);
}
