//! The registry's promises: every rule has a unique stable ID, a kebab-case name, docs
//! with the fixed sections, framework mappings, and a fixture file in which every
//! object named `bad-*` makes the rule fire and every `good-*` object does not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::PathBuf;

use lockgate_kube::objects_from_document;
use lockgate_rules::{Check, Context, Settings, Sink, docker_rules, engine_rules, rules};
use lockgate_syntax::{Limits, parse_stream};

const DOC_SECTIONS: &[&str] = &[
    "## What it checks",
    "## Why it matters",
    "## Example",
    "## Fix",
    "## References",
];

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn fixture_settings() -> Settings {
    let text = std::fs::read_to_string(fixture_dir().join("settings.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

/// Tallies fixture verdicts: every `bad-*` case must make the rule fire, no `good-*` one.
#[derive(Default)]
struct Verdicts {
    bad: usize,
    good: usize,
    problems: Vec<String>,
}

impl Verdicts {
    fn record(&mut self, rule: &str, name: &str, sink: &Sink) {
        let fired = sink.hits().iter().any(|h| h.rule.id == rule);
        if name.starts_with("bad-") {
            self.bad += 1;
            if !fired {
                self.problems
                    .push(format!("{rule}: did not fire on {name}"));
            }
        } else if name.starts_with("good-") {
            self.good += 1;
            if fired {
                let messages: Vec<_> = sink.hits().iter().map(|h| h.message.as_str()).collect();
                self.problems
                    .push(format!("{rule}: fired on {name}: {messages:?}"));
            }
        }
    }

    /// Ends one rule's fixtures: both kinds must be there.
    fn finish_rule(&mut self, rule: &str) {
        if self.bad == 0 || self.good == 0 {
            self.problems
                .push(format!("{rule}: fixtures need bad-* and good-* cases"));
        }
        self.bad = 0;
        self.good = 0;
    }
}

#[test]
fn rules_have_unique_ids_names_docs_and_mappings() {
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    let all = rules()
        .iter()
        .map(|r| r.meta)
        .chain(docker_rules().iter().map(|r| r.meta))
        .chain(engine_rules::ALL.iter().copied())
        .chain(lockgate_rules::package_rules::ALL.iter().copied());
    let mut problems = Vec::new();
    for meta in all {
        if !ids.insert(meta.id) {
            problems.push(format!("{}: duplicate ID", meta.id));
        }
        if !names.insert(meta.name) {
            problems.push(format!("{}: duplicate name {}", meta.id, meta.name));
        }
        let kebab = !meta.name.is_empty()
            && meta
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !meta.name.starts_with('-')
            && !meta.name.ends_with('-');
        if !kebab {
            problems.push(format!(
                "{}: name `{}` is not kebab-case",
                meta.id, meta.name
            ));
        }
        for section in DOC_SECTIONS {
            if !meta.docs.contains(section) {
                problems.push(format!("{}: docs lack `{section}`", meta.id));
            }
        }
        if meta.frameworks.is_empty() {
            problems.push(format!("{}: no framework mapping", meta.id));
        }
        if meta.title.is_empty() || meta.fix.is_empty() {
            problems.push(format!("{}: empty title or fix", meta.id));
        }
    }
    assert!(
        problems.is_empty(),
        "registry problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn ids_are_sorted_and_every_pss_control_is_mapped() {
    let ids: Vec<_> = rules().iter().map(|r| r.meta.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let baseline = [
        "host-process",
        "host-namespaces",
        "privileged-containers",
        "capabilities",
        "hostpath-volumes",
        "host-ports",
        "apparmor",
        "selinux",
        "proc-mount-type",
        "seccomp",
        "sysctls",
    ];
    let restricted = [
        "volume-types",
        "privilege-escalation",
        "running-as-non-root",
        "running-as-non-root-user",
        "seccomp",
        "capabilities",
    ];
    let mapped: HashSet<&str> = rules()
        .iter()
        .flat_map(|r| r.meta.frameworks.iter().copied())
        .collect();
    let missing: Vec<String> = baseline
        .iter()
        .map(|c| format!("pss:baseline/{c}"))
        .chain(restricted.iter().map(|c| format!("pss:restricted/{c}")))
        .filter(|c| !mapped.contains(c.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "PSS controls without a rule: {missing:?}"
    );
}

#[test]
fn fixtures_fire_on_bad_objects_and_stay_quiet_on_good_ones() {
    let settings = fixture_settings();
    let context = Context {
        settings: &settings,
        dockerignore: None,
    };
    let mut problems = Vec::new();
    let mut verdicts = Verdicts::default();
    for rule in rules() {
        let path = fixture_dir()
            .join("kube")
            .join(format!("{}.yaml", rule.meta.id));
        let Ok(text) = std::fs::read_to_string(&path) else {
            problems.push(format!(
                "{}: missing fixture {}",
                rule.meta.id,
                path.display()
            ));
            continue;
        };
        let stream = parse_stream(&text, Limits::default());
        if let Some(error) = stream.error {
            problems.push(format!("{}: fixture does not parse: {error}", rule.meta.id));
            continue;
        }
        for (index, document) in stream.documents.into_iter().enumerate() {
            for object in objects_from_document(document, index) {
                let object = object.unwrap();
                let name = object.name.clone().unwrap_or_default();
                let mut sink = Sink::new();
                match rule.check {
                    Check::Object(check) => check(&context, &object, &mut sink),
                    Check::Pod(check) => {
                        if let Some(pod) = object.pod_spec() {
                            check(&context, &pod, &mut sink);
                        }
                    }
                }
                verdicts.record(rule.meta.id, &name, &sink);
            }
        }
        verdicts.finish_rule(rule.meta.id);
    }
    let problems = [problems, verdicts.problems].concat();
    assert!(
        problems.is_empty(),
        "fixture problems:\n{}",
        problems.join("\n")
    );
}

#[test]
fn dockerfile_fixtures_fire_on_bad_files_and_stay_quiet_on_good_ones() {
    let settings = fixture_settings();
    let ids: Vec<_> = docker_rules().iter().map(|r| r.meta.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "Dockerfile rules are in ID order");
    let mut problems = Vec::new();
    let mut verdicts = Verdicts::default();
    for rule in docker_rules() {
        let dir = fixture_dir().join("docker").join(rule.meta.id);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            problems.push(format!(
                "{}: missing fixture directory {}",
                rule.meta.id,
                dir.display()
            ));
            continue;
        };
        let mut names: Vec<String> = entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        // Beside a fixture, `<name>.dockerignore` is its BuildKit ignore file; without
        // one the fixture is checked as a Dockerfile with no `.dockerignore`.
        for name in names.iter().filter(|n| n.ends_with(".Dockerfile")) {
            let context = Context {
                settings: &settings,
                dockerignore: Some(names.contains(&format!("{name}.dockerignore"))),
            };
            let text = std::fs::read_to_string(dir.join(name)).unwrap();
            let dockerfile = lockgate_syntax::dockerfile::parse(&text);
            if let Some(problem) = dockerfile.problems.first() {
                problems.push(format!(
                    "{}: {name} does not parse: {problem}",
                    rule.meta.id
                ));
                continue;
            }
            let mut sink = Sink::new();
            (rule.check)(&context, &dockerfile, &mut sink);
            verdicts.record(rule.meta.id, name, &sink);
        }
        verdicts.finish_rule(rule.meta.id);
    }
    let problems = [problems, verdicts.problems].concat();
    assert!(
        problems.is_empty(),
        "fixture problems:\n{}",
        problems.join("\n")
    );
}
