//! Conformance over osv-scanner's lockfile parsing suite
//! (`../shared/corpora/sbom-osv-scanner/lockfile_cases.jsonl`, see its MANIFEST.md).
//!
//! Each case names an osv-scanner parser, a fixture, and either the packages expected
//! (order not significant) or an expected error. A case passes when our packages equal
//! the expected ones as a multiset of (name, version, ecosystem, commit, groups), or,
//! for an expected error, when we report a problem of the same kind: `fs.ErrNotExist`
//! must be a read error with `NotFound`; "could not extract from" (osv-scanner's generic
//! wrapper) is any parse problem; any other expected text must appear in our message.
//!
//! Parsers for formats this crate does not implement are counted as "not implemented"
//! and printed, never silently skipped. The test fails when an implemented parser falls
//! under 95 % and a miss is not listed in [`DOCUMENTED_MISSES`] with its reason, and
//! when a listed miss passes (so the list never goes stale).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use lockgate_sbom::{CatalogError, Cataloger, FileSource, LocalFiles, Package};
use serde_json::Value;

const TARGET_RATE: f64 = 0.95;

/// Cases we deliberately answer differently from osv-scanner, with the reason.
/// Fixture path and osv-scanner parser name identify the case.
const DOCUMENTED_MISSES: &[(&str, &str, &str)] = &[
    (
        "pip/file-format-example.txt",
        "ParseRequirementsTxt",
        "`keyring >= 4.1.1` and `Mopidy-Dirble ~= 1.1` are ranges, not installed versions: \
         osv-scanner reports the lower bound, we report no version (exact matching only)",
    ),
    (
        "pip/with-per-requirement-options.txt",
        "ParseRequirementsTxt",
        "`BarProject >= 1.2` is a range: osv-scanner reports 1.2, we report no version",
    ),
    (
        "maven/interpolation.xml",
        "ParseMavenLock",
        "`[9.4.35.v20201120,9.5)` is a version range: osv-scanner reports its lower bound, \
         we report no version (exact matching only; a hard pin `[x]` is kept)",
    ),
    (
        "pnpm/one-package-dev.v9.yaml",
        "ParsePnpmLock",
        "osv-scanner's v9 parser computes no groups; acorn is only under the importer's \
         devDependencies, so we report it in the `dev` group (the fixture's own intent)",
    ),
    (
        "pnpm/mixed-groups.v9.yaml",
        "ParsePnpmLock",
        "osv-scanner's v9 parser computes no groups; we report is-number (devDependencies \
         only) as `dev` and uuid (snapshot `optional: true`) as `optional`",
    ),
    (
        "pipenv/no-version.json",
        "ParsePipenvLock",
        "editable git packages have no version but a pinned `ref`: osv-scanner drops them, \
         we report them with their commit (an SBOM must list them; OSV GIT ranges match them)",
    ),
];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/sbom-osv-scanner")
}

fn cataloger_for(parser: &str) -> Option<Cataloger> {
    Some(match parser {
        "ParseCargoLock" => Cataloger::CargoLock,
        "ParseNpmLock" => Cataloger::NpmLock,
        "ParseYarnLock" => Cataloger::YarnLock,
        "ParsePnpmLock" => Cataloger::PnpmLock,
        "ParseRequirementsTxt" => Cataloger::RequirementsTxt,
        "ParsePoetryLock" => Cataloger::PoetryLock,
        "ParsePipenvLock" => Cataloger::PipfileLock,
        "ParseGoLock" => Cataloger::GoMod,
        "ParseGemfileLock" => Cataloger::GemfileLock,
        "ParseComposerLock" => Cataloger::ComposerLock,
        "ParseGradleLock" => Cataloger::GradleLockfile,
        "ParseNuGetLock" => Cataloger::NugetLock,
        "ParseMavenLock" => Cataloger::MavenPom,
        "ParseDpkgStatus" => Cataloger::DpkgStatus,
        "ParseApkInstalled" => Cataloger::ApkInstalled,
        _ => return None,
    })
}

