#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Rego policies end to end: conftest-style rules and Gatekeeper templates and
//! constraints through `lockgate scan --policy`, their findings, metadata, waivers,
//! suppressions and errors, and `lockgate policy test`.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{json, lockgate, scratch, stdout};

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `(rule_id, message, line, severity, status)` of the findings of rules not built in.
fn policy_findings(report: &Value) -> Vec<(String, String, u64, String, String)> {
    let mut found: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let id = f["rule_id"].as_str().unwrap();
            !id.starts_with("KUBE-") && !id.starts_with("SEC-")
        })
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
                f["severity"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

/// `lockgate scan PATH --policy POLICY EXTRA... --scanners manifests -f json` in `dir`.
fn scan_json(dir: &Path, path: &str, policy: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["scan", path, "--policy", policy];
    args.extend_from_slice(extra);
    args.extend(["--scanners", "manifests", "-f", "json"]);
    lockgate(dir, &args)
}

/// The findings of one rule in a JSON report.
fn findings_of<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .collect()
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        image: nginx:latest
      - name: side
        image: busybox:1.36
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  ports: [{port: 80}]
";

const CONFTEST: &str = r#"package main

# METADATA
# title: Images must not use latest
# description: A `latest` tag moves under you.
# related_resources:
# - https://example.com/pinning
# custom:
#   id: ORG-001
#   severity: critical
#   recommended_actions: [Pin a version tag or a digest.]
deny[msg] {
  some i
  c := input.spec.template.spec.containers[i]
  endswith(c.image, ":latest")
  msg := {"msg": sprintf("container %s uses latest", [c.name]), "path": sprintf("spec.template.spec.containers[%d].image", [i])}
}

deny[msg] {
  input.kind == "Deployment"
  not input.metadata.labels.owner
  msg := "deployment has no owner label"
}

warn[msg] {
  input.kind == "Service"
  msg := sprintf("service %s is exposed", [input.metadata.name])
}
"#;

#[test]
fn conftest_rules_become_findings_with_their_metadata() {
    let dir = scratch("conftest-findings");
    write(&dir, "deploy/app.yaml", DEPLOYMENT);
    write(&dir, "policy/main.rego", CONFTEST);
    // Another package is only evaluated when selected.
    write(
        &dir,
        "policy/extra.rego",
        "package extra\n\nviolation contains \"extra ran\" if input.kind == \"Service\"\n",
    );
    let output = scan_json(&dir, "deploy", "policy", &[]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = json(&output);
    assert_eq!(
        policy_findings(&report),
        vec![
            (
                "ORG-001".into(),
                "container app uses latest".into(),
                12,
                "critical".into(),
                "open".into()
            ),
            (
                "main.deny".into(),
                "deployment has no owner label".into(),
                4,
                "high".into(),
                "open".into()
            ),
            (
                "main.warn".into(),
                "service web is exposed".into(),
                19,
                "low".into(),
                "open".into()
            ),
        ]
    );
    // The rules are described like built-in ones.
    let rule = &report["rules"]["ORG-001"];
    assert_eq!(rule["title"], "Images must not use latest");
    assert_eq!(rule["severity"], "critical");
    assert_eq!(rule["fix"], "Pin a version tag or a digest.");
    assert!(
        rule["docs"]
            .as_str()
            .unwrap()
            .contains("https://example.com/pinning")
    );

    let output = scan_json(&dir, "deploy", "policy", &["--namespace", "extra"]);
    let ids: Vec<_> = policy_findings(&json(&output))
        .into_iter()
        .map(|f| f.0)
        .collect();
    assert_eq!(ids, ["extra.violation"]);
    let output = scan_json(&dir, "deploy", "policy", &["--all-namespaces"]);
    assert_eq!(policy_findings(&json(&output)).len(), 4);

    // SARIF carries the policy rule's entry.
    let output = lockgate(
        &dir,
        &["scan", "deploy", "--policy", "policy", "-f", "sarif"],
    );
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["id"] == "ORG-001"), "{rules:?}");

    // explain and rules know policy rules.
    let output = lockgate(&dir, &["explain", "ORG-001", "--policy", "policy"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("A `latest` tag moves under you."));
    let output = lockgate(&dir, &["rules", "--policy", "policy", "--format", "json"]);
    assert!(stdout(&output).contains("\"main.warn\""));
}

#[test]
fn policies_from_the_config_with_waivers_and_suppressions() {
    let dir = scratch("conftest-config");
    write(&dir, "policy/main.rego", CONFTEST);
    let suppressed = DEPLOYMENT.replacen(
        "  namespace: shop\nspec:\n  replicas",
        "  namespace: shop\n  annotations:\n    lockgate.dev/ignore: \"main.deny owners are set by the platform\"\nspec:\n  replicas",
        1,
    );
    write(&dir, "deploy/app.yaml", &suppressed);
    write(
        &dir,
        "lockgate.toml",
        "[policy]\npaths = [\"policy\"]\n\n[rules.severity]\n\"main.warn\" = \"medium\"\n\n[[waivers]]\nrule = \"ORG-001\"\nowner = \"team\"\nreason = \"legacy image until Q3\"\nexpires = \"2099-01-01\"\n",
    );
    let output = lockgate(
        &dir,
        &["scan", "deploy", "--scanners", "manifests", "-f", "json"],
    );
    let found = policy_findings(&json(&output));
    let status: Vec<_> = found
        .iter()
        .map(|f| (f.0.as_str(), f.3.as_str(), f.4.as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("ORG-001", "critical", "waived"),
            ("main.deny", "high", "suppressed"),
            ("main.warn", "medium", "open")
        ]
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "only a medium finding is open"
    );

    // A waiver for a rule that no policy defines is a configuration error.
    write(
        &dir,
        "lockgate.toml",
        "[policy]\npaths = [\"policy\"]\n\n[[waivers]]\nrule = \"ORG-404\"\nowner = \"team\"\nreason = \"x\"\nexpires = \"2099-01-01\"\n",
    );
    let output = lockgate(&dir, &["scan", "deploy"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown rule `ORG-404`"));

    // A policy path that does not exist is an error, not an empty pass.
    std::fs::remove_file(dir.join("lockgate.toml")).unwrap();
    let output = lockgate(&dir, &["scan", "deploy", "--policy", "nowhere"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nowhere"));
}

#[test]
fn broken_and_slow_policies_fail_the_gate_with_their_place() {
    let dir = scratch("policy-errors");
    write(&dir, "deploy/app.yaml", DEPLOYMENT);
    write(
        &dir,
        "policy/syntax.rego",
        "package main\n\nimport rego.v1\n\ndeny contains msg if {\n  msg := \n}\n",
    );
    // A module that parses but does not compile (an unsafe variable) is left out; the
    // other modules still run.
    write(
        &dir,
        "policy/unsafe.rego",
        "package other\n\np { x == 1 }\n",
    );
    write(
        &dir,
        "policy/runtime.rego",
        "package main\n\nwarn_replicas contains msg if {\n  input.kind == \"Deployment\"\n  msg := sprintf(\"%d\", input.spec.replicas)\n}\n",
    );
    write(
        &dir,
        "policy/slow.rego",
        "package main\n\nwarn_slow contains n if {\n  input.kind == \"Service\"\n  n := count([x | some i in numbers.range(1, 3000); some j in numbers.range(1, 3000); x := i + j])\n}\n",
    );
    // Billions of numbers: stopped by the memory budget before they exist. A million
    // fit in it.
    write(
        &dir,
        "policy/huge.rego",
        "package main\n\nwarn_huge contains n if {\n  input.kind == \"Deployment\"\n  n := count(numbers.range(1, 3000000000))\n}\n\nwarn_fits contains msg if {\n  input.kind == \"Deployment\"\n  msg := sprintf(\"%d numbers\", [count(numbers.range(1, 1000000))])\n}\n",
    );
    write(
        &dir,
        "lockgate.toml",
        "[policy]\npaths = [\"policy\"]\ntimeout = \"100ms\"\nmemory = \"64MiB\"\n",
    );
    let started = std::time::Instant::now();
    let output = lockgate(
        &dir,
        &["scan", "deploy", "--scanners", "manifests", "-f", "json"],
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let errors: Vec<(String, u64, String)> = findings_of(&report, "LG-005")
        .into_iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // regorus's own parser warnings do not reach the terminal for a v1 file.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|(p, l, m)| p.ends_with("unsafe.rego") && *l == 3 && m.contains("unsafe")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|(p, l, m)| p.ends_with("huge.rego")
            && *l == 3
            && m.contains("memory budget of 64 MiB")),
        "{errors:?}"
    );
    let fits: Vec<_> = findings_of(&report, "main.warn_fits")
        .into_iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(fits, ["1000000 numbers"]);
    assert!(
        errors.iter().any(|(p, l, m)| p.ends_with("runtime.rego")
            && *l == 5
            && m.contains("sprintf")
            && m.contains("Deployment/shop/web")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|(p, l, m)| p.ends_with("slow.rego")
            && *l > 0
            && m.contains("time budget of 100 ms")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|(p, l, m)| p.ends_with("syntax.rego")
            && *l == 6
            && m.contains("policy not loaded")),
        "{errors:?}"
    );
}

const TEMPLATE: &str = r#"apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8srequiredowner
  annotations:
    metadata.gatekeeper.sh/title: Required owner label
    description: Objects must name their owning team.
spec:
  crd:
    spec:
      names:
        kind: K8sRequiredOwner
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8srequiredowner

      violation[{"msg": msg, "details": {"path": "metadata.labels"}}] {
        not input.review.object.metadata.labels[input.parameters.label]
        msg := sprintf("%s %s has no %s label", [input.review.kind.kind, input.review.object.metadata.name, input.parameters.label])
      }
---
apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8suniqueservicename
spec:
  crd:
    spec:
      names:
        kind: K8sUniqueServiceName
  targets:
  - target: admission.k8s.gatekeeper.sh
    rego: |
      package k8suniqueservicename

      violation[{"msg": msg}] {
        input.review.kind.kind == "Service"
        other := data.inventory.namespace[ns]["v1"]["Service"][name]
        ns != input.review.object.metadata.namespace
        name == input.review.object.metadata.name
        msg := sprintf("service name %s is also used in namespace %s", [name, ns])
      }
"#;

const CONSTRAINTS: &str = "apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredOwner
metadata:
  name: owner-in-prod
spec:
  match:
    kinds: [{apiGroups: [apps], kinds: [Deployment]}]
    namespaceSelector:
      matchLabels: {env: prod}
    excludedNamespaces: [legacy-*]
  parameters:
    label: owner
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredOwner
metadata:
  name: owner-everywhere-dryrun
spec:
  enforcementAction: dryrun
  match:
    kinds: [{apiGroups: [''], kinds: [Service]}]
  parameters:
    label: owner
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sUniqueServiceName
metadata:
  name: unique-service-names
spec:
  enforcementAction: warn
";

const OBJECTS: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {env: prod}
---
apiVersion: v1
kind: Namespace
metadata:
  name: legacy-shop
  labels: {env: prod}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec: {template: {spec: {containers: [{name: a, image: a:1}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: old
  namespace: legacy-shop
spec: {template: {spec: {containers: [{name: a, image: a:1}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: dev
  namespace: sandbox
spec: {template: {spec: {containers: [{name: a, image: a:1}]}}}
";

#[test]
fn gatekeeper_constraints_match_use_the_inventory_and_keep_their_action() {
    let dir = scratch("gatekeeper");
    write(&dir, "gk/templates.yaml", TEMPLATE);
    write(&dir, "gk/constraints.yaml", CONSTRAINTS);
    write(&dir, "deploy/objects.yaml", OBJECTS);
    // The inventory spans files: the same Service name in two namespaces.
    write(
        &dir,
        "deploy/svc-a.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: shop\n  labels: {owner: a}\n",
    );
    write(
        &dir,
        "deploy/svc-b.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: sandbox\n",
    );
    let output = scan_json(&dir, "deploy", "gk", &[]);
    let report = json(&output);
    let found = policy_findings(&report);
    let summary: Vec<_> = found
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2, f.3.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "K8sRequiredOwner/owner-everywhere-dryrun",
                "Service api has no owner label",
                3,
                "info"
            ),
            (
                "K8sRequiredOwner/owner-in-prod",
                "Deployment web has no owner label",
                15,
                "high"
            ),
            (
                "K8sUniqueServiceName/unique-service-names",
                "service name api is also used in namespace sandbox",
                4,
                "medium"
            ),
            (
                "K8sUniqueServiceName/unique-service-names",
                "service name api is also used in namespace shop",
                4,
                "medium"
            ),
        ],
        "{found:#?}"
    );
    // `old` is in an excluded namespace and `dev` in one without `env: prod`. The
    // violations name `metadata.labels`, which is missing: they point at `metadata`.
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        report["rules"]["K8sRequiredOwner/owner-in-prod"]["title"],
        "Required owner label"
    );

    // Scanning the whole tree, the policy files themselves are not judged as manifests.
    let output = scan_json(&dir, ".", "gk", &[]);
    let on_policies: Vec<_> = json(&output)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["path"].as_str().unwrap().starts_with("gk/"))
        .map(|f| f["rule_id"].to_string())
        .collect();
    assert!(on_policies.is_empty(), "{on_policies:?}");

    // A constraint whose template is missing is reported at the constraint.
    write(
        &dir,
        "gk/more.yaml",
        "apiVersion: constraints.gatekeeper.sh/v1beta1\nkind: K8sNothing\nmetadata:\n  name: lost\n",
    );
    let output = scan_json(&dir, "deploy", "gk", &[]);
    let report = json(&output);
    let lost: Vec<_> = findings_of(&report, "LG-005")
        .into_iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert!(lost[0].contains("K8sNothing"), "{lost:?}");
}

#[test]
fn policy_test_runs_unit_tests_like_opa_test() {
    let dir = scratch("policy-test");
    write(&dir, "policy/main.rego", CONFTEST);
    write(
        &dir,
        "policy/main_test.rego",
        "package main\n\ntest_latest_is_denied {\n  count(deny) == 2 with input as {\"kind\": \"Deployment\", \"metadata\": {}, \"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"x:latest\"}]}}}}\n}\n\ntest_owner_is_enough {\n  count(deny) == 0 with input as {\"kind\": \"Deployment\", \"metadata\": {\"labels\": {\"owner\": \"a\"}}, \"spec\": {\"template\": {\"spec\": {\"containers\": []}}}}\n}\n",
    );
    let output = lockgate(&dir, &["policy", "test", "policy", "-v"]);
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).contains("PASS: 2/2"));
    assert!(stdout(&output).contains("PASS: main.test_latest_is_denied"));

    write(
        &dir,
        "policy/broken_test.rego",
        "package main\n\ntest_wrong {\n  count(deny) == 5 with input as {\"kind\": \"Service\"}\n}\n",
    );
    let output = lockgate(&dir, &["policy", "test", "policy", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let run = json(&output);
    let outcomes: Vec<_> = run["tests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        outcomes.contains(&("test_wrong".into(), "fail".into())),
        "{outcomes:?}"
    );

    // A module that does not compile is reported; the others' tests still run.
    std::fs::remove_file(dir.join("policy/broken_test.rego")).unwrap();
    write(
        &dir,
        "policy/unsafe.rego",
        "package other\n\np { x == 1 }\n",
    );
    let output = lockgate(&dir, &["policy", "test", "policy", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let run = json(&output);
    assert_eq!(run["problems"].as_array().unwrap().len(), 1, "{run}");
    let tests = run["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2, "{run}");
    assert!(tests.iter().all(|t| t["outcome"] == "pass"), "{run}");
    std::fs::remove_file(dir.join("policy/unsafe.rego")).unwrap();

    let output = lockgate(
        &dir,
        &["policy", "test", "policy", "--run", "nothing_matches"],
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_policy_set_that_loads_nothing_still_fails_and_unknown_namespaces_are_named() {
    let dir = scratch("policy-nothing");
    write(&dir, "deploy/app.yaml", DEPLOYMENT);
    write(
        &dir,
        "broken/bad.rego",
        "package main\nimport rego.v1\ndeny contains msg if {\n  input.kind ==\n  msg := \"x\"\n}\n",
    );
    let output = lockgate(
        &dir,
        &["scan", "deploy", "--policy", "broken", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let errors: Vec<_> = findings_of(&report, "LG-005");
    assert_eq!(errors.len(), 1, "{errors:?}");

    write(&dir, "policy/main.rego", CONFTEST);
    let output = lockgate(
        &dir,
        &[
            "scan",
            "deploy",
            "--policy",
            "policy",
            "--namespace",
            "nosuch",
            "-f",
            "json",
        ],
    );
    let notices = json(&output)["notices"].to_string();
    assert!(
        notices.contains("policy namespace `nosuch`") && notices.contains("packages: main"),
        "{notices}"
    );
}
