#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Conformance against the gatekeeper-library `gator verify` suites
//! (`../shared/corpora/k8s-gatekeeper-library`), in built-in rule mode: each template kind
//! that has an equivalent built-in rule is mapped to it, the constraint's parameters are
//! translated into `[settings]` where a setting exists, and "violation expected" must equal
//! "at least one open finding of the mapped rule(s) on the object".
//!
//! Cases whose constraint expresses a policy lockgate's rules cannot (custom allowlists,
//! exempt images, value ceilings, ...) are counted as unmapped, with the reason. Every miss
//! must be explained in `docs/conformance-known-differences.md` (keys `gk:...`).

mod common;

use std::collections::BTreeMap;

use common::{
    Sel, Tally, containers, corpus_dir, images, pod_spec, read, read_jsonl, scan_text, sel,
    sel_msg, str_list, yaml_documents,
};
use serde_json::Value;

/// What a case maps to: the rules whose findings count and the `[settings]` lines.
struct Mapped {
    sels: Vec<Sel>,
    settings: String,
}

type Mapping = Result<Mapped, String>;

fn mapped(sels: Vec<Sel>) -> Mapping {
    Ok(Mapped {
        sels,
        settings: String::new(),
    })
}

/// Templates whose Rego skips UPDATE requests (`input.review.operation != "UPDATE"`).
fn ignores_update(kind: &str) -> bool {
    kind.starts_with("K8sPSP")
        || matches!(
            kind,
            "K8sRequiredProbes" | "K8sContainerEphemeralStorageLimit"
        )
}

/// gatekeeper's `exemptImages` matching: a trailing `*` is a prefix match, else exact.
fn exempt(object: &Value, params: &Value) -> bool {
    let patterns = str_list(params.get("exemptImages"));
    images(object).iter().any(|image| {
        patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => image.starts_with(prefix),
            None => image == p,
        })
    })
}

fn unless_exempt(object: &Value, params: &Value, sels: Vec<Sel>) -> Mapping {
    if exempt(object, params) {
        return Err("exemptImages matches a container image (lockgate has no image exemptions; use a waiver)".into());
    }
    mapped(sels)
}

