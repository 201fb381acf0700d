#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Rego-compatibility conformance over gatekeeper-library's `gator verify` suites
//! (`../shared/corpora/k8s-gatekeeper-library`): every case's constraint runs through
//! an equivalent ConstraintTemplate written for these tests
//! (`tests/gatekeeper/templates/<kind>.yaml`, not copies of upstream), with the case's
//! object as `input.review` (AdmissionReview wrappers unwrapped, their operation,
//! oldObject and userInfo kept), its inventory as `data.inventory`, and the constraint's
//! `match` applied by lockgate. Every assertion (`violations: yes|no|N`, filtered by
//! `message` regex) must hold. Prints the pass rate and every miss.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lockgate_policy::{Inventory, Labels, LoadOptions, Outcome, PolicySet, Review, Verdict};
use lockgate_syntax::{Limits, Node, parse_stream};
use serde_json::Value as Json;

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/k8s-gatekeeper-library");
    assert!(
        dir.join("cases.jsonl").is_file(),
        "the gatekeeper-library corpus is missing at {}",
        dir.display()
    );
    dir
}

fn documents(path: &Path) -> Vec<Node> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let stream = parse_stream(&text, Limits::default());
    assert!(
        stream.error.is_none(),
        "{}: {:?}",
        path.display(),
        stream.error
    );
    stream.documents
}

/// The review of a case object: plain objects are CREATEs; AdmissionReview wrappers give
/// their request's object, operation, oldObject and userInfo.
fn review_of(node: &Node) -> Review {
    if node.get("kind").and_then(Node::as_str) == Some("AdmissionReview") {
        let request = node
            .get("request")
            .expect("AdmissionReview without request");
        let object = request.get("object").expect("request without object");
        let mut review = Review::of(object).expect("object without kind");
        if let Some(operation) = request.get("operation").and_then(Node::scalar_text) {
            review.operation = operation;
        }
        review.old_object = request.get("oldObject").map(lockgate_policy::from_node);
        review.user_info = request.get("userInfo").map(lockgate_policy::from_node);
        return review;
    }
    Review::of(node).expect("object without kind")
}

/// Whether `count` violations satisfy `expected` (`yes`, `no` or a number).
fn holds(expected: &Json, count: usize) -> bool {
    match expected {
        Json::String(s) if s == "yes" => count > 0,
        Json::String(s) if s == "no" => count == 0,
        Json::Number(n) => n.as_u64() == Some(count as u64),
        // gator's default when `violations` is omitted.
        Json::Null => count > 0,
        other => panic!("unknown assertion {other}"),
    }
}

#[test]
fn gatekeeper_library_suites_give_gators_verdicts() {
    let corpus = corpus();
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gatekeeper/templates");
    let cases = std::fs::read_to_string(corpus.join("cases.jsonl")).unwrap();
    let mut sets: HashMap<(String, String), PolicySet> = HashMap::new();
    let mut passed = 0;
    let mut misses = Vec::new();
    let mut total = 0;
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        total += 1;
        let case: Json = serde_json::from_str(line).unwrap();
        let kind = case["template_kind"].as_str().unwrap().to_string();
        let constraint = case["constraint"].as_str().unwrap().to_string();
        let name = format!(
            "{} / {} / {}",
            case["suite"].as_str().unwrap(),
            case["test"],
            case["case"]
        );
        let set = sets
            .entry((kind.clone(), constraint.clone()))
            .or_insert_with(|| {
                let template = templates.join(format!("{}.yaml", kind.to_lowercase()));
                let options = LoadOptions {
                    time_budget: Duration::from_secs(10),
                    ..LoadOptions::default()
                };
                let set = PolicySet::load(
                    &[template, corpus.join(&constraint)],
                    &options,
                    Default::default(),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(set.problems.is_empty(), "{name}: {:?}", set.problems);
                assert_eq!(set.rules().len(), 1, "{name}: one constraint");
                set
            });
        let object = documents(&corpus.join(case["object"].as_str().unwrap()));
        assert_eq!(object.len(), 1, "{name}: one object per case");
        let review = review_of(&object[0]);
        let mut inventory = Inventory::default();
        let mut namespaces: BTreeMap<String, Labels> = BTreeMap::new();
        for file in case["inventory"].as_array().unwrap() {
            for node in documents(&corpus.join(file.as_str().unwrap())) {
                let item = review_of(&node);
                if item.kind == "Namespace" {
                    namespaces.insert(item.name.clone().unwrap_or_default(), item.labels.clone());
                }
                inventory.add(&item);
            }
        }
        let data = inventory.into_value();
        let mut evaluator = set.evaluator(Some(&data));
        let mut verdicts: Vec<Verdict> = Vec::new();
        evaluator.review(&review, &namespaces, &mut verdicts);
        let mut messages = Vec::new();
        let mut errors = Vec::new();
        for verdict in verdicts {
            match verdict.outcome {
                Outcome::Violation { message, .. } => messages.push(message),
                Outcome::Error(error) => errors.push(error.to_string()),
            }
        }
        let mut failed = Vec::new();
        if !errors.is_empty() {
            failed.push(format!("evaluation errors: {errors:?}"));
        }
        for assertion in case["assertions"].as_array().unwrap() {
            let count = match assertion["message"].as_str() {
                Some(pattern) => {
                    let regex = regex::Regex::new(pattern).unwrap();
                    messages.iter().filter(|m| regex.is_match(m)).count()
                }
                None => messages.len(),
            };
            if !holds(&assertion["violations"], count) {
                failed.push(format!(
                    "{assertion} but {count} violation(s): {messages:?}"
                ));
            }
        }
        if failed.is_empty() {
            passed += 1;
        } else {
            misses.push(format!("{name}: {}", failed.join("; ")));
        }
    }
    println!(
        "gatekeeper-library Rego compatibility: {passed}/{total} cases ({:.1} %)",
        100.0 * passed as f64 / total as f64
    );
    for miss in &misses {
        println!("  miss: {miss}");
    }
    assert_eq!(total, 270, "the corpus has 270 cases");
    assert!(misses.is_empty(), "{} miss(es), listed above", misses.len());
}
