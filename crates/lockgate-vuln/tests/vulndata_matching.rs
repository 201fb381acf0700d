//! Matching over the real advisories and inventories of `../shared/vulndata`: PyPA,
//! golang/vulndb, RustSec (OSV export), the GHSA subset and the zeppelin osv.dev
//! records are imported into one database; every inventory is cataloged with
//! `lockgate_sbom::catalog_dir` and matched. The printed table is the review artifact;
//! the assertions are the floors `vulndata/MANIFEST.md` measured with a naive matcher,
//! and the cases where exact matching must differ from naive matching are pinned.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness: a failure should panic

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use lockgate_sbom::{PackageSet, catalog_dir};
use lockgate_vuln::{Database, Match, MatchOptions, Query, match_packages};

fn vulndata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vulndata")
}

/// One database for every test of this file, imported once.
fn database() -> &'static Database {
    static DB: OnceLock<Database> = OnceLock::new();
    DB.get_or_init(|| {
        let root = vulndata();
        let path =
            std::env::temp_dir().join(format!("lockgate-vulndata-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let inputs = [
            root.join("pypa-advisory-database/vulns"),
            root.join("golang-vulndb/data/osv"),
            root.join("rustsec-advisory-db-osv/crates"),
            root.join("github-advisory-database-subset/advisories"),
            root.join("osv-scalibr-zeppelin-maven/zeppelin-server/vulnerabilities.json"),
        ];
        let report = Database::import(&path, &inputs).unwrap();
        for source in &report.sources {
            println!(
                "imported {} records ({} skipped) from {}",
                source.records, source.skipped, source.path
            );
        }
        let db = Database::open(&path).unwrap();
        let _ = std::fs::remove_file(&path); // the open file stays readable
        db
    })
}

/// Results for one inventory: per package (name@version) the matched advisory IDs.
struct Outcome {
    packages: usize,
    hits: BTreeMap<String, Vec<Match>>,
}

