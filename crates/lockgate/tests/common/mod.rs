//! Shared pieces of the conformance harnesses: locating `../shared/corpora`, reading YAML
//! into JSON values, scanning one text with lockgate's engine, tallying cases and checking
//! misses against `docs/conformance-known-differences.md`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use lockgate_engine::{Config, Date, Input, ScanOptions, Scanners, scan};
use lockgate_model::Finding;
use lockgate_syntax::{Limits, Node, Value as YamlValue, parse_stream};
use serde_json::{Map, Value};

/// `shared/corpora/<name>` beside the repository. A missing corpus fails the test: a
/// conformance suite that silently skips would let the pass rate rot unnoticed.
pub fn corpus_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpora"
    ))
    .join(name);
    assert!(
        dir.is_dir(),
        "conformance corpus `{}` is missing: clone the shared corpora beside the repository \
         (expected at {})",
        name,
        dir.display()
    );
    dir
}

/// The checked-in list of known differences.
pub fn known_differences_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/conformance-known-differences.md"
    ))
}

pub fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Reads JSON Lines.
pub fn read_jsonl(path: &std::path::Path) -> Vec<Value> {
    read(path)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// Every document of a YAML (or JSON) stream, as JSON values.
pub fn yaml_documents(text: &str) -> Vec<Value> {
    let stream = parse_stream(text, Limits::default());
    stream.documents.iter().map(to_json).collect()
}

pub fn to_json(node: &Node) -> Value {
    match &node.value {
        YamlValue::Null => Value::Null,
        YamlValue::Bool(b) => Value::Bool(*b),
        YamlValue::Int(i) => Value::from(*i),
        YamlValue::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
        YamlValue::Str(s) => Value::String(s.to_string()),
        YamlValue::Seq(items) => Value::Array(items.iter().map(to_json).collect()),
        YamlValue::Map(map) => {
            let mut out = Map::new();
            for (k, v) in &map.entries {
                let key = k.scalar_text().unwrap_or_default();
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
    }
}

/// Scans `text` (one or more manifests) with the `prod` profile plus `settings_toml`
/// (lines for `[settings]`) and returns every finding.
pub fn scan_text(text: &str, settings_toml: &str) -> Vec<Finding> {
    let toml = format!("profile = \"prod\"\n[settings]\n{settings_toml}\n");
    let config = Config::parse(&toml, None).unwrap_or_else(|e| panic!("config {toml}: {e}"));
    let effective = config
        .resolve(Some("prod"), None)
        .unwrap_or_else(|e| panic!("resolve: {e}"));
    let report = scan(&ScanOptions {
        inputs: vec![Input::Stdin(text.to_string())],
        config,
        effective,
        baseline: None,
        today: Date::today(),
        render: false,
        progress: None,
        scanners: Scanners {
            manifests: true,
            dockerfiles: false,
            secrets: false,
            vulns: false,
        },
        history: None,
        vulns: lockgate_engine::VulnOptions::default(),
    })
    .unwrap();
    report.findings
}

/// Which findings count for a mapped check: a rule, and optionally substrings one of
/// which the message must contain (to narrow a broader rule to the upstream check).
#[derive(Debug, Clone)]
pub struct Sel {
    pub rule: &'static str,
    pub message_any: Vec<&'static str>,
}

pub fn sel(rule: &'static str) -> Sel {
    Sel {
        rule,
        message_any: Vec::new(),
    }
}

pub fn sel_msg(rule: &'static str, message_any: &[&'static str]) -> Sel {
    Sel {
        rule,
        message_any: message_any.to_vec(),
    }
}

impl Sel {
    pub fn matches(&self, finding: &Finding) -> bool {
        finding.status.is_open()
            && finding.rule_id == self.rule
            && (self.message_any.is_empty()
                || self.message_any.iter().any(|m| finding.message.contains(m)))
    }

    pub fn describe(&self) -> String {
        if self.message_any.is_empty() {
            self.rule.to_string()
        } else {
            format!("{}[{}]", self.rule, self.message_any.join("|"))
        }
    }
}

pub fn describe_sels(sels: &[Sel]) -> String {
    sels.iter().map(Sel::describe).collect::<Vec<_>>().join("+")
}

/// Findings that count for `sels`.
pub fn matching<'a>(findings: &'a [&'a Finding], sels: &[Sel]) -> Vec<&'a Finding> {
    findings
        .iter()
        .copied()
        .filter(|f| sels.iter().any(|s| s.matches(f)))
        .collect()
}

/// One case that was compared.
pub struct Miss {
    pub key: String,
    pub group: String,
    pub mapping: String,
    pub expected: bool,
    pub got: &'static str,
    pub messages: Vec<String>,
}

/// Counts per group (template or check), misses and unmapped cases.
#[derive(Default)]
pub struct Tally {
    /// group → (passed, mapped)
    pub groups: BTreeMap<String, (usize, usize)>,
    pub misses: Vec<Miss>,
    /// reason → case keys
    pub unmapped: BTreeMap<String, Vec<String>>,
    /// Compared cases whose input lockgate could not parse (LG-001): shown, since a parse
    /// error silently turns into "no violation".
    pub parse_errors: Vec<String>,
}

impl Tally {
    pub fn unmapped(&mut self, key: &str, reason: impl Into<String>) {
        self.unmapped
            .entry(reason.into())
            .or_default()
            .push(key.to_string());
    }

    /// Records a compared case. `findings` are the object's findings (all rules), used to
    /// explain a miss.
    pub fn compare(
        &mut self,
        key: &str,
        group: &str,
        sels: &[Sel],
        expected_violation: bool,
        findings: &[&Finding],
    ) {
        if findings.iter().any(|f| f.rule_id == "LG-001") {
            self.parse_errors.push(key.to_string());
        }
        let hits = matching(findings, sels);
        let got = !hits.is_empty();
        // A clean result from input lockgate could not parse is not a pass.
        let unparsed_clean = !got && findings.iter().any(|f| f.rule_id == "LG-001");
        let entry = self.groups.entry(group.to_string()).or_default();
        entry.1 += 1;
        if got == expected_violation && !unparsed_clean {
            entry.0 += 1;
            return;
        }
        let mut messages: Vec<String> = if got {
            hits.iter()
                .map(|f| format!("{}: {}", f.rule_id, f.message))
                .collect()
        } else {
            findings
                .iter()
                .filter(|f| sels.iter().any(|s| s.rule == f.rule_id) || f.rule_id == "LG-001")
                .map(|f| format!("{} (filtered out or not counted): {}", f.rule_id, f.message))
                .collect()
        };
        if unparsed_clean && !expected_violation {
            messages.insert(
                0,
                "no finding, but only because lockgate could not parse (part of) the input".into(),
            );
        }
        if messages.is_empty() {
            messages.push("no finding of the mapped rule(s)".into());
        }
        self.misses.push(Miss {
            key: key.to_string(),
            group: group.to_string(),
            mapping: describe_sels(sels),
            expected: expected_violation,
            got: if got {
                "violation"
            } else if unparsed_clean {
                "a parse error"
            } else {
                "none"
            },
            messages,
        });
    }

    /// Prints the summary and asserts the pass rate and the known-differences file.
    pub fn finish(&self, suite: &str, key_prefix: &str) {
        let mapped: usize = self.groups.values().map(|(_, m)| m).sum();
        let passed: usize = self.groups.values().map(|(p, _)| p).sum();
        let unmapped: usize = self.unmapped.values().map(Vec::len).sum();
        let rate = if mapped == 0 {
            0.0
        } else {
            100.0 * passed as f64 / mapped as f64
        };
        let mut out = String::new();
        let _ = writeln!(out, "\n=== conformance: {suite} ===");
        let _ = writeln!(out, "per group (passed/mapped):");
        for (group, (p, m)) in &self.groups {
            let _ = writeln!(out, "  {group:<48} {p:>3}/{m:<3}");
        }
        let _ = writeln!(out, "unmapped cases: {unmapped}");
        for (reason, keys) in &self.unmapped {
            let _ = writeln!(out, "  {:>3} × {reason}", keys.len());
            if std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
                for key in keys {
                    let _ = writeln!(out, "        {key}");
                }
            }
        }
        let _ = writeln!(
            out,
            "compared cases with parse errors (LG-001): {} {:?}",
            self.parse_errors.len(),
            self.parse_errors
        );
        let _ = writeln!(out, "misses: {}", self.misses.len());
        for miss in &self.misses {
            let _ = writeln!(
                out,
                "  MISS {} [{} → {}] expected {}, got {}",
                miss.key,
                miss.group,
                miss.mapping,
                if miss.expected {
                    "violation"
                } else {
                    "no violation"
                },
                miss.got,
            );
            for message in &miss.messages {
                let _ = writeln!(out, "       - {message}");
            }
        }
        let _ = writeln!(
            out,
            "pass rate: {passed}/{mapped} mapped cases = {rate:.1}% ({unmapped} unmapped)"
        );
        println!("{out}");

        assert!(mapped > 0, "{suite}: no case was mapped");
        let known = known_differences(key_prefix);
        let missed: BTreeSet<String> = self.misses.iter().map(|m| m.key.clone()).collect();
        let unlisted: Vec<&String> = missed.difference(&known).collect();
        let stale: Vec<&String> = known.difference(&missed).collect();
        assert!(
            unlisted.is_empty(),
            "{suite}: misses not explained in docs/conformance-known-differences.md: {unlisted:#?}"
        );
        assert!(
            stale.is_empty(),
            "{suite}: docs/conformance-known-differences.md lists cases that no longer miss \
             (remove them): {stale:#?}"
        );
        assert!(
            rate >= 95.0,
            "{suite}: pass rate {rate:.1}% is below the 95% target"
        );
    }
}

/// Case keys listed in the known-differences file with the given prefix: every list item
/// whose first backquoted token starts with `prefix`.
pub fn known_differences(prefix: &str) -> BTreeSet<String> {
    let text = read(&known_differences_path());
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix("- `"))
        .filter_map(|rest| rest.split('`').next())
        .filter(|key| key.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

/// The pod spec of a workload object (Pod, the template of a controller, a CronJob's job
/// template).
pub fn pod_spec(object: &Value) -> Option<&Value> {
    let spec = object.get("spec")?;
    match object.get("kind").and_then(Value::as_str)? {
        "Pod" => Some(spec),
        "CronJob" => spec.pointer("/jobTemplate/spec/template/spec"),
        _ => spec.pointer("/template/spec"),
    }
}

/// Every container (regular, init, ephemeral) of a workload object.
pub fn containers(object: &Value) -> Vec<&Value> {
    let Some(spec) = pod_spec(object) else {
        return Vec::new();
    };
    ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .filter_map(|k| spec.get(*k).and_then(Value::as_array))
        .flatten()
        .collect()
}

pub fn images(object: &Value) -> Vec<&str> {
    containers(object)
        .iter()
        .filter_map(|c| c.get("image").and_then(Value::as_str))
        .collect()
}

pub fn str_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Findings that belong to the object `Kind/namespace/name` (namespace `None` matches any).
pub fn findings_on<'a>(
    findings: &'a [Finding],
    kind: &str,
    namespace: Option<&str>,
    name: &str,
) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| {
            f.object.as_ref().is_some_and(|o| {
                o.kind == kind
                    && o.name.as_deref() == Some(name)
                    && namespace.is_none_or(|ns| o.namespace.as_deref().unwrap_or("default") == ns)
            })
        })
        .collect()
}
