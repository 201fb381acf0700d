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
        "# escape=`\nFROM golang:1.22 AS build\nRUN go build `\n  -o /app .\nFROM gcr.io/distroless/static-debian12:nonroot AS runtime\nFROM runtime\nCOPY --from=build /app /app\nUSER 10001\n",
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
            ("DOCKER-026".to_string(), 1, 6),
        ]
    );
}

#[test]
fn parse_problems_are_findings_and_scanners_select_dockerfiles() {
    let dir = scratch("problems");
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM gcr.io/distroless/base-debian12:nonroot\nFROBNICATE now\nUSER 10001\n",
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

#[test]
fn dockerignore_is_looked_up_beside_each_dockerfile_and_prod_wants_digests() {
    let dir = scratch("dockerignore");
    let text = "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY . /app\nUSER 10001\n";
    for sub in ["none", "shared", "own"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    std::fs::write(dir.join("none/Dockerfile"), text).unwrap();
    std::fs::write(dir.join("shared/Dockerfile"), text).unwrap();
    std::fs::write(dir.join("shared/.dockerignore"), ".git\n").unwrap();
    std::fs::write(dir.join("own/api.Dockerfile"), text).unwrap();
    std::fs::write(dir.join("own/api.Dockerfile.dockerignore"), ".git\n").unwrap();
    let located = |report: &Value| -> Vec<(String, String, u64, u64)> {
        let mut out: Vec<_> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["location"]["path"].as_str().unwrap().to_string(),
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["location"]["line"].as_u64().unwrap_or(0),
                    f["location"]["column"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        out.sort();
        out
    };
    let test = json(&lockgate(
        &dir,
        &["scan", "--scanners", "dockerfiles", ".", "-f", "json"],
    ));
    assert_eq!(
        located(&test),
        [(
            "none/Dockerfile".to_string(),
            "DOCKER-025".to_string(),
            2,
            6
        )]
    );
    let prod = json(&lockgate(
        &dir,
        &[
            "scan",
            "--scanners",
            "dockerfiles",
            ".",
            "-f",
            "json",
            "--profile",
            "prod",
        ],
    ));
    let rules: Vec<(String, String)> = located(&prod)
        .into_iter()
        .map(|(path, rule, _, _)| (path, rule))
        .collect();
    assert_eq!(
        rules,
        [
            ("none/Dockerfile".to_string(), "DOCKER-022".to_string()),
            ("none/Dockerfile".to_string(), "DOCKER-025".to_string()),
            ("own/api.Dockerfile".to_string(), "DOCKER-022".to_string()),
            ("shared/Dockerfile".to_string(), "DOCKER-022".to_string()),
        ],
        "digest pinning is a prod-only rule"
    );
    let dev = json(&lockgate(
        &dir,
        &[
            "scan",
            "--scanners",
            "dockerfiles",
            ".",
            "-f",
            "json",
            "--profile",
            "dev",
        ],
    ));
    assert!(
        located(&dev).iter().all(|f| f.1 != "DOCKER-022"),
        "the dev profile disables digest pinning"
    );
}

#[test]
fn a_hardened_dockerfile_passes_prod_and_an_insecure_one_trips_the_new_rules() {
    let dir = scratch("hardened");
    std::fs::write(
        dir.join("lockgate.toml"),
        "[settings]\ntrusted-registries = [\"registry.example.com/shop\"]\ntrusted-base-images = [\"registry.example.com/shop/distroless/*\"]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("good")).unwrap();
    std::fs::write(dir.join("good/.dockerignore"), ".git\n.env*\n").unwrap();
    std::fs::write(
        dir.join("good/Dockerfile"),
        r#"# syntax=docker/dockerfile:1
FROM registry.example.com/shop/golang:1.22.5@sha256:4a3c2bcd243d3dbb7b15237eecb0792db3614900037998c2cd6a579c46888c1e AS build
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \
 && rm -rf /var/lib/apt/lists/*
COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -o /out/api ./cmd/api

FROM registry.example.com/shop/distroless/static-debian12:nonroot@sha256:8dd8d3ca2cf283383304fd45a5c9c74d5f2cd9da8d3b077d720e264880077c65
COPY --from=build --chmod=755 /out/api /api
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=3s CMD ["/api", "healthcheck"]
ENTRYPOINT ["/api"]
"#,
    )
    .unwrap();
    let good = lockgate(
        &dir,
        &[
            "scan",
            "--scanners",
            "dockerfiles",
            "good",
            "-f",
            "json",
            "--profile",
            "prod",
        ],
    );
    assert_eq!(good.status.code(), Some(0), "{}", stdout(&good));

    std::fs::create_dir_all(dir.join("bad")).unwrap();
    std::fs::write(
        dir.join("bad/Dockerfile"),
        "FROM python:3.12-slim\nARG PIP_TOKEN\nENV DB_PASSWORD=Sw0rdf1sh-lgtest\nRUN apt-get update && apt-get install -y curl \\\n && curl -fsSL https://example.com/install.sh | sh \\\n && chmod -R 777 /srv\nCOPY . /srv\nRUN pip install flask\nUSER 10001\nCMD [\"python\", \"/srv/app.py\"]\n",
    )
    .unwrap();
    let bad = json(&lockgate(
        &dir,
        &[
            "scan",
            "--scanners",
            "dockerfiles",
            "bad",
            "-f",
            "json",
            "--profile",
            "prod",
        ],
    ));
    let rules: std::collections::BTreeSet<String> =
        findings(&bad).into_iter().map(|f| f.0).collect();
    let new_rules: Vec<&str> = rules
        .iter()
        .map(String::as_str)
        .filter(|r| r.as_bytes() >= b"DOCKER-016".as_slice())
        .collect();
    assert_eq!(
        new_rules,
        [
            "DOCKER-016",
            "DOCKER-017",
            "DOCKER-018",
            "DOCKER-019",
            "DOCKER-020",
            "DOCKER-021",
            "DOCKER-022",
            "DOCKER-023",
            "DOCKER-024",
            "DOCKER-025",
            "DOCKER-026",
        ]
    );
    let text = serde_json::to_string(&bad).unwrap();
    assert!(
        !text.contains("Sw0rdf1sh-lgtest"),
        "the value of a secret-like ENV never appears in the output"
    );
    // Code frames (of its own finding and of the RUN below it) hide the line.
    let table = stdout(&lockgate(
        &dir,
        &[
            "scan",
            "--scanners",
            "dockerfiles",
            "bad",
            "--profile",
            "prod",
        ],
    ));
    assert!(table.contains("DB_PASSWORD"), "{table}");
    assert!(!table.contains("Sw0rdf1sh-lgtest"), "{table}");
}