/// (name, version, ecosystem, commit, sorted groups): what a case compares.
type Key = (String, String, String, String, Vec<String>);

///
/// osv-scanner's dpkg parser reports the *source* package (name and version) in place of
/// the binary package; we report the binary package with its source attached, so dpkg
/// packages are compared through their source here.
fn key_of(package: &Package) -> Key {
    let mut groups = package.groups.clone();
    groups.sort();
    let (name, version) = match (&package.source, package.ecosystem) {
        (Some(source), lockgate_sbom::Ecosystem::Debian) => (
            source.name.clone(),
            source
                .version
                .clone()
                .unwrap_or_else(|| package.version.clone()),
        ),
        _ => (package.name.clone(), package.version.clone()),
    };
    (
        name,
        version,
        package.ecosystem.osv_name().to_string(),
        package.commit.clone().unwrap_or_default(),
        groups,
    )
}

/// osv-scanner reports an unpinned requirement as version `0.0.0` (we leave the version
/// empty), puts the requirements file's stem in `depGroups` (we record the file in
/// `found_at`), and reports a package named in several files once with every stem.
fn as_osv_requirements(packages: &[Package]) -> Vec<Key> {
    let mut merged: Vec<Key> = Vec::new();
    for package in packages {
        let stem = Path::new(package.found_at.path.as_ref())
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut key = key_of(package);
        if key.1.is_empty() {
            key.1 = "0.0.0".to_string();
        }
        match merged.iter_mut().find(|k| k.0 == key.0 && k.1 == key.1) {
            Some(existing) => {
                existing.4.push(stem);
                existing.4.sort();
                existing.4.dedup();
            }
            None => {
                key.4 = vec![stem];
                merged.push(key);
            }
        }
    }
    merged
}

