//! Checks catalog files while they are being written, without rebuilding: loads the TOML
//! files named on the command line, runs their fixtures, and runs the gitleaks
//! conformance cases of the upstream IDs they map (plus any given with `--also ID,ID`).
//!
//! `cargo run --release -p lockgate-secrets --example check_rules -- rules/cloud.toml`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use lockgate_secrets::{Catalog, ScanSettings, Scanner, parse_rules};

const CASES: &str = "/work/shared/corpora/secrets-gitleaks/cases.jsonl";

fn main() {
    let mut files = Vec::new();
    let mut also = BTreeSet::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--also" {
            also.extend(
                args.next()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::to_string),
            );
        } else {
            files.push(arg);
        }
    }
    let mut specs = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        match parse_rules(file, &text) {
            Ok(rules) => specs.extend(rules),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
        }
    }
    let catalog = match Catalog::compile(specs, "files") {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let scanner = Scanner::new(&[&catalog], &ScanSettings::default()).unwrap();
    let mut failures = 0;
    for rule in &catalog.rules {
        let id = rule.id();
        for (i, tp) in rule.spec.tp.iter().enumerate() {
            if !scanner
                .scan(Some(tp.path()), tp.text().as_bytes())
                .iter()
                .any(|h| h.rule.id() == id)
            {
                println!("FIXTURE {id} tp #{i} not detected");
                failures += 1;
            }
        }
        for (i, fp) in rule.spec.fp.iter().enumerate() {
            if scanner
                .scan(Some(fp.path()), fp.text().as_bytes())
                .iter()
                .any(|h| h.rule.id() == id)
            {
                println!("FIXTURE {id} fp #{i} detected");
                failures += 1;
            }
        }
        for p in &rule.spec.tp_paths {
            if !scanner.scan_path(p).iter().any(|h| h.rule.id() == id) {
                println!("FIXTURE {id} tp path {p} not detected");
                failures += 1;
            }
        }
        for p in &rule.spec.fp_paths {
            if scanner.scan_path(p).iter().any(|h| h.rule.id() == id) {
                println!("FIXTURE {id} fp path {p} detected");
                failures += 1;
            }
        }
    }
    let mut providers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for rule in &catalog.rules {
        for g in &rule.spec.gitleaks {
            providers
                .entry(g.clone())
                .or_default()
                .insert(rule.provider().to_string());
        }
    }
    let wanted: BTreeSet<String> = providers.keys().cloned().chain(also).collect();
    let cases = std::fs::read_to_string(CASES).unwrap();
    let mut stats: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    for (n, line) in cases.lines().enumerate() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let upstream = case["rule_id"].as_str().unwrap().to_string();
        if !wanted.contains(&upstream) {
            continue;
        }
        let text = case["text"].as_str().unwrap();
        let path = case["path"].as_str();
        let mut hits = scanner.scan(path.or(Some("case.txt")), text.as_bytes());
        if let Some(p) = path {
            hits.extend(scanner.scan_path(p));
        }
        let entry = stats.entry(upstream.clone()).or_default();
        if case["expected"] == "detect" {
            entry[0] += 1;
            if hits.is_empty() {
                println!("MISS {upstream} line {}: not detected", n + 1);
            } else {
                entry[1] += 1;
            }
        } else {
            entry[2] += 1;
            let own = providers.get(&upstream).cloned().unwrap_or_default();
            let firing: Vec<_> = hits
                .iter()
                .filter(|h| own.contains(h.rule.provider()))
                .map(|h| h.rule.id())
                .collect();
            if !firing.is_empty() {
                entry[3] += 1;
                println!("FP   {upstream} line {}: fired {firing:?}", n + 1);
            }
        }
    }
    let (mut d, mut dd, mut nd, mut fp) = (0, 0, 0, 0);
    for (upstream, [a, b, c, e]) in &stats {
        println!("{upstream:45} detect {b}/{a}  false-positive {e}/{c}");
        d += a;
        dd += b;
        nd += c;
        fp += e;
    }
    println!(
        "{} rules; fixture failures {failures}; recall {dd}/{d}; false positives {fp}/{nd}",
        catalog.rules.len()
    );
}
