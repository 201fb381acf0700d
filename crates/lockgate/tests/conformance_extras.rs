#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Conformance against the Kubernetes examples of trivy-checks and checkov
//! (`../shared/corpora/k8s-extras`), for the upstream checks that have an equivalent
//! built-in rule. A case fails upstream ⇔ at least one open finding of the mapped rule(s)
//! (narrowed by message where the lockgate rule is broader, e.g. KUBE-002 covers three host
//! namespaces). Every miss must be explained in `docs/conformance-known-differences.md`
//! (keys `trivy:...` and `checkov:...`).

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{
    Sel, Tally, corpus_dir, findings_on, read, read_jsonl, scan_text, sel, sel_msg, str_list,
};
use lockgate_model::Finding;
use serde_json::Value;

/// trivy-checks KSV ids → lockgate rules. Each mapping was checked against the check's
/// title and its good/bad examples; ids left out are listed with the reason.
fn trivy_mapping(check: &str) -> Result<Vec<Sel>, &'static str> {
    Ok(match check {
        "KSV-0001" => vec![sel("KUBE-013")],
        "KSV-0002" => vec![sel("KUBE-007")],
        "KSV-0003" => vec![sel("KUBE-017")],
        "KSV-0005" => vec![sel_msg("KUBE-004", &["SYS_ADMIN"])],
        "KSV-0006" => vec![sel_msg("KUBE-005", &["docker.sock"])],
        "KSV-0008" => vec![sel_msg("KUBE-002", &["hostIPC"])],
        "KSV-0009" => vec![sel_msg("KUBE-002", &["hostNetwork"])],
        "KSV-0010" => vec![sel_msg("KUBE-002", &["hostPID"])],
        "KSV-0011" => vec![sel_msg("KUBE-022", &["cpu"])],
        "KSV-0012" => vec![sel("KUBE-014")],
        "KSV-0013" => vec![sel("KUBE-026")],
        "KSV-0014" => vec![sel("KUBE-020")],
        "KSV-0015" => vec![sel_msg("KUBE-021", &["cpu"])],
        "KSV-0016" => vec![sel_msg("KUBE-021", &["memory"])],
        "KSV-0017" => vec![sel("KUBE-003")],
        "KSV-0018" => vec![sel_msg("KUBE-022", &["memory"])],
        "KSV-0023" => vec![sel("KUBE-005")],
        "KSV-0024" => vec![sel("KUBE-006")],
        "KSV-0025" => vec![sel("KUBE-008")],
        "KSV-0026" => vec![sel("KUBE-011")],
        "KSV-0027" => vec![sel("KUBE-009")],
        "KSV-0028" => vec![sel("KUBE-012")],
        "KSV-0030" => vec![sel("KUBE-016")],
        "KSV-0109" => vec![sel("KUBE-041")],
        "KSV-0020" | "KSV-0021" => return Err("no equivalent rule: UID/GID above 10000"),
        "KSV-0022" => {
            return Err(
                "not equivalent: KSV-0022 flags every added capability, NET_BIND_SERVICE included; KUBE-004/KUBE-018 allow it as PSS does",
            );
        }
        "KSV-0036" => {
            return Err(
                "not equivalent: KSV-0036 flags only an explicit token mount; KUBE-024 also flags the implicit default",
            );
        }
        "KSV-0037" => return Err("no equivalent rule: user resources in kube-system"),
        "KSV-0038" => return Err("no equivalent rule: NetworkPolicy selector usage"),
        "KSV-0102" => return Err("no equivalent rule: Tiller deployed"),
        "KCV-0093" => return Err("no equivalent rule: ingress-nginx annotation injection"),
        _ => return Err("no equivalent rule"),
    })
}

#[test]
fn trivy_checks_kubernetes_conformance() {
    let root = corpus_dir("k8s-extras/k8s-trivy-checks");
    let rows = read_jsonl(&root.join("cases.jsonl"));
    assert!(rows.len() > 50, "cases.jsonl looks truncated");
    let mut tally = Tally::default();
    for row in &rows {
        let field = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default();
        let (check, file) = (field("check_id"), field("file"));
        let key = format!("trivy:{file}");
        let expected = match field("expected") {
            "fail" => true,
            "pass" => false,
            other => panic!("{key}: unknown expectation {other}"),
        };
        let sels = match trivy_mapping(check) {
            Ok(sels) => sels,
            Err(reason) => {
                tally.unmapped(&key, format!("{check}: {reason}"));
                continue;
            }
        };
        let findings = scan_text(&read(&root.join(file)), "");
        let all: Vec<&Finding> = findings.iter().collect();
        tally.compare(
            &key,
            &format!("{check} {}", field("title")),
            &sels,
            expected,
            &all,
        );
    }
    tally.finish("trivy-checks (Kubernetes)", "trivy:");
}