fn expected_key(value: &Value) -> Key {
    let text = |k: &str| value[k].as_str().unwrap_or_default().to_string();
    let mut groups: Vec<String> = value["depGroups"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|g| g.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    groups.sort();
    (
        text("name"),
        text("version"),
        text("ecosystem"),
        text("commit"),
        groups,
    )
}

fn sorted(mut keys: Vec<Key>) -> Vec<Key> {
    keys.sort();
    keys
}

/// Why a case failed, or `None` when it passed.
fn run_case(case: &Value, cataloger: Cataloger) -> Option<String> {
    let path = corpus_dir().join(case["fixture"].as_str().unwrap_or_default());
    let result = match LocalFiles.read(&path) {
        Ok(bytes) => cataloger.catalog(&path, &bytes, &LocalFiles),
        Err(source) => {
            let mut set = lockgate_sbom::PackageSet::default();
            set.problems.push(CatalogError::Read {
                path: path.to_string_lossy().as_ref().into(),
                source,
            });
            set
        }
    };
    let expected_error = &case["expected_error"];
    if !expected_error.is_null() {
        if result.problems.is_empty() {
            return Some(format!(
                "expected error {expected_error}, got {} packages and no problem",
                result.packages.len()
            ));
        }
        let matched = result.problems.iter().any(|problem| {
            if expected_error["is"].as_str() == Some("fs.ErrNotExist") {
                matches!(problem, CatalogError::Read { source, .. } if source.kind() == io::ErrorKind::NotFound)
            } else {
                let wanted = expected_error["containing"].as_str().unwrap_or_default();
                matches!(problem, CatalogError::Parse { .. })
                    && (wanted.starts_with("could not extract from")
                        || problem.to_string().contains(wanted))
            }
        });
        return (!matched).then(|| {
            format!(
                "expected error {expected_error}, got {:?}",
                result
                    .problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            )
        });
    }
    if let Some(problem) = result.problems.first() {
        return Some(format!("unexpected problem: {problem}"));
    }
    let mut got: Vec<Key> = result.packages.iter().map(key_of).collect();
    if case["parser"] == "ParseRequirementsTxt" {
        got = as_osv_requirements(&result.packages);
    }
    // Some upstream cases (apk) leave the ecosystem out of their expectations.
    let ecosystem_stated = case["expected_packages"]
        .as_array()
        .is_none_or(|a| a.iter().all(|p| p.get("ecosystem").is_some()));
    if !ecosystem_stated {
        got.iter_mut().for_each(|k| k.2.clear());
    }
    let got = sorted(got);
    let want = sorted(
        case["expected_packages"]
            .as_array()
            .map(|a| a.iter().map(expected_key).collect())
            .unwrap_or_default(),
    );
    if got == want {
        return None;
    }
    let missing: Vec<_> = want.iter().filter(|k| !got.contains(k)).collect();
    let extra: Vec<_> = got.iter().filter(|k| !want.contains(k)).collect();
    Some(format!(
        "packages differ ({} expected, {} got); missing {missing:?}; extra {extra:?}",
        want.len(),
        got.len()
    ))
}

#[derive(Default)]
struct Tally {
    passed: usize,
    total: usize,
    misses: Vec<(String, String, String)>,
}

#[test]
fn lockfile_cases_meet_the_target_rate() {
    let cases_path = corpus_dir().join("lockfile_cases.jsonl");
    let Ok(text) = std::fs::read_to_string(&cases_path) else {
        panic!("conformance corpus missing at {}", cases_path.display());
    };
    let mut by_parser: BTreeMap<String, Tally> = BTreeMap::new();
    let mut not_implemented: BTreeMap<String, usize> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).expect("case line is JSON");
        let parser = case["parser"].as_str().unwrap_or_default().to_string();
        let Some(cataloger) = cataloger_for(&parser) else {
            *not_implemented.entry(parser).or_default() += 1;
            continue;
        };
        let tally = by_parser.entry(parser.clone()).or_default();
        tally.total += 1;
        match run_case(&case, cataloger) {
            None => tally.passed += 1,
            Some(why) => tally.misses.push((
                case["fixture"].as_str().unwrap_or_default().to_string(),
                case["func"].as_str().unwrap_or_default().to_string(),
                why,
            )),
        }
    }

    let mut failures = Vec::new();
    let (mut passed, mut total) = (0, 0);
    println!("lockfile conformance (osv-scanner cases):");
    for (parser, tally) in &by_parser {
        passed += tally.passed;
        total += tally.total;
        let rate = tally.passed as f64 / tally.total as f64;
        println!(
            "  {parser:<28} {:>3}/{:<3} {:>6.1} %",
            tally.passed,
            tally.total,
            rate * 100.0
        );
        for (fixture, func, why) in tally.misses.iter().take(20) {
            let documented = DOCUMENTED_MISSES
                .iter()
                .find(|(f, p, _)| fixture.ends_with(f) && p == parser);
            match documented {
                Some((_, _, reason)) => {
                    println!("    miss (documented: {reason}) {func} {fixture}")
                }
                None => println!("    MISS {func} {fixture}: {why}"),
            }
            if rate < TARGET_RATE && documented.is_none() {
                failures.push(format!("{parser}: undocumented miss {func} {fixture}"));
            }
        }
        if rate < TARGET_RATE && tally.misses.len() > 20 {
            failures.push(format!("{parser}: {} misses", tally.misses.len()));
        }
    }
    for (fixture, parser, _) in DOCUMENTED_MISSES {
        let still_missing = by_parser
            .get(*parser)
            .is_some_and(|t| t.misses.iter().any(|(f, _, _)| f.ends_with(fixture)));
        if !still_missing {
            failures.push(format!(
                "documented miss {parser} {fixture} now passes: remove it"
            ));
        }
    }
    println!(
        "  overall (implemented)        {passed:>3}/{total:<3} {:>6.1} %",
        passed as f64 / total.max(1) as f64 * 100.0
    );
    let skipped: usize = not_implemented.values().sum();
    println!("  not implemented: {skipped} cases");
    for (parser, count) in &not_implemented {
        println!("    {parser:<28} {count} cases (format not implemented)");
    }
    assert!(
        failures.is_empty(),
        "conformance failures:\n{}",
        failures.join("\n")
    );
}
