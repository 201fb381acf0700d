//! The built-in catalog: well-formed, and every rule finds its true-positive fixtures and
//! stays quiet on its false-positive ones.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use lockgate_secrets::{ScanSettings, Scanner, builtin_catalog};

fn scanner() -> Scanner {
    Scanner::new(&[builtin_catalog().unwrap()], &ScanSettings::default()).unwrap()
}

#[test]
fn catalog_is_well_formed() {
    let catalog = builtin_catalog().unwrap();
    let mut names = HashSet::new();
    for rule in &catalog.rules {
        let id = rule.id();
        assert!(
            id.len() == 7 && id.starts_with("SEC-") && id[4..].bytes().all(|b| b.is_ascii_digit()),
            "{id}: built-in IDs are SEC-NNN"
        );
        let name = &rule.spec.name;
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{id}: name `{name}` is not kebab-case"
        );
        assert!(names.insert(name.clone()), "{id}: duplicate name `{name}`");
        assert!(
            rule.provider()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{id}: provider is lowercase kebab-case"
        );
        assert!(!rule.spec.description.is_empty(), "{id}: description");
        if let Err(error) = rule.validate() {
            panic!("{id}: {error}");
        }
        assert!(
            !rule.spec.tp.is_empty() || !rule.spec.tp_paths.is_empty(),
            "{id}: needs a true-positive fixture"
        );
        assert!(
            !rule.spec.fp.is_empty() || !rule.spec.fp_paths.is_empty(),
            "{id}: needs a false-positive fixture"
        );
    }
}

#[test]
fn every_rule_passes_its_fixtures() {
    let scanner = scanner();
    let catalog = builtin_catalog().unwrap();
    let mut failures = Vec::new();
    for rule in &catalog.rules {
        let id = rule.id();
        for (index, text) in rule.spec.tp.iter().enumerate() {
            let hits = scanner.scan(Some(text.path()), text.text().as_bytes());
            if !hits.iter().any(|h| h.rule.id() == id) {
                let others: Vec<_> = hits.iter().map(|h| h.rule.id()).collect();
                failures.push(format!(
                    "{id}: tp #{index} not detected (other rules: {others:?})"
                ));
            }
        }
        for (index, text) in rule.spec.fp.iter().enumerate() {
            let hits = scanner.scan(Some(text.path()), text.text().as_bytes());
            if hits.iter().any(|h| h.rule.id() == id) {
                failures.push(format!("{id}: fp #{index} detected"));
            }
        }
        for path in &rule.spec.tp_paths {
            if !scanner.scan_path(path).iter().any(|h| h.rule.id() == id) {
                failures.push(format!("{id}: tp path `{path}` not detected"));
            }
        }
        for path in &rule.spec.fp_paths {
            if scanner.scan_path(path).iter().any(|h| h.rule.id() == id) {
                failures.push(format!("{id}: fp path `{path}` detected"));
            }
        }
    }
    println!(
        "{} rules checked against their fixtures",
        catalog.rules.len()
    );
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
}