/// checkov CKV_K8S ids → lockgate rules, checked against the check names and examples.
fn checkov_mapping(check: &str) -> Result<Vec<Sel>, &'static str> {
    Ok(match check {
        "CKV_K8S_8" => vec![sel("KUBE-029")],
        "CKV_K8S_9" => vec![sel("KUBE-030")],
        "CKV_K8S_10" => vec![sel_msg("KUBE-021", &["cpu"])],
        "CKV_K8S_11" => vec![sel_msg("KUBE-022", &["cpu"])],
        "CKV_K8S_12" => vec![sel_msg("KUBE-021", &["memory"])],
        "CKV_K8S_13" => vec![sel_msg("KUBE-022", &["memory"])],
        "CKV_K8S_14" => vec![sel("KUBE-026")],
        "CKV_K8S_16" => vec![sel("KUBE-003")],
        "CKV_K8S_17" => vec![sel_msg("KUBE-002", &["hostPID"])],
        "CKV_K8S_18" => vec![sel_msg("KUBE-002", &["hostIPC"])],
        "CKV_K8S_19" => vec![sel_msg("KUBE-002", &["hostNetwork"])],
        "CKV_K8S_20" => vec![sel("KUBE-013")],
        "CKV_K8S_21" => vec![sel("KUBE-025")],
        "CKV_K8S_22" => vec![sel("KUBE-020")],
        "CKV_K8S_26" => vec![sel("KUBE-006")],
        "CKV_K8S_27" => vec![sel_msg("KUBE-005", &["docker.sock"])],
        "CKV_K8S_31" => vec![sel("KUBE-016")],
        "CKV_K8S_38" => vec![sel("KUBE-024")],
        "CKV_K8S_39" => vec![sel_msg("KUBE-004", &["SYS_ADMIN"])],
        "CKV_K8S_43" => vec![sel("KUBE-027")],
        "CKV_K8S_1" | "CKV_K8S_2" | "CKV_K8S_3" | "CKV_K8S_4" | "CKV_K8S_5" | "CKV_K8S_6"
        | "CKV_K8S_7" | "CKV_K8S_24" | "CKV_K8S_32" | "CKV_K8S_36" => {
            return Err("PodSecurityPolicy objects (removed in Kubernetes 1.25; no rule)");
        }
        "CKV_K8S_15" => return Err("no equivalent rule: imagePullPolicy Always"),
        "CKV_K8S_23" => {
            return Err(
                "not equivalent: checkov accepts runAsUser != 0 without runAsNonRoot; KUBE-014 requires runAsNonRoot: true as PSS restricted does",
            );
        }
        "CKV_K8S_25" | "CKV_K8S_37" => {
            return Err(
                "not equivalent or not separable: CKV_K8S_25 flags every added capability; CKV_K8S_37 shares its example files with CKV_K8S_28, whose outcome the file names give",
            );
        }
        "CKV_K8S_28" => {
            return Err(
                "not equivalent: CKV_K8S_28 accepts dropping NET_RAW alone; KUBE-017 requires drop ALL",
            );
        }
        "CKV_K8S_29" | "CKV_K8S_30" => {
            return Err("no equivalent rule: a securityContext merely present");
        }
        "CKV_K8S_35" => {
            return Err(
                "not equivalent: CKV_K8S_35 flags secretKeyRef env vars; KUBE-040 flags literal credentials",
            );
        }
        "CKV_K8S_40" => return Err("no equivalent rule: UID above 10000"),
        "CKV_K8S_41" | "CKV_K8S_42" => {
            return Err(
                "not equivalent: checks the default ServiceAccount object and its bindings; KUBE-023 checks pods using it",
            );
        }
        _ => return Err("no equivalent rule (control plane, RBAC, Tiller, ingress or other)"),
    })
}

