//! Exact OSV matching against osv.dev's own answers: the 971 (ecosystem, name, version)
//! queries in `sbom-osv-scanner/osv_api_expected_matches.jsonl` with the golang/vulndb
//! records shipped beside them. Every Go query must give exactly the `GO-` IDs osv.dev
//! returned (osv.dev also returns the GHSA records that alias them; those are not
//! shipped, so they are checked against the aliases and reported, not asserted).
//! Queries of other ecosystems have no records here and are counted, not skipped silently.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness: a failure should panic

use std::collections::BTreeSet;
use std::path::PathBuf;

use lockgate_vuln::{Database, MatchOptions, Query, match_packages};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/sbom-osv-scanner")
}

#[test]
fn go_queries_match_osv_dev_exactly() {
    let dir = corpus();
    let db_path = std::env::temp_dir().join(format!("lockgate-go-conf-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db_path);
    let report = Database::import(&db_path, &[dir.join("osv-records-go")]).unwrap();
    assert_eq!(report.total_records, 222, "all shipped records imported");
    let db = Database::open(&db_path).unwrap();

    let text = std::fs::read_to_string(dir.join("osv_api_expected_matches.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut go = Vec::new();
    let mut no_records = 0;
    let mut commit_queries = 0;
    for row in &rows {
        match row["ecosystem"].as_str() {
            Some("Go") => go.push(row),
            Some(_) => no_records += 1,
            None => commit_queries += 1,
        }
    }
    let queries: Vec<Query> = go
        .iter()
        .map(|r| Query {
            ecosystem: "Go",
            name: r["name"].as_str().unwrap(),
            version: r["version"].as_str().unwrap(),
        })
        .collect();
    let results = match_packages(&db, &queries, MatchOptions::default()).unwrap();

    let mut misses = Vec::new();
    let mut ghsa_expected = 0;
    let mut ghsa_in_aliases = 0;
    for ((row, query), matches) in go.iter().zip(&queries).zip(&results) {
        let expected_all: BTreeSet<&str> = row["expected_vuln_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let expected: BTreeSet<&str> = expected_all
            .iter()
            .copied()
            .filter(|id| id.starts_with("GO-"))
            .collect();
        let got: BTreeSet<&str> = matches.iter().map(|m| m.id.as_str()).collect();
        let aliases: BTreeSet<&str> = matches
            .iter()
            .flat_map(|m| m.aliases.iter().map(String::as_str))
            .collect();
        for id in expected_all.iter().filter(|id| id.starts_with("GHSA-")) {
            ghsa_expected += 1;
            ghsa_in_aliases += usize::from(aliases.contains(id));
        }
        if got != expected {
            misses.push(format!(
                "{}@{}: missing {:?}, extra {:?}",
                query.name,
                query.version,
                expected.difference(&got).collect::<Vec<_>>(),
                got.difference(&expected).collect::<Vec<_>>()
            ));
        }
    }
    let passed = go.len() - misses.len();
    println!(
        "OSV Go conformance: {passed}/{} queries with identical GO- ID sets ({:.1} %)",
        go.len(),
        100.0 * passed as f64 / go.len() as f64
    );
    println!(
        "  GHSA IDs osv.dev returned that are aliases of our matches: {ghsa_in_aliases}/{ghsa_expected}"
    );
    println!("  no records available (other ecosystems, not shipped): {no_records} queries");
    println!("  commit queries (GIT, not version matching): {commit_queries}");
    for miss in &misses {
        println!("  MISS {miss}");
    }
    let _ = std::fs::remove_file(&db_path);
    assert_eq!(go.len(), 18);
    assert!(misses.is_empty(), "{} misses", misses.len());
}