impl Outcome {
    fn advisories(&self) -> usize {
        self.hits.values().map(Vec::len).sum()
    }
    fn distinct_advisories(&self) -> usize {
        self.hits
            .values()
            .flatten()
            .map(|m| m.id.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }
    fn ids_of(&self, package: &str) -> BTreeSet<&str> {
        self.hits
            .get(package)
            .map(|ms| ms.iter().map(|m| m.id.as_str()).collect())
            .unwrap_or_default()
    }
}

fn run(set: &PackageSet, file_suffix: Option<&str>, options: MatchOptions) -> Outcome {
    let packages: Vec<_> = set
        .packages
        .iter()
        .filter(|p| file_suffix.is_none_or(|s| p.found_at.path.ends_with(s)))
        .collect();
    let queries: Vec<Query> = packages
        .iter()
        .map(|p| Query {
            ecosystem: p.ecosystem.osv_name(),
            name: &p.name,
            version: &p.version,
        })
        .collect();
    let results = match_packages(database(), &queries, options).unwrap();
    let mut hits = BTreeMap::new();
    for (package, matches) in packages.iter().zip(results) {
        if !matches.is_empty() {
            hits.insert(format!("{}@{}", package.name, package.version), matches);
        }
    }
    Outcome {
        packages: packages.len(),
        hits,
    }
}

fn inventory(relative: &str) -> PackageSet {
    let set = catalog_dir(&vulndata().join("inventories").join(relative));
    assert!(
        !set.packages.is_empty(),
        "{relative}: nothing cataloged: {:?}",
        set.problems
    );
    set
}

fn print(label: &str, outcome: &Outcome, informational: Option<&Outcome>) {
    println!(
        "{label:<34} packages {:>5}  advisories matched {:>4} (distinct {:>4})  packages hit {:>3}{}",
        outcome.packages,
        outcome.advisories(),
        outcome.distinct_advisories(),
        outcome.hits.len(),
        informational.map_or(String::new(), |i| format!(
            "  [+informational: {} advisories, {} packages]",
            i.advisories(),
            i.hits.len()
        )),
    );
    for (package, matches) in &outcome.hits {
        let ids: Vec<String> = matches
            .iter()
            .map(|m| {
                let severity = m
                    .severity
                    .as_ref()
                    .map_or("?".to_owned(), |s| format!("{:?}", s.rating));
                format!("{} ({severity}, fixed {})", m.id, m.fixed.join("|"))
            })
            .collect();
        println!("    {package}: {}", ids.join(", "));
    }
}

/// Checks a row of the MANIFEST's sanity table against the default matching and prints it.
fn floor(
    label: &str,
    relative: &str,
    file: Option<&str>,
    advisories: usize,
    packages: usize,
) -> Outcome {
    let (outcome, _) = floor_of(label, relative, file, advisories, packages, false);
    outcome
}

/// Prints both matchings (default, and with informational notices) and checks the floor
/// against the one named; returns both.
fn floor_of(
    label: &str,
    relative: &str,
    file: Option<&str>,
    advisories: usize,
    packages: usize,
    floor_counts_notices: bool,
) -> (Outcome, Outcome) {
    let set = inventory(relative);
    let outcome = run(&set, file, MatchOptions::default());
    let with_notices = run(
        &set,
        file,
        MatchOptions {
            include_informational: true,
        },
    );
    print(label, &outcome, Some(&with_notices));
    let checked = if floor_counts_notices {
        &with_notices
    } else {
        &outcome
    };
    assert!(
        checked.advisories() >= advisories && checked.hits.len() >= packages,
        "{label}: {} advisories / {} packages, floor {advisories}/{packages}",
        checked.advisories(),
        checked.hits.len()
    );
    (outcome, with_notices)
}

/// The naive matcher of the MANIFEST counted RustSec informational notices
/// (`unmaintained`, `unsound`) as matches; lockgate reports them only on request. So the
/// floor holds with notices included, and the default is pinned to the vulnerabilities.
fn ripgrep(label: &str, relative: &str, floor: (usize, usize), vulnerabilities: (usize, usize)) {
    let (outcome, with_notices) = floor_of(label, relative, None, floor.0, floor.1, true);
    assert_eq!(
        (outcome.advisories(), outcome.hits.len()),
        vulnerabilities,
        "{label}"
    );
    let notices: BTreeSet<_> = with_notices
        .hits
        .values()
        .flatten()
        .filter(|m| m.informational.is_some())
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(
        outcome.advisories() + notices.len(),
        with_notices.advisories(),
        "{label}"
    );
    println!("    informational notices only with the flag: {notices:?}");
}

#[test]
fn netbox_requirements() {
    let outcome = floor(
        "netbox v2.8.0 requirements.txt",
        "pypi/netbox-v2.8.0",
        None,
        31,
        6,
    );
    let pillow = outcome.ids_of("pillow@7.1.1").len() + outcome.ids_of("Pillow@7.1.1").len();
    assert!(pillow >= 26, "Pillow 7.1.1: {pillow}");
    // `Django>=3.0,<3.1` pins no version: exact matching does not guess one.
    assert!(outcome.hits.keys().all(|k| !k.ends_with('@')));
}

#[test]
fn poetry_lock() {
    floor(
        "poetry 1.0.0 poetry.lock",
        "pypi/poetry-1.0.0",
        None,
        21,
        15,
    );
}

#[test]
fn ripgrep_0_10_0() {
    ripgrep(
        "ripgrep 0.10.0 Cargo.lock",
        "cargo/ripgrep-0.10.0",
        (20, 15),
        (8, 6),
    );
}

#[test]
fn ripgrep_11_0_2() {
    ripgrep(
        "ripgrep 11.0.2 Cargo.lock",
        "cargo/ripgrep-11.0.2",
        (10, 9),
        (4, 4),
    );
}

#[test]
fn gh_cli_go_mod() {
    let outcome = floor(
        "gh cli v1.0.0 go.mod",
        "go/cli-v1.0.0",
        Some("go.mod"),
        28,
        3,
    );
    // Beyond the naive floor: the cataloger reports the `go 1.13` directive as `stdlib`
    // 1.13, which golang/vulndb's stdlib records cover (the naive matcher had no stdlib).
    let stdlib = outcome.ids_of("stdlib@1.13").len();
    assert!(stdlib > 100, "stdlib 1.13: {stdlib}");
    let modules: usize = outcome
        .hits
        .iter()
        .filter(|(k, _)| !k.starts_with("stdlib@"))
        .map(|(_, v)| v.len())
        .sum();
    assert!(modules >= 28, "non-stdlib module advisories: {modules}");
}

#[test]
fn axios_follow_redirects_fixed_version_not_matched() {
    let outcome = floor(
        "axios 0.26.0 package-lock.json",
        "npm/axios-v0.26.0",
        None,
        1,
        1,
    );
    // GHSA-74fj-2j2h-c42q: follow-redirects < 1.14.8; 1.14.8 is the fix itself.
    assert!(outcome.ids_of("follow-redirects@1.14.8").is_empty());
    assert!(
        outcome
            .ids_of("minimist@1.2.5")
            .contains("GHSA-xvch-5gv4-984h")
    );
}

#[test]
fn other_inventories_printed() {
    for (label, relative) in [
        ("jquery 2017 package-lock v1", "npm/jquery-2017-09"),
        ("webgoat 8.0.0 pom.xml", "maven/webgoat-v8.0.0"),
        (
            "huginn 2018 Gemfile.lock (no data)",
            "rubygems/huginn-2018-12",
        ),
        ("debian bookworm (no OSV data)", "debian-bookworm-minbase"),
        ("alpine 3.18 (no OSV data)", "alpine-3.18-scalibr-fixture"),
    ] {
        let set = inventory(relative);
        let outcome = run(&set, None, MatchOptions::default());
        print(label, &outcome, None);
        if relative.starts_with("npm/jquery") {
            // MANIFEST: 4 advisories over 6 package versions (lodash x4, minimist x2).
            assert!(outcome.distinct_advisories() >= 4 && outcome.hits.len() >= 6);
        }
    }
}

#[test]
fn database_records_its_sources() {
    let db = database();
    assert_eq!(db.sources().len(), 5);
    assert!(db.record_count() > 8_000, "{}", db.record_count());
    assert!(db.age().as_secs() < 3600);
    let _: &Path = db.path();
}