/// `Kind.namespace.name` as checkov names resources.
fn parse_resource(resource: &str) -> (String, String, String) {
    let mut parts = resource.splitn(3, '.');
    let kind = parts.next().unwrap_or_default().to_string();
    let namespace = parts.next().unwrap_or_default().to_string();
    let name = parts.next().unwrap_or_default().to_string();
    (kind, namespace, name)
}

#[test]
fn checkov_kubernetes_conformance() {
    let root = corpus_dir("k8s-extras/k8s-checkov");
    let tests = read_jsonl(&root.join("tests.jsonl"));
    let files = read_jsonl(&root.join("files.jsonl"));
    assert!(
        tests.len() > 90 && files.len() > 250,
        "checkov corpus looks truncated"
    );
    let mut tally = Tally::default();
    let mut scans: BTreeMap<String, Vec<Finding>> = BTreeMap::new();
    let mut scan_file = |file: &str| -> Vec<Finding> {
        scans
            .entry(file.to_string())
            .or_insert_with(|| scan_text(&read(&root.join(file)), ""))
            .clone()
    };
    let check_names: BTreeMap<String, String> = tests
        .iter()
        .map(|t| {
            let f = |k: &str| {
                t.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            (f("check_id"), f("check_name"))
        })
        .collect();
    let group = |check: &str| {
        format!(
            "{check} {}",
            check_names.get(check).cloned().unwrap_or_default()
        )
    };

    // Checks whose upstream test names the passing and failing resources: judge each
    // resource on its own.
    let mut by_resource: BTreeSet<(String, String)> = BTreeSet::new();
    for test in &tests {
        let check = test
            .get("check_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let passed = str_list(test.get("expected_passed_resources"));
        let failed = str_list(test.get("expected_failed_resources"));
        if passed.is_empty() && failed.is_empty() {
            continue;
        }
        let Ok(sels) = checkov_mapping(check) else {
            continue;
        };
        let dirs = str_list(test.get("example_dirs"));
        let dir_files: Vec<String> = files
            .iter()
            .filter_map(|f| f.get("file").and_then(Value::as_str))
            .filter(|f| dirs.iter().any(|d| f.starts_with(&format!("{d}/"))))
            .map(str::to_string)
            .collect();
        let findings: Vec<Finding> = dir_files.iter().flat_map(|f| scan_file(f)).collect();
        for dir in &dirs {
            by_resource.insert((check.to_string(), dir.clone()));
        }
        for (resource, expected) in passed
            .iter()
            .map(|r| (r, false))
            .chain(failed.iter().map(|r| (r, true)))
        {
            let (kind, namespace, name) = parse_resource(resource);
            let key = format!("checkov:{check}:{}:{resource}", dirs.join(","));
            let on_object = findings_on(&findings, &kind, Some(&namespace), &name);
            tally.compare(&key, &group(check), &sels, expected, &on_object);
        }
    }

    // Otherwise the file name gives the outcome for the whole file (any resource failing).
    for row in &files {
        let file = row.get("file").and_then(Value::as_str).unwrap_or_default();
        let dir = file.split('/').next().unwrap_or_default();
        let outcome = row
            .get("expected_by_filename")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for check in str_list(row.get("check_ids")) {
            if by_resource.contains(&(check.clone(), dir.to_string())) {
                continue;
            }
            let key = format!("checkov:{check}:{file}");
            let sels = match checkov_mapping(&check) {
                Ok(sels) => sels,
                Err(reason) => {
                    tally.unmapped(&key, format!("{check}: {reason}"));
                    continue;
                }
            };
            if dir == "example_Suppressed" {
                tally.unmapped(
                    &key,
                    "checkov's own skip annotations (lockgate suppresses with lockgate.dev/ignore)",
                );
                continue;
            }
            let expected = match outcome {
                "fail" => true,
                "pass" => false,
                _ => {
                    tally.unmapped(
                        &key,
                        "no per-file expectation (UNKNOWN or see-test-summary file name)",
                    );
                    continue;
                }
            };
            let findings = scan_file(file);
            let all: Vec<&Finding> = findings.iter().collect();
            tally.compare(&key, &group(&check), &sels, expected, &all);
        }
    }
    tally.finish("checkov (Kubernetes)", "checkov:");
}