/// Docker Hub shorthand (`openpolicyagent/`) as a trusted-registry prefix lockgate reads.
fn registry_prefix(repo: &str) -> String {
    let repo = repo.trim_end_matches('*').trim_end_matches('/');
    let first = repo.split('/').next().unwrap_or_default();
    let is_registry = first.contains('.') || first.contains(':') || first == "localhost";
    if is_registry {
        repo.to_string()
    } else {
        format!("docker.io/{repo}")
    }
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

const PSS_BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

const PSS_SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

const PSS_RESTRICTED_VOLUMES: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

fn same_set(a: &[String], b: &[&str]) -> bool {
    let mut a: Vec<&str> = a.iter().map(String::as_str).collect();
    let mut b = b.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

fn added_capabilities(object: &Value) -> Vec<String> {
    containers(object)
        .iter()
        .flat_map(|c| str_list(c.pointer("/securityContext/capabilities/add")))
        .map(|c| c.trim_start_matches("CAP_").to_ascii_uppercase())
        .collect()
}

fn host_ports(object: &Value) -> Vec<i64> {
    containers(object)
        .iter()
        .filter_map(|c| c.get("ports").and_then(Value::as_array))
        .flatten()
        .filter_map(|p| p.get("hostPort").and_then(Value::as_i64))
        .filter(|p| *p != 0)
        .collect()
}

/// Maps one case to lockgate rules, or says why it cannot be.
fn map_case(kind: &str, params: &Value, object: &Value) -> Mapping {
    match kind {
        "K8sPSPPrivilegedContainer" => unless_exempt(object, params, vec![sel("KUBE-003")]),
        "K8sPSPHostProcess" => mapped(vec![sel("KUBE-001")]),
        // The template checks hostPID and hostIPC; hostNetwork belongs to
        // K8sPSPHostNetworkingPorts.
        "K8sPSPHostNamespace" => mapped(vec![sel_msg("KUBE-002", &["hostPID", "hostIPC"])]),
        "K8sPSPHostNetworkingPorts" => {
            if exempt(object, params) {
                return Err("exemptImages matches a container image (lockgate has no image exemptions; use a waiver)".into());
            }
            let (min, max) = (
                params.get("min").and_then(Value::as_i64),
                params.get("max").and_then(Value::as_i64),
            );
            let in_range = |p: &i64| min.is_none_or(|m| *p >= m) && max.is_none_or(|m| *p <= m);
            if (min.is_some() || max.is_some()) && host_ports(object).iter().any(in_range) {
                return Err("constraint allows a hostPort range (min/max); KUBE-006 forbids every hostPort as PSS baseline does".into());
            }
            let mut sels = vec![sel("KUBE-006")];
            if params.get("hostNetwork").and_then(Value::as_bool) != Some(true) {
                sels.push(sel_msg("KUBE-002", &["hostNetwork"]));
            }
            mapped(sels)
        }
        "K8sPSPCapabilities" => {
            let allowed = str_list(params.get("allowedCapabilities"));
            let drop = str_list(params.get("requiredDropCapabilities"));
            let mut baseline_plus_net_raw: Vec<&str> = PSS_BASELINE_CAPABILITIES.to_vec();
            baseline_plus_net_raw.push("NET_RAW");
            if drop.is_empty() && same_set(&allowed, &baseline_plus_net_raw) {
                if added_capabilities(object).iter().any(|c| c == "NET_RAW") {
                    return Err("constraint's baseline list allows NET_RAW, which PSS baseline (KUBE-004) does not".into());
                }
                mapped(vec![sel("KUBE-004")])
            } else if same_set(&allowed, &["NET_BIND_SERVICE"]) && same_set(&drop, &["ALL"]) {
                mapped(vec![sel("KUBE-017"), sel("KUBE-018")])
            } else {
                Err("custom allowed/required-drop capability lists".into())
            }
        }
        "K8sPSPAllowPrivilegeEscalationContainer" => {
            unless_exempt(object, params, vec![sel("KUBE-013")])
        }
        "K8sPSPAllowedUsers" => {
            let user_rule = params.pointer("/runAsUser/rule").and_then(Value::as_str);
            let others_any = ["runAsGroup", "supplementalGroups", "fsGroup"].iter().all(|k| {
                params
                    .get(*k)
                    .is_none_or(|v| v.get("rule").and_then(Value::as_str) == Some("RunAsAny"))
            });
            if user_rule == Some("MustRunAsNonRoot") && others_any {
                unless_exempt(object, params, vec![sel("KUBE-014"), sel("KUBE-015")])
            } else {
                Err("user/group ranges other than MustRunAsNonRoot".into())
            }
        }
        "K8sPSPSeccompV2" => {
            let allowed = str_list(params.get("allowedProfiles"));
            let files = str_list(params.get("allowedLocalhostFiles"));
            if !files.is_empty() && files != ["*"] {
                return Err("restricted list of Localhost profile files".into());
            }
            if same_set(&allowed, &["RuntimeDefault", "Localhost", "not configured"]) {
                unless_exempt(object, params, vec![sel("KUBE-010")])
            } else if same_set(&allowed, &["RuntimeDefault", "Localhost"]) {
                unless_exempt(object, params, vec![sel("KUBE-016")])
            } else {
                Err("custom allowed seccomp profiles".into())
            }
        }
        "K8sPSPSeccomp" => {
            // Legacy template: profiles named as in the old annotations.
            let allowed = str_list(params.get("allowedProfiles"));
            let localhost_any = allowed.iter().any(|p| p == "localhost/*");
            let runtime = allowed.iter().any(|p| p == "runtime/default" || p == "docker/default");
            let uses_localhost = object.to_string().contains("ocalhost");
            if !runtime || allowed.iter().any(|p| p == "*" || p == "unconfined") {
                Err("custom allowed seccomp profiles".into())
            } else if uses_localhost && !localhost_any {
                Err("constraint allows only specific Localhost profile files".into())
            } else {
                unless_exempt(object, params, vec![sel("KUBE-016")])
            }
        }
        "K8sPSPAppArmor" => {
            let allowed = str_list(params.get("allowedProfiles"));
            if same_set(&allowed, &["runtime/default", "localhost/*"]) {
                unless_exempt(object, params, vec![sel("KUBE-007")])
            } else {
                Err("custom allowed AppArmor profiles".into())
            }
        }
        "K8sPSPSELinuxV2" => {
            let options = params
                .get("allowedSELinuxOptions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let types: Vec<String> = options
                .iter()
                .filter_map(|o| o.get("type").and_then(Value::as_str).map(str::to_string))
                .collect();
            let only_types = options.iter().all(|o| o.as_object().is_some_and(|m| m.len() == 1));
            if only_types
                && same_set(
                    &types,
                    &["container_t", "container_init_t", "container_kvm_t", "container_engine_t"],
                )
            {
                unless_exempt(object, params, vec![sel("KUBE-008")])
            } else {
                Err("custom allowed SELinux options".into())
            }
        }
        "K8sPSPProcMount" => match params.get("procMount").and_then(Value::as_str) {
            Some("Default") | None => unless_exempt(object, params, vec![sel("KUBE-009")]),
            _ => Err("constraint allows Unmasked /proc".into()),
        },
        "K8sPSPForbiddenSysctls" => {
            let forbidden = str_list(params.get("forbiddenSysctls"));
            let allowed = str_list(params.get("allowedSysctls"));
            if forbidden.is_empty() && same_set(&allowed, PSS_SAFE_SYSCTLS) {
                mapped(vec![sel("KUBE-011")])
            } else {
                Err("custom forbidden/allowed sysctl lists".into())
            }
        }
        "K8sPSPHostFilesystem" => {
            let prefixes: Vec<String> = params
                .get("allowedHostPaths")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.get("pathPrefix").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let paths: Vec<&str> = pod_spec(object)
                .and_then(|s| s.get("volumes"))
                .and_then(Value::as_array)
                .map(|v| {
                    v.iter()
                        .filter_map(|vol| vol.pointer("/hostPath/path").and_then(Value::as_str))
                        .collect()
                })
                .unwrap_or_default();
            let allowed_path = |path: &&str| {
                prefixes.iter().any(|p| {
                    path.strip_prefix(p.trim_end_matches('/'))
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                })
            };
            if paths.iter().any(allowed_path) {
                Err("constraint allows hostPath prefixes; KUBE-005 forbids every hostPath as PSS baseline does".into())
            } else {
                mapped(vec![sel("KUBE-005")])
            }
        }
        "K8sPSPHostProbesLifecycle" => mapped(vec![sel("KUBE-019")]),
        "K8sPSPVolumeTypes" => {
            let volumes = str_list(params.get("volumes"));
            if same_set(&volumes, PSS_RESTRICTED_VOLUMES) {
                mapped(vec![sel("KUBE-012")])
            } else {
                Err("custom allowed volume types".into())
            }
        }
        "K8sPSPReadOnlyRootFilesystem" => unless_exempt(object, params, vec![sel("KUBE-020")]),
        "K8sPSPAutomountServiceAccountTokenPod" => mapped(vec![sel("KUBE-024")]),
        "K8sRequiredLabels" => {
            let labels = params
                .get("labels")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let keys: Vec<String> = labels
                .iter()
                .filter_map(|l| l.get("key").and_then(Value::as_str).map(str::to_string))
                .collect();
            let object_labels = object.pointer("/metadata/labels");
            let regex_on_present = labels.iter().any(|l| {
                l.get("allowedRegex").is_some()
                    && l.get("key")
                        .and_then(Value::as_str)
                        .is_some_and(|k| object_labels.and_then(|m| m.get(k)).is_some())
            });
            if keys.is_empty() {
                Err("constraint requires no label".into())
            } else if regex_on_present {
                Err("constraint validates label values (allowedRegex); KUBE-031 checks presence only".into())
            } else {
                Ok(Mapped {
                    sels: vec![sel("KUBE-031")],
                    settings: format!("required-labels = {}", toml_list(&keys)),
                })
            }
        }
        "K8sReplicaLimits" => {
            let ranges = params
                .get("ranges")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            match ranges.as_slice() {
                [range] => {
                    let mut settings = String::new();
                    if let Some(min) = range.get("min_replicas").and_then(Value::as_i64) {
                        settings.push_str(&format!("min-replicas = {min}\n"));
                    }
                    if let Some(max) = range.get("max_replicas").and_then(Value::as_i64) {
                        settings.push_str(&format!("max-replicas = {max}\n"));
                    }
                    Ok(Mapped {
                        sels: vec![sel("KUBE-032")],
                        settings,
                    })
                }
                _ => Err("several replica ranges".into()),
            }
        }
        "K8sContainerLimits" | "K8sContainerRequests" => Err(
            "constraint sets maximum quantities; KUBE-021/KUBE-022 only require the values to be set"
                .into(),
        ),
        "K8sRequiredResources" => {
            let limits = str_list(params.get("limits"));
            let requests = str_list(params.get("requests"));
            let mut sels = Vec::new();
            match (limits.iter().any(|l| l == "cpu"), limits.iter().any(|l| l == "memory")) {
                (true, true) => sels.push(sel("KUBE-022")),
                (true, false) => sels.push(sel_msg("KUBE-022", &["cpu"])),
                (false, true) => sels.push(sel_msg("KUBE-022", &["memory"])),
                (false, false) => {}
            }
            match (
                requests.iter().any(|l| l == "cpu"),
                requests.iter().any(|l| l == "memory"),
            ) {
                (true, true) => sels.push(sel("KUBE-021")),
                (true, false) => sels.push(sel_msg("KUBE-021", &["cpu"])),
                (false, true) => sels.push(sel_msg("KUBE-021", &["memory"])),
                (false, false) => {}
            }
            if sels.is_empty() {
                Err("constraint enforces nothing (no required limits or requests)".into())
            } else {
                mapped(sels)
            }
        }
        "K8sRequiredProbes" => {
            let probes = str_list(params.get("probes"));
            let mut sels = Vec::new();
            if probes.iter().any(|p| p == "livenessProbe") {
                sels.push(sel("KUBE-029"));
            }
            if probes.iter().any(|p| p == "readinessProbe") {
                sels.push(sel("KUBE-030"));
            }
            if sels.is_empty() {
                Err("constraint requires no liveness or readiness probe".into())
            } else {
                mapped(sels)
            }
        }
        "K8sDisallowedTags" => {
            if str_list(params.get("tags")) != ["latest"] {
                Err("custom disallowed tags".into())
            } else {
                unless_exempt(object, params, vec![sel("KUBE-026")])
            }
        }
        "K8sImageDigests" => unless_exempt(object, params, vec![sel("KUBE-027")]),
        "K8sAllowedRepos" => {
            let repos = str_list(params.get("repos"));
            let prefixes: Vec<String> = repos.iter().map(|r| registry_prefix(r)).collect();
            Ok(Mapped {
                sels: vec![sel("KUBE-028")],
                settings: format!("trusted-registries = {}", toml_list(&prefixes)),
            })
        }
        "K8sAllowedReposv2" => {
            let allowed = str_list(params.get("allowedImages"));
            let (globs, exact): (Vec<String>, Vec<String>) =
                allowed.into_iter().partition(|a| a.ends_with("/*"));
            let touches_exact = images(object).iter().any(|image| {
                exact.iter().any(|e| {
                    let repo = e.split(':').next().unwrap_or(e);
                    image.starts_with(repo)
                })
            });
            if touches_exact {
                return Err("constraint allows exact image references; trusted-registries are path prefixes".into());
            }
            let prefixes: Vec<String> = globs.iter().map(|g| registry_prefix(g)).collect();
            Ok(Mapped {
                sels: vec![sel("KUBE-028")],
                settings: format!("trusted-registries = {}", toml_list(&prefixes)),
            })
        }
        "K8sBlockNodePort" => mapped(vec![sel("KUBE-050")]),
        "K8sBlockLoadBalancer" => mapped(vec![sel("KUBE-051")]),
        "K8sHttpsOnly" => {
            if params.get("tlsOptional").and_then(Value::as_bool) == Some(true) {
                Err("tlsOptional: lockgate's KUBE-052 always requires TLS".into())
            } else {
                mapped(vec![sel("KUBE-052")])
            }
        }
        other => Err(format!("no equivalent built-in rule ({other})")),
    }
}

/// Whether the constraint's `spec.match` selects the object (kinds and namespaces).
fn in_scope(constraint: &Value, object: &Value) -> bool {
    let Some(matcher) = constraint.pointer("/spec/match") else {
        return true;
    };
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(kinds) = matcher.get("kinds").and_then(Value::as_array) {
        let listed = kinds.iter().any(|k| {
            str_list(k.get("kinds"))
                .iter()
                .any(|listed| listed == kind || listed == "*")
        });
        if !listed {
            return false;
        }
    }
    let namespace = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str);
    if let Some(ns) = namespace {
        let included = str_list(matcher.get("namespaces"));
        if !included.is_empty() && !included.iter().any(|i| i == ns) {
            return false;
        }
        if str_list(matcher.get("excludedNamespaces"))
            .iter()
            .any(|e| e == ns)
        {
            return false;
        }
    }
    true
}

#[test]
fn gatekeeper_library_conformance() {
    let root = corpus_dir("k8s-gatekeeper-library");
    let rows = read_jsonl(&root.join("cases.jsonl"));
    assert!(rows.len() > 200, "cases.jsonl looks truncated");
    let mut tally = Tally::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for row in &rows {
        let field = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default();
        let kind = field("template_kind");
        let suite_dir = field("suite").trim_end_matches("/suite.yaml");
        let mut key = format!("gk:{suite_dir}/{}/{}", field("test"), field("case"));
        let n = seen.entry(key.clone()).or_default();
        *n += 1;
        if *n > 1 {
            key = format!("{key}#{n}");
        }
        let expected = match field("expected") {
            "violation" => true,
            "no-violation" => false,
            other => panic!("{key}: unknown expectation {other}"),
        };
        if row
            .get("inventory")
            .and_then(Value::as_array)
            .is_some_and(|i| !i.is_empty())
        {
            tally.unmapped(&key, "needs cluster inventory (referential template)");
            continue;
        }
        let constraint = yaml_documents(&read(&root.join(field("constraint"))))
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{key}: empty constraint"));
        let params = constraint
            .pointer("/spec/parameters")
            .cloned()
            .unwrap_or(Value::Null);
        let documents = yaml_documents(&read(&root.join(field("object"))));
        let mut object = documents
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{key}: empty object"));
        if object.get("kind").and_then(Value::as_str) == Some("AdmissionReview") {
            let operation = object
                .pointer("/request/operation")
                .and_then(Value::as_str)
                .unwrap_or("CREATE")
                .to_string();
            object = object
                .pointer("/request/object")
                .cloned()
                .unwrap_or(Value::Null);
            if operation == "UPDATE" && ignores_update(kind) {
                tally.unmapped(
                    &key,
                    "UPDATE admission request, which the template ignores (nothing for a manifest scanner to decide)",
                );
                continue;
            }
        }
        let Ok(mapping) = map_case(kind, &params, &object) else {
            let reason = map_case(kind, &params, &object).err().unwrap_or_default();
            tally.unmapped(&key, reason);
            continue;
        };
        if !in_scope(&constraint, &object) {
            tally.unmapped(
                &key,
                "object outside the constraint's match scope (kinds/namespaces)",
            );
            continue;
        }
        let text = serde_json::to_string_pretty(&object).unwrap();
        let findings = scan_text(&text, &mapping.settings);
        let on_object: Vec<&lockgate_model::Finding> = findings.iter().collect();
        tally.compare(&key, kind, &mapping.sels, expected, &on_object);
    }
    tally.finish("gatekeeper-library (built-in rule mode)", "gk:");
}
