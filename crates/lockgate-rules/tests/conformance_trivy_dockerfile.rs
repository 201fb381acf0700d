//! Conformance over trivy's Dockerfile check examples
//! (`../shared/corpora/dockerfile/trivy-checks`): for each upstream check that is the same
//! check as a lockgate Dockerfile rule, a `bad` example must make the rule fire and a
//! `good` one must not. Prints the pass rate, every miss, and the upstream checks no
//! lockgate rule maps yet. Misses must be explained in
//! `docs/conformance-known-differences.md` under `docker:<check>/<file>`; the test fails
//! on an unexplained miss, a stale entry, or a pass rate under 95 %.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use lockgate_rules::{Context, Settings, Sink, docker_rules};
use serde_json::Value;

/// Upstream check → lockgate rule.
const MAPPING: &[(&str, &str)] = &[
    ("DS-0001", "DOCKER-001"),
    ("DS-0002", "DOCKER-002"),
    ("DS-0004", "DOCKER-003"),
    ("DS-0005", "DOCKER-004"),
    ("DS-0006", "DOCKER-005"),
    ("DS-0007", "DOCKER-008"),
    ("DS-0008", "DOCKER-006"),
    ("DS-0009", "DOCKER-007"),
    ("DS-0010", "DOCKER-009"),
    ("DS-0011", "DOCKER-015"),
    ("DS-0013", "DOCKER-013"),
    ("DS-0015", "DOCKER-019"),
    ("DS-0016", "DOCKER-008"),
    ("DS-0017", "DOCKER-011"),
    ("DS-0019", "DOCKER-019"),
    ("DS-0020", "DOCKER-019"),
    ("DS-0021", "DOCKER-010"),
    ("DS-0022", "DOCKER-012"),
    ("DS-0023", "DOCKER-008"),
    ("DS-0024", "DOCKER-014"),
];

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/dockerfile/trivy-checks")
}

fn known_differences() -> BTreeSet<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/conformance-known-differences.md");
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("- `"))
        .filter_map(|rest| rest.split('`').next())
        .filter(|key| key.starts_with("docker:"))
        .map(str::to_string)
        .collect()
}

#[test]
fn trivy_dockerfile_checks() {
    let mapping: BTreeMap<&str, &str> = MAPPING.iter().copied().collect();
    let settings = Settings::default();
    let context = Context {
        settings: &settings,
        dockerignore: None,
    };
    let text = std::fs::read_to_string(corpus().join("cases.jsonl")).unwrap();
    let (mut cases, mut passed) = (0, 0);
    let mut misses = BTreeSet::new();
    let mut unmapped: BTreeMap<String, usize> = BTreeMap::new();
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let check = case["check_id"].as_str().unwrap();
        let file = case["file"].as_str().unwrap();
        let Some(rule_id) = mapping.get(check) else {
            *unmapped
                .entry(format!(
                    "{check} ({})",
                    case["title"].as_str().unwrap_or("")
                ))
                .or_default() += 1;
            continue;
        };
        let rule = docker_rules()
            .iter()
            .find(|r| r.meta.id == *rule_id)
            .unwrap_or_else(|| panic!("mapped rule {rule_id} does not exist"));
        let source = std::fs::read_to_string(corpus().join(file)).unwrap();
        let dockerfile = lockgate_syntax::dockerfile::parse(&source);
        let mut sink = Sink::new();
        (rule.check)(&context, &dockerfile, &mut sink);
        let fired = !sink.hits().is_empty();
        let expected = case["expected"] == "fail";
        cases += 1;
        if fired == expected {
            passed += 1;
        } else {
            misses.insert(format!("docker:{file}"));
            println!(
                "  miss {file} ({check} → {rule_id}): expected {}, lockgate {}",
                if expected { "a finding" } else { "none" },
                if fired { "fired" } else { "stayed quiet" }
            );
        }
    }
    let rate = passed as f64 * 100.0 / cases.max(1) as f64;
    println!(
        "trivy Dockerfile checks: {passed}/{cases} mapped cases pass = {rate:.1} % (target 95 %)"
    );
    println!(
        "  upstream checks not mapped to a lockgate rule yet ({} cases): {:?}",
        unmapped.values().sum::<usize>(),
        unmapped.keys().collect::<Vec<_>>()
    );
    let known = known_differences();
    let unexplained: Vec<_> = misses.difference(&known).collect();
    let stale: Vec<_> = known.difference(&misses).collect();
    assert!(
        unexplained.is_empty(),
        "unexplained misses: {unexplained:?}"
    );
    assert!(
        stale.is_empty(),
        "stale entries in docs/conformance-known-differences.md: {stale:?}"
    );
    assert!(rate >= 95.0, "pass rate {rate:.1} % under 95 %");
}
