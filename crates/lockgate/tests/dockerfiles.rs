//! End-to-end tests of Dockerfile checks through the `lockgate` binary: which files are
//! Dockerfiles, findings with their positions, parse problems as findings, the scanner
//! selection, and the rules in `lockgate rules` / `explain`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;

mod support;

use support::{json, lockgate, scratch, stdout};

/// (rule, line, column) of every finding, sorted.
fn findings(report: &Value) -> Vec<(String, u64, u64)> {
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let location = &f["location"];
            (
                f["rule_id"].as_str().unwrap().to_string(),
                location["line"].as_u64().unwrap_or(0),
                location["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn dockerfiles_by_name_are_checked_with_positions() {
    let dir = scratch("names");
    std::fs::create_dir_all(dir.join("svc")).unwrap();
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM debian:latest\nADD app.py /srv/\nEXPOSE 8080 22/tcp\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("svc/api.Dockerfile"),
        "# escape=`\nFROM golang:1.22 AS build\nRUN go build `\n  -o /app .\nFROM build\nUSER 10001\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Containerfile.prod"),
        "FROM alpine:3.19\nUSER root\n",
    )
    .unwrap();
    // Not Dockerfiles: a docs page and a directory name.
    std::fs::write(dir.join("Dockerfile.md"), "").unwrap();
    std::fs::write(dir.join("notes.txt"), "FROM debian:latest\n").unwrap();
    let output = lockgate(
        &dir,
        &["scan", "--scanners", "dockerfiles", ".", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = json(&output);
    let paths: std::collections::BTreeSet<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["location"]["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        ["Containerfile.prod", "Dockerfile"],
        "svc/api.Dockerfile is clean; Dockerfile.md and notes.txt are not Dockerfiles"
    );
    let dockerfile: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["path"] == "Dockerfile")
        .cloned()
        .collect();
    let found = findings(&serde_json::json!({ "findings": dockerfile }));
    assert_eq!(
        found,
        [
            ("DOCKER-001".to_string(), 1, 6),
            ("DOCKER-002".to_string(), 1, 1),
            ("DOCKER-003".to_string(), 3, 13),
            ("DOCKER-004".to_string(), 2, 1),
        ]
    );
}

#[test]
fn parse_problems_are_findings_and_scanners_select_dockerfiles() {
    let dir = scratch("problems");
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM debian:12\nFROBNICATE now\nUSER 10001\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: nginx, securityContext: {privileged: true}}\n",
    )
    .unwrap();
    let only_docker = json(&lockgate(
        &dir,
        &["scan", "--scanners", "dockerfiles", ".", "-f", "json"],
    ));
    let rules: Vec<String> = findings(&only_docker).into_iter().map(|f| f.0).collect();
    assert_eq!(
        rules,
        ["LG-001"],
        "the unknown instruction, nothing from pod.yaml"
    );
    let only_manifests = json(&lockgate(
        &dir,
        &["scan", "--scanners", "manifests", ".", "-f", "json"],
    ));
    assert!(
        findings(&only_manifests)
            .iter()
            .all(|f| f.0.starts_with("KUBE-")),
        "no Dockerfile findings when only manifests are scanned"
    );
}

#[test]
fn dockerfile_rules_are_listed_and_explained() {
    let dir = scratch("explain");
    let listed = stdout(&lockgate(&dir, &["rules"]));
    assert!(listed.contains("DOCKER-002"), "{listed}");
    let explained = lockgate(&dir, &["explain", "root-user"]);
    assert_eq!(explained.status.code(), Some(0));
    assert!(
        stdout(&explained).contains("## Why it matters")
            || stdout(&explained).contains("Why it matters")
    );
}
