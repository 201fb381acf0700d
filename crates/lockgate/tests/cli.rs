//! End-to-end tests of the `lockgate` binary: exit codes, locations, every output format
//! (validated against the official SARIF schema, the JUnit XSD and our JSON schema),
//! waivers, inline suppression, baselines, stdin, Kustomize rendering and hostile input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> PathBuf {
    repo().join("../shared")
}

mod support;

use support::{json, lockgate, scratch, stdout};

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  containers:\n  - name: app\n    image: nginx:1.27\n    securityContext:\n      privileged: true\n";

/// Whether the report has a finding of `rule` in the file shown as `path`.
fn has_finding(report: &Value, rule: &str, path: &str) -> bool {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == rule && f["location"]["path"] == path)
}

/// The paths of every finding of `rule`.
fn paths_of(report: &Value, rule: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| f["location"]["path"].as_str().unwrap().to_string())
        .collect()
}

fn rule_ids(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_insecure_example_fails_and_the_hardened_one_passes_prod() {
    let insecure = lockgate(&repo(), &["scan", "examples/insecure", "--format", "json"]);
    assert_eq!(insecure.status.code(), Some(1), "{}", stdout(&insecure));
    let report = json(&insecure);
    let ids = rule_ids(&report);
    for expected in [
        "KUBE-002", "KUBE-003", "KUBE-005", "KUBE-040", "KUBE-041", "KUBE-042", "KUBE-050",
        "KUBE-051", "KUBE-052",
    ] {
        assert!(
            ids.iter().any(|id| id == expected),
            "{expected} missing from {ids:?}"
        );
    }
    // The waiver in examples/lockgate.toml applies to the metrics exporter's hostPath.
    let waived: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "waived")
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(
        waived[0]["location"]["path"],
        "examples/insecure/metrics.yaml"
    );

    let hardened = lockgate(
        &repo(),
        &[
            "scan",
            "examples/hardened",
            "--profile",
            "prod",
            "--format",
            "json",
        ],
    );
    assert_eq!(hardened.status.code(), Some(0), "{}", stdout(&hardened));
    assert_eq!(json(&hardened)["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn findings_carry_file_line_column_and_object() {
    let dir = scratch("location");
    std::fs::write(dir.join("pod.yaml"), format!("# comment\n{PRIVILEGED_POD}")).unwrap();
    let output = lockgate(
        &dir,
        &["scan", "pod.yaml", "--format", "json", "--no-render"],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "KUBE-003")
        .unwrap()
        .clone();
    assert_eq!(finding["location"]["path"], "pod.yaml");
    assert_eq!(finding["location"]["line"], 12);
    assert_eq!(finding["location"]["column"], 7);
    assert_eq!(finding["object"]["kind"], "Pod");
    assert_eq!(finding["object"]["namespace"], "shop");
    assert_eq!(finding["object"]["name"], "web");
    assert_eq!(finding["object"]["apiVersion"], "v1");
    assert_eq!(finding["rule_name"], "privileged-container");
    assert!(
        finding["frameworks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "pss:baseline/privileged-containers")
    );
    let table = stdout(&lockgate(&dir, &["scan", "pod.yaml"]));
    assert!(
        table.contains("--> pod.yaml:12:7  (Pod shop/web)"),
        "{table}"
    );
    assert!(table.contains("12 |       privileged: true"), "{table}");
    assert!(table.contains("Gate failed"), "{table}");
}

#[test]
fn json_output_matches_the_documented_schema() {
    let output = lockgate(&repo(), &["scan", "examples", "--format", "json"]);
    let report = json(&output);
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "JSON report violates docs/report.schema.json:\n{}",
        errors.join("\n")
    );
    assert_eq!(report["schema_version"], 1);
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0_with_rules_regions_and_fingerprints() {
    let output = lockgate(&repo(), &["scan", "examples/insecure", "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let sarif = json(&output);
    let schema_path = shared().join("schemas/sarif/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .all(|r| r["help"]["markdown"].as_str().unwrap().contains("## Fix"))
    );
    for result in run["results"].as_array().unwrap() {
        assert!(
            result["partialFingerprints"]["lockgate/v1"]
                .as_str()
                .unwrap()
                .len()
                == 32
        );
        assert!(
            result["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
    }
    assert!(
        run["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["suppressions"][0]["status"] == "accepted")
    );
}

#[test]
fn junit_output_validates_against_the_junit_xsd() {
    let dir = scratch("junit");
    let output = lockgate(
        &repo(),
        &[
            "scan",
            "examples/insecure",
            "--format",
            "junit",
            "--output",
            dir.join("report.xml").to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let xsd = shared().join("schemas/junit/jenkins-xunit/junit-10.xsd");
    let validation = Command::new("xmllint")
        .args([
            "--noout",
            "--schema",
            xsd.to_str().unwrap(),
            dir.join("report.xml").to_str().unwrap(),
        ])
        .output()
        .expect("xmllint must be installed (scripts/test installs libxml2-utils)");
    assert!(
        validation.status.success(),
        "JUnit XML invalid: {}",
        String::from_utf8_lossy(&validation.stderr)
    );
    let xml = std::fs::read_to_string(dir.join("report.xml")).unwrap();
    assert!(xml.contains("<failure"), "{xml}");
    assert!(xml.contains("<skipped message=\"waived\""), "{xml}");
}

#[test]
fn several_formats_go_to_their_own_outputs() {
    let dir = scratch("formats");
    let sarif = dir.join("out.sarif");
    let markdown = dir.join("out.md");
    let output = lockgate(
        &repo(),
        &[
            "scan",
            "examples/insecure",
            "--format",
            "sarif",
            "--output",
            sarif.to_str().unwrap(),
            "--format",
            "table",
            "--format",
            "markdown",
            "--output",
            markdown.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).contains("Gate failed"));
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let markdown = std::fs::read_to_string(markdown).unwrap();
    assert!(
        markdown.contains("| Severity | Rule | Location | Object | Finding |"),
        "{markdown}"
    );
    assert!(markdown.contains("❌ **Gate failed**"));

    let clash = lockgate(
        &repo(),
        &["scan", "examples", "--format", "json", "--format", "sarif"],
    );
    assert_eq!(clash.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&clash.stderr)
            .contains("only one format can go to standard output")
    );
}

#[test]
fn stdin_is_scanned_with_dash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .args(["scan", "-", "--format", "json"])
        .current_dir(scratch("stdin"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(PRIVILEGED_POD.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert!(has_finding(&report, "KUBE-003", "stdin"));
}

#[test]
fn fail_on_and_profiles_decide_the_exit_code() {
    let dir = scratch("failon");
    std::fs::write(
        dir.join("svc.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: a}\nspec: {type: NodePort, ports: [{port: 80}]}\n",
    )
    .unwrap();
    assert_eq!(lockgate(&dir, &["scan", "."]).status.code(), Some(0));
    assert_eq!(
        lockgate(&dir, &["scan", ".", "--fail-on", "medium"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        lockgate(&dir, &["scan", ".", "--profile", "prod"])
            .status
            .code(),
        Some(1)
    );
    let bad = lockgate(&dir, &["scan", ".", "--profile", "staging"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown profile `staging`"));
    assert_eq!(
        lockgate(&dir, &["scan", "nope.yaml"]).status.code(),
        Some(2)
    );
    assert_eq!(
        lockgate(&dir, &["scan", ".", "--fail-on", "severe"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn waivers_apply_expire_and_report_when_unused() {
    let dir = scratch("waivers");
    std::fs::write(dir.join("pod.yaml"), PRIVILEGED_POD).unwrap();
    std::fs::write(
        dir.join("lockgate.toml"),
        r#"
[[waivers]]
rule = "KUBE-003"
object = "Pod/shop/*"
owner = "platform"
reason = "GPU driver installer"
expires = "2099-01-01"

[[waivers]]
rule = "KUBE-002"
path = "pod.yaml"
owner = "platform"
reason = "old exception"
expires = "2099-01-01"

[[waivers]]
rule = "KUBE-014"
path = "*.yaml"
owner = "platform"
reason = "expired exception"
expires = "2020-01-01"
"#,
    )
    .unwrap();
    let report = json(&lockgate(&dir, &["scan", ".", "--format", "json"]));
    let findings = report["findings"].as_array().unwrap();
    let privileged = findings
        .iter()
        .find(|f| f["rule_id"] == "KUBE-003")
        .unwrap();
    assert_eq!(privileged["status"], "waived");
    assert_eq!(privileged["owner"], "platform");
    let unused = findings.iter().find(|f| f["rule_id"] == "LG-003").unwrap();
    assert_eq!(unused["location"]["path"], "lockgate.toml");
    assert_eq!(unused["location"]["line"], 10);
    let expired = findings.iter().find(|f| f["rule_id"] == "LG-002").unwrap();
    assert!(
        expired["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2020-01-01")
    );
    // The expired waiver no longer hides its finding.
    assert!(
        findings
            .iter()
            .any(|f| f["rule_id"] == "KUBE-014" && f["status"] == "open")
    );
}

#[test]
fn excludes_and_waiver_paths_are_relative_to_the_config_and_star_stays_in_a_directory() {
    let dir = scratch("exclude");
    std::fs::create_dir_all(dir.join("vendor/lib")).unwrap();
    std::fs::create_dir_all(dir.join("deploy/sub")).unwrap();
    std::fs::write(dir.join("vendor/lib/pod.yaml"), PRIVILEGED_POD).unwrap();
    std::fs::write(dir.join("deploy/pod.yaml"), PRIVILEGED_POD).unwrap();
    std::fs::write(dir.join("deploy/sub/pod.yaml"), PRIVILEGED_POD).unwrap();
    std::fs::write(
        dir.join("lockgate.toml"),
        "exclude = [\"vendor/**\"]\n\n[[waivers]]\nrule = \"KUBE-003\"\npath = \"deploy/*.yaml\"\nowner = \"o\"\nreason = \"r\"\nexpires = \"2099-01-01\"\n",
    )
    .unwrap();
    // Run from elsewhere with an absolute path: the config's relative globs still apply.
    let output = lockgate(
        &std::env::temp_dir(),
        &["scan", dir.to_str().unwrap(), "--format", "json"],
    );
    let report = json(&output);
    let privileged: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "KUBE-003")
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(privileged.len(), 2, "vendor/ is excluded: {privileged:?}");
    assert!(
        privileged
            .iter()
            .any(|(p, s)| p.ends_with("deploy/pod.yaml") && s == "waived")
    );
    assert!(
        privileged
            .iter()
            .any(|(p, s)| p.ends_with("deploy/sub/pod.yaml") && s == "open"),
        "`*` must not cross `/`"
    );
}

#[test]
fn inline_annotations_suppress_with_a_reason_and_report_bad_ones() {
    let dir = scratch("suppress");
    let annotated = PRIVILEGED_POD.replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations:\n    lockgate.dev/ignore: \"KUBE-003,privilege-escalation-allowed device plugin needs host devices\"\n",
    );
    std::fs::write(dir.join("a.yaml"), &annotated).unwrap();
    std::fs::write(
        dir.join("b.yaml"),
        PRIVILEGED_POD.replace(
            "  namespace: shop\n",
            "  namespace: shop\n  annotations:\n    lockgate.dev/ignore: \"KUBE-003\"\n",
        ),
    )
    .unwrap();
    let report = json(&lockgate(&dir, &["scan", ".", "--format", "json"]));
    let findings = report["findings"].as_array().unwrap();
    let in_file = |path: &str, rule: &str| {
        findings
            .iter()
            .find(|f| f["location"]["path"] == path && f["rule_id"] == rule)
            .unwrap()
            .clone()
    };
    assert_eq!(in_file("a.yaml", "KUBE-003")["status"], "suppressed");
    assert_eq!(in_file("a.yaml", "KUBE-013")["status"], "suppressed");
    assert_eq!(
        in_file("a.yaml", "KUBE-003")["reason"],
        "device plugin needs host devices"
    );
    // Without a reason nothing is suppressed, and the annotation itself is reported.
    assert_eq!(in_file("b.yaml", "KUBE-003")["status"], "open");
    assert!(
        in_file("b.yaml", "LG-004")["message"]
            .as_str()
            .unwrap()
            .contains("no reason")
    );
}

#[test]
fn baselines_fail_only_on_new_findings_and_survive_line_moves() {
    let dir = scratch("baseline");
    std::fs::write(dir.join("pod.yaml"), PRIVILEGED_POD).unwrap();
    let write = lockgate(
        &dir,
        &["baseline", "write", ".", "--output", "baseline.json"],
    );
    assert_eq!(
        write.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&write.stderr)
    );
    // Unrelated edits move every line down; the known findings stay known.
    std::fs::write(
        dir.join("pod.yaml"),
        format!("# moved\n\n\n{PRIVILEGED_POD}"),
    )
    .unwrap();
    let same = lockgate(
        &dir,
        &[
            "scan",
            ".",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
    assert!(
        json(&same)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "baseline")
    );
    // The same baseline matches a scan started elsewhere with an absolute path, since
    // fingerprints use paths relative to the project (here: the lockgate.toml's folder).
    std::fs::write(dir.join("lockgate.toml"), "").unwrap();
    let rewrite = lockgate(
        &dir,
        &["baseline", "write", ".", "--output", "baseline.json"],
    );
    assert_eq!(rewrite.status.code(), Some(0));
    let elsewhere = lockgate(
        &std::env::temp_dir(),
        &[
            "scan",
            dir.to_str().unwrap(),
            "--baseline",
            dir.join("baseline.json").to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(elsewhere.status.code(), Some(0), "{}", stdout(&elsewhere));
    // A new problem fails the gate.
    std::fs::write(
        dir.join("pod.yaml"),
        PRIVILEGED_POD.replace("spec:\n", "spec:\n  hostPID: true\n"),
    )
    .unwrap();
    let new = lockgate(
        &dir,
        &[
            "scan",
            ".",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(new.status.code(), Some(1));
    let open: Vec<String> = json(&new)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "open")
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(open, ["KUBE-002"]);
}

#[test]
fn kustomize_directories_are_rendered_with_kubectl() {
    let dir = scratch("kustomize");
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(
        dir.join("app/kustomization.yaml"),
        "resources: [pod.yaml]\nnamespace: rendered\n",
    )
    .unwrap();
    std::fs::write(dir.join("app/pod.yaml"), PRIVILEGED_POD).unwrap();
    let output = lockgate(&dir, &["scan", ".", "--format", "json"]);
    let report = json(&output);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "KUBE-003")
        .unwrap()
        .clone();
    assert_eq!(finding["location"]["path"], "kustomize://app");
    assert_eq!(
        finding["object"]["namespace"], "rendered",
        "the render's namespace transformer applied"
    );

    // Files the kustomization pulls in from elsewhere are scanned through the render
    // only, not a second time raw; unrelated files still are.
    std::fs::create_dir_all(dir.join("overlays/prod/base")).unwrap();
    std::fs::write(
        dir.join("overlays/prod/base/deploy.yaml"),
        PRIVILEGED_POD.replace("name: web", "name: base-web"),
    )
    .unwrap();
    std::fs::write(
        dir.join("overlays/prod/kustomization.yaml"),
        "resources: [./base/deploy.yaml]\nnamespace: prod\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("unrelated.yaml"),
        PRIVILEGED_POD.replace("name: web", "name: other"),
    )
    .unwrap();
    let report = json(&lockgate(&dir, &["scan", ".", "--format", "json"]));
    let privileged = paths_of(&report, "KUBE-003");
    assert!(
        privileged.contains(&"kustomize://overlays/prod".to_string()),
        "{privileged:?}"
    );
    assert!(
        privileged.contains(&"unrelated.yaml".to_string()),
        "{privileged:?}"
    );
    assert!(
        !privileged.contains(&"overlays/prod/base/deploy.yaml".to_string()),
        "{privileged:?}"
    );
    std::fs::remove_dir_all(dir.join("overlays")).unwrap();
    std::fs::remove_file(dir.join("unrelated.yaml")).unwrap();

    // Without kubectl on PATH, a notice says so and the raw files are still scanned.
    let output = Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .current_dir(&dir)
        .args(["scan", ".", "--format", "json"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let report = json(&output);
    assert!(
        report["notices"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`kubectl` is not on PATH")
    );
    assert!(has_finding(&report, "KUBE-003", "app/pod.yaml"));
}

#[test]
fn helm_charts_without_helm_are_skipped_with_a_notice() {
    let dir = scratch("helm");
    std::fs::create_dir_all(dir.join("chart/templates")).unwrap();
    std::fs::write(
        dir.join("chart/Chart.yaml"),
        "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("chart/templates/pod.yaml"),
        "{{ if .Values.x }}\nkind: Pod\n{{ end }}\n",
    )
    .unwrap();
    std::fs::write(dir.join("pod.yaml"), PRIVILEGED_POD).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .current_dir(&dir)
        .args(["scan", ".", "--format", "json"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let notices = report["notices"].as_array().unwrap();
    assert!(notices.iter().any(|n| {
        n["message"]
            .as_str()
            .unwrap()
            .contains("`helm` is not on PATH")
            && n["path"] == "chart"
    }));
    // The chart's templates are not parsed as YAML; the rest of the scan went on.
    assert!(!report["findings"].as_array().unwrap().iter().any(|f| {
        f["location"]["path"]
            .as_str()
            .unwrap()
            .starts_with("chart/")
    }));
    assert!(rule_ids(&report).contains(&"KUBE-003".to_string()));
}

#[test]
fn hostile_input_becomes_findings_never_a_crash() {
    let dir = scratch("hostile");
    std::fs::write(dir.join("binary.yaml"), b"\x00\x01\x02kind: Pod").unwrap();
    std::fs::write(dir.join("latin1.yaml"), b"kind: \xe9t\xe9\n").unwrap();
    std::fs::write(
        dir.join("broken.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n",
    )
    .unwrap();
    std::fs::write(dir.join("deep.json"), "[".repeat(1_000)).unwrap();
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    std::fs::write(dir.join("bomb.yaml"), bomb).unwrap();
    std::fs::write(
        dir.join("unknown.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {anything: [1, 2]}\n",
    )
    .unwrap();
    std::fs::write(dir.join("no-api.yaml"), "kind: Pod\nmetadata: {name: p}\n").unwrap();
    std::fs::write(
        dir.join("big.yaml"),
        format!("a: \"{}\"\n", "x".repeat(2048)),
    )
    .unwrap();
    std::fs::write(dir.join("lockgate.toml"), "max-file-size = 1024\n").unwrap();
    std::fs::write(dir.join("good.yaml"), PRIVILEGED_POD).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&dir, dir.join("loop")).unwrap();
    let output = lockgate(&dir, &["scan", ".", "--format", "json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let findings = report["findings"].as_array().unwrap();
    let parse_error = |path: &str| {
        findings
            .iter()
            .find(|f| f["rule_id"] == "LG-001" && f["location"]["path"] == path)
            .unwrap_or_else(|| panic!("no parse-error for {path}: {findings:#?}"))["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Manifests that cannot be read are findings that fail the gate.
    assert!(parse_error("broken.yaml").contains("invalid YAML"));
    assert!(parse_error("no-api.yaml").contains("apiVersion"));
    // Files found by walking that do not look like manifests are warnings, not failures.
    let notices = report["notices"].as_array().unwrap();
    let notice = |path: &str| {
        notices
            .iter()
            .find(|n| n["path"] == path)
            .unwrap_or_else(|| panic!("no notice for {path}: {notices:#?}"))["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(notice("binary.yaml").contains("binary"));
    assert!(notice("latin1.yaml").contains("UTF-8"));
    assert!(notice("deep.json").contains("nesting"));
    assert!(notice("bomb.yaml").contains("alias bomb"));
    assert!(notice("big.yaml").contains("max-file-size"));
    assert!(
        !findings
            .iter()
            .any(|f| f["location"]["path"] == "unknown.yaml")
    );
    // Named explicitly, the same files are held to the strict standard.
    for (file, expected) in [
        ("binary.yaml", "binary"),
        ("deep.json", "nesting"),
        ("bomb.yaml", "alias bomb"),
        ("big.yaml", "max-file-size"),
    ] {
        let output = lockgate(&dir, &["scan", file, "--format", "json"]);
        assert_eq!(output.status.code(), Some(1), "{file}");
        let report = json(&output);
        let message = report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            report["findings"][0]["rule_id"] == "LG-001" && message.contains(expected),
            "{file}: {message}"
        );
    }
    // The rest of the scan still happened.
    assert!(
        findings
            .iter()
            .any(|f| f["rule_id"] == "KUBE-003" && f["location"]["path"] == "good.yaml")
    );
}

#[test]
fn credential_values_never_appear_in_any_output() {
    let dir = scratch("redact");
    let secret = "Xk9vQ2mLp7RtZw4N";
    std::fs::write(
        dir.join("app.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: a}}\nspec:\n  containers:\n  - name: app\n    image: nginx:1\n    env:\n    - {{name: DB_PASSWORD, value: \"{secret}\"}}\n    securityContext: {{privileged: true}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: a}}\ndata:\n  password: {secret}\n"
        ),
    )
    .unwrap();
    for format in ["table", "json", "sarif", "junit", "markdown"] {
        let output = lockgate(
            &dir,
            &["scan", ".", "--format", format, "--color", "always"],
        );
        assert_eq!(output.status.code(), Some(1));
        let text = stdout(&output);
        assert!(text.contains("KUBE-040"), "{format}: {text}");
        assert!(
            !text.contains(secret),
            "{format} output shows the credential:\n{text}"
        );
    }
}

#[test]
fn rules_and_explain_document_every_rule() {
    let all = stdout(&lockgate(&repo(), &["rules"]));
    assert!(
        all.contains("KUBE-003  critical privileged-container"),
        "{all}"
    );
    let pss = stdout(&lockgate(
        &repo(),
        &["rules", "--framework", "pss:restricted"],
    ));
    assert!(
        pss.contains("KUBE-013") && !pss.contains("KUBE-003 "),
        "{pss}"
    );
    let explain = lockgate(&repo(), &["explain", "privileged-container"]);
    assert_eq!(explain.status.code(), Some(0));
    let text = stdout(&explain);
    for section in [
        "## What it checks",
        "## Why it matters",
        "## Example",
        "## Fix",
        "## References",
    ] {
        assert!(text.contains(section), "{text}");
    }
    assert_eq!(
        lockgate(&repo(), &["explain", "KUBE-999"]).status.code(),
        Some(2)
    );
}
