//! Conformance of the version orderings with the upstream fixtures: osv-scanner's
//! `version-comparison/` corpus (`../shared/corpora/sbom-osv-scanner`) and osv-scalibr's
//! `semantic/testdata` (`../shared/vulndata/osv-scalibr-version-fixtures`). Each line is
//! `a <op> b` with op `<`, `=` or `>`; `//` and `#` start comments.
//!
//! Each line is checked both ways (`a op b` and `b op' a`). The pass rate of every file
//! is printed with its first misses; a file below 100 % fails the test unless each of
//! its misses is listed in [`KNOWN_MISSES`] with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::path::Path;

use lockgate_vuln::{Version, VersionScheme};

const OSV_SCANNER: &str = "../../../shared/corpora/sbom-osv-scanner/version-comparison";
const OSV_SCALIBR: &str = "../../../shared/vulndata/osv-scalibr-version-fixtures/semantic/testdata";

/// Misses we accept, as (file name, line text, reason). Each one is a line that no
/// total order can satisfy together with the rest of its file: `Version` implements
/// `Ord`, and a comparator that is not a total order makes `sort` panic on hostile input.
const KNOWN_MISSES: &[(&str, &str, &str)] = &[
    (
        "alpine-versions.txt",
        "1-ruff2 = 1--ruff1",
        "OSV ignores any leftover text, whether after a build number (`1-ruff2`) or \
         instead of one (`1--ruff1`), yet orders two versions without a build number as \
         text (`0..8 > 0...8`); with `1-ruff2` equal to both `1--ruff1` and `1--ruff2` \
         that is not transitive. lockgate ranks a version without a build number lower, \
         as apk 3.x does (the file notes that current apk says `<`, apk 3.x `>`).",
    ),
    (
        "packagist-versions.txt",
        "1.2.3.# = 1.2.3.1",
        "`#` is PHP version_compare's internal placeholder for any number, equal both to \
         nothing (`1.2.3.# = 1.2.3`) and to every number (`1.2.3.# = 1.2.3.1`), although \
         `1.2.3 < 1.2.3.1`. lockgate drops `#` parts, which keeps the other `#` lines; \
         Composer rejects `#` in versions, so no real package has one.",
    ),
];

/// How many misses of one file to print.
const SHOWN_MISSES: usize = 20;

/// The ordering scheme of a fixture file, from its name (`debian-versions.txt`).
fn scheme_of(file: &str) -> Option<VersionScheme> {
    let ecosystem = file.split('-').next()?;
    Some(match ecosystem {
        "alpine" => VersionScheme::Alpine,
        "cran" => VersionScheme::Cran,
        "debian" => VersionScheme::Debian,
        "hackage" => VersionScheme::Hackage,
        "maven" => VersionScheme::Maven,
        "nuget" => VersionScheme::NuGet,
        "packagist" => VersionScheme::Packagist,
        "pub" => VersionScheme::Pub,
        "pypi" => VersionScheme::Pep440,
        "redhat" => VersionScheme::Rpm,
        "rubygems" => VersionScheme::RubyGems,
        "semver" => VersionScheme::SemVer,
        _ => return None,
    })
}

struct FileResult {
    name: String,
    total: usize,
    misses: Vec<String>,
    unexplained: usize,
}

fn check_file(dir: &str, path: &Path, scheme: VersionScheme) -> FileResult {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut result = FileResult {
        name: format!("{dir}/{name}"),
        total: 0,
        misses: Vec::new(),
        unexplained: 0,
    };
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let [a, op, b] = parts[..] else {
            panic!("{name}:{}: not `a <op> b`: {line:?}", number + 1);
        };
        let want = match op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            ">" => Ordering::Greater,
            _ => panic!("{name}:{}: unknown operator {op:?}", number + 1),
        };
        result.total += 1;
        let (va, vb) = (
            Version::parse_scheme(scheme, a),
            Version::parse_scheme(scheme, b),
        );
        let forward = va.cmp(&vb);
        let backward = vb.cmp(&va);
        if forward != want || backward != want.reverse() {
            let explained = KNOWN_MISSES
                .iter()
                .any(|(file, known, _)| *file == name && *known == line);
            if !explained {
                result.unexplained += 1;
            }
            result.misses.push(format!(
                "{name}:{}: `{line}`: got a {forward:?} b, b {backward:?} a{}",
                number + 1,
                if explained { " (known)" } else { "" }
            ));
        }
    }
    result
}

fn check_dir(dir: &str) -> Vec<FileResult> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut paths: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    let short = if dir.contains("scalibr") {
        "osv-scalibr"
    } else {
        "osv-scanner"
    };
    paths
        .iter()
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?;
            match scheme_of(name) {
                Some(scheme) => Some(check_file(short, path, scheme)),
                None => {
                    println!("{short}/{name}: no ordering for this ecosystem, skipped");
                    None
                }
            }
        })
        .collect()
}

fn report(results: &[FileResult]) -> String {
    let mut out = String::new();
    for r in results {
        let passed = r.total - r.misses.len();
        let rate = if r.total == 0 {
            100.0
        } else {
            100.0 * passed as f64 / r.total as f64
        };
        writeln!(
            out,
            "{:<50} {passed:>6}/{:<6} {rate:>7.3} %",
            r.name, r.total
        )
        .unwrap();
        for miss in r.misses.iter().take(SHOWN_MISSES) {
            writeln!(out, "    {miss}").unwrap();
        }
        if r.misses.len() > SHOWN_MISSES {
            writeln!(
                out,
                "    ... and {} more misses",
                r.misses.len() - SHOWN_MISSES
            )
            .unwrap();
        }
    }
    out
}

fn assert_conformance(dir: &str) {
    let results = check_dir(dir);
    let text = report(&results);
    println!("{text}");
    let unexplained: usize = results.iter().map(|r| r.unexplained).sum();
    assert!(!results.is_empty(), "no fixture files in {dir}");
    assert_eq!(
        unexplained, 0,
        "unexplained version-ordering misses:\n{text}"
    );
}

#[test]
fn osv_scanner_version_comparison_corpus() {
    assert_conformance(OSV_SCANNER);
}

#[test]
fn osv_scalibr_semantic_fixtures() {
    assert_conformance(OSV_SCALIBR);
}

#[test]
fn known_misses_are_not_stale() {
    for (file, line, reason) in KNOWN_MISSES {
        assert!(!reason.is_empty(), "{file}: `{line}` needs a reason");
        let scheme = scheme_of(file).unwrap();
        let [a, op, b] = line.split(' ').collect::<Vec<_>>()[..] else {
            panic!("{file}: malformed known miss `{line}`");
        };
        let want = match op {
            "<" => Ordering::Less,
            "=" => Ordering::Equal,
            _ => Ordering::Greater,
        };
        let got = Version::parse_scheme(scheme, a).cmp(&Version::parse_scheme(scheme, b));
        assert_ne!(
            got, want,
            "{file}: `{line}` passes now: remove it from KNOWN_MISSES"
        );
    }
}
