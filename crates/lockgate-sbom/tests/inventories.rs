//! Real inventories from `../shared/vulndata/inventories` (see its MANIFEST.md): each
//! directory is cataloged with `catalog_dir` and must give the package count the
//! manifest states, without problems, with the details matching depends on (source
//! packages, lines, groups, commits).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lockgate_sbom::{CatalogError, Ecosystem, Package, PackageSet, catalog_dir};

fn inventory(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/vulndata/inventories")
        .join(relative)
}

/// Catalogs an inventory directory, printing what it found.
fn catalog(relative: &str) -> PackageSet {
    let set = catalog_dir(&inventory(relative));
    println!("{relative}: {} packages", set.packages.len());
    for problem in &set.problems {
        println!("  problem: {problem}");
    }
    set
}

fn find<'a>(set: &'a PackageSet, name: &str, version: &str) -> &'a Package {
    set.packages
        .iter()
        .find(|p| p.name == name && p.version == version)
        .unwrap_or_else(|| panic!("{name} {version} not found"))
}

fn assert_clean(set: &PackageSet) {
    assert!(set.problems.is_empty(), "problems: {:?}", set.problems);
}

#[test]
fn npm_lockfile_v2_axios_has_1129_packages() {
    let set = catalog("npm/axios-v0.26.0");
    assert_clean(&set);
    assert_eq!(set.packages.len(), 1129);
    // The line of the package's own entry, for findings.
    let follow_redirects = find(&set, "follow-redirects", "1.14.8");
    assert_eq!(follow_redirects.found_at.line, Some(5605));
    assert!(follow_redirects.groups.is_empty(), "a runtime dependency");
    assert_eq!(follow_redirects.purl, "pkg:npm/follow-redirects@1.14.8");
    find(&set, "minimist", "1.2.5");
}

#[test]
fn npm_lockfile_v1_jquery_has_524_packages() {
    let set = catalog("npm/jquery-2017-09");
    assert_clean(&set);
    assert_eq!(set.packages.len(), 524);
    assert!(set.packages.iter().all(|p| p.found_at.line.is_some()));
}

#[test]
fn poetry_lock_has_104_packages() {
    let set = catalog("pypi/poetry-1.0.0");
    assert_clean(&set);
    assert_eq!(set.packages.len(), 104);
    assert!(
        set.packages
            .iter()
            .all(|p| p.ecosystem == Ecosystem::PyPI && !p.version.is_empty())
    );
}

#[test]
fn requirements_txt_has_24_pins_and_one_range() {
    let set = catalog("pypi/netbox-v2.8.0");
    assert_clean(&set);
    let pinned = set
        .packages
        .iter()
        .filter(|p| !p.version.is_empty())
        .count();
    assert_eq!(pinned, 24);
    // `Django>=3.0,<3.1` is a range: the package is listed, with no version to match.
    let django = find(&set, "django", "");
    assert_eq!(django.found_at.line, Some(1));
}

#[test]
fn debian_minbase_dpkg_status_has_88_packages_with_source_packages() {
    let set = catalog("debian-bookworm-minbase");
    assert_clean(&set);
    assert_eq!(set.of(Ecosystem::Debian).count(), 88);
    let libc6 = find(&set, "libc6", "2.36-9+deb12u14");
    let source = libc6.source.as_ref().expect("libc6 is built from glibc");
    assert_eq!(source.name, "glibc");
    assert_eq!(libc6.found_at.line, Some(694));
    assert_eq!(
        libc6.purl,
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc"
    );
    // The release comes from the image's own etc/os-release.
    let distro = libc6.distro.as_ref().expect("os-release was read");
    assert_eq!(distro.osv_ecosystem().as_deref(), Some("Debian:12"));
    find(&set, "base-files", "12.4+deb12u15");
}

#[test]
fn alpine_installed_databases_have_15_and_14_packages() {
    let set = catalog("alpine-3.18-scalibr-fixture");
    assert_clean(&set);
    assert_eq!(set.of(Ecosystem::Alpine).count(), 15);
    let libcrypto = find(&set, "libcrypto3", "3.1.0-r4");
    assert_eq!(
        libcrypto.source.as_ref().map(|s| s.name.as_str()),
        Some("openssl")
    );

    let set = catalog("alpine-3.16-syft-fixture");
    assert_clean(&set);
    assert_eq!(set.of(Ecosystem::Alpine).count(), 14);
    let libssl = find(&set, "libssl1.1", "1.1.1q-r0");
    assert_eq!(
        libssl.source.as_ref().map(|s| s.name.as_str()),
        Some("openssl")
    );
}

#[test]
fn cargo_lock_v1_ripgrep_releases_have_86_and_75_packages() {
    let set = catalog("cargo/ripgrep-0.10.0");
    assert_clean(&set);
    assert_eq!(set.packages.len(), 86);
    let set = catalog("cargo/ripgrep-11.0.2");
    assert_clean(&set);
    assert_eq!(set.packages.len(), 75);
}

#[test]
fn go_mod_has_24_modules_and_the_go_directive() {
    let set = catalog("go/cli-v1.0.0");
    assert_clean(&set);
    let modules = set.packages.iter().filter(|p| p.name != "stdlib").count();
    assert_eq!(modules, 24);
    let stdlib = find(&set, "stdlib", "1.13");
    assert_eq!(stdlib.found_at.line, Some(3));
    assert!(set.packages.iter().all(|p| !p.version.starts_with('v')));
}

#[test]
fn gemfile_lock_reports_git_gems_with_their_revision() {
    let set = catalog("rubygems/huginn-2018-12");
    assert_clean(&set);
    assert!(set.packages.len() > 200, "{} gems", set.packages.len());
    let tumblr = find(&set, "tumblr_client", "0.8.5");
    assert_eq!(
        tumblr.commit.as_deref(),
        Some("e046fe6e39291c173add0a49081630c7b60a36c7")
    );
}

#[test]
fn maven_poms_resolve_what_is_available_offline_and_say_what_is_not() {
    let set = catalog("maven/webgoat-v8.0.0");
    find(&set, "com.thoughtworks.xstream:xstream", "1.4.7");
    find(&set, "org.apache.commons:commons-exec", "1.3");
    // lombok's version comes from spring-boot-starter-parent, which is not on disk.
    let lombok = find(&set, "org.projectlombok:lombok", "");
    assert_eq!(lombok.groups, ["provided"]);
    assert!(
        set.problems
            .iter()
            .all(|p| matches!(p, CatalogError::Incomplete { .. })),
        "{:?}",
        set.problems
    );
}
