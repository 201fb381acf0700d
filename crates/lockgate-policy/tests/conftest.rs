#![allow(clippy::unwrap_used, clippy::expect_used)]
//! conftest-style loading: which rules are evaluated, what metadata they get, and that
//! giving annotated definitions rules of their own never changes what a policy means.

use std::path::PathBuf;

use lockgate_policy::{LoadOptions, Namespaces, Outcome, PolicySet, Value, Verdict};

fn dir(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "lockgate-policy-conftest-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn load(paths: &[PathBuf], namespaces: &[&str]) -> PolicySet {
    let options = LoadOptions {
        namespaces: Namespaces {
            names: namespaces.iter().map(|n| n.to_string()).collect(),
            all: false,
        },
        ..LoadOptions::default()
    };
    PolicySet::load(paths, &options, Default::default()).unwrap()
}

/// `(rule id, message)` of every violation; errors fail the test.
fn judge(set: &PolicySet, input: &str) -> Vec<(String, String)> {
    let mut verdicts: Vec<Verdict> = Vec::new();
    set.evaluator(None)
        .document(&Value::from_json_str(input).unwrap(), &mut verdicts);
    let mut found: Vec<_> = verdicts
        .into_iter()
        .map(|v| match v.outcome {
            Outcome::Violation { message, .. } => (v.rule.id.to_string(), message),
            Outcome::Error(e) => panic!("{e}"),
        })
        .collect();
    found.sort();
    found
}

fn ids(set: &PolicySet) -> Vec<&str> {
    let mut ids: Vec<&str> = set.rules().iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids
}

#[test]
fn annotated_definitions_get_rules_of_their_own_unless_the_policy_reads_them() {
    let own = dir(
        "own",
        &[(
            "main.rego",
            "package main\n\n# METADATA\n# custom:\n#   id: A-1\n# METADATA\n# title: Two blocks, one definition\ndeny[m] { input.a; m := \"a\" }\n\n# METADATA\n# custom:\n#   id: B-1\ndeny[m] { input.b; m := \"b\" }\n\ndeny[m] { input.c; m := \"c\" }\n\n# METADATA\n# custom:\n#   id: F-1\ndeny_msg(x) := concat(\" \", [\"bad\", x])\n\nwarn[m] { input.d; m := deny_msg(\"d\") }\n",
        )],
    );
    let set = load(&[own], &["main"]);
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    assert_eq!(ids(&set), ["A-1", "B-1", "main.deny", "main.warn"]);
    assert_eq!(
        judge(&set, r#"{"a": true, "b": true, "c": true, "d": true}"#),
        [
            ("A-1".into(), "a".into()),
            ("B-1".into(), "b".into()),
            ("main.deny".into(), "c".into()),
            ("main.warn".into(), "bad d".into()),
        ]
    );
    assert_eq!(
        set.find_rule("A-1").unwrap().title,
        "Two blocks, one definition"
    );

    // `deny_latest` is read by `deny`: renaming it would change `deny`. Its block then
    // describes the whole rule, and both still give their results.
    let read = dir(
        "read",
        &[(
            "main.rego",
            "package main\n\nimport rego.v1\n\n# METADATA\n# custom:\n#   id: L-1\ndeny_latest contains m if { input.latest; m := \"latest\" }\n\ndeny contains m if { some x in deny_latest; m := concat(\" \", [\"via\", x]) }\n",
        )],
    );
    let set = load(&[read], &["main"]);
    assert_eq!(ids(&set), ["L-1", "main.deny"]);
    assert_eq!(
        judge(&set, r#"{"latest": true}"#),
        [
            ("L-1".into(), "latest".into()),
            ("main.deny".into(), "via latest".into())
        ]
    );
    assert!(
        set.warnings.iter().any(|w| w.contains("deny_latest")),
        "{:?}",
        set.warnings
    );
}

#[test]
fn metadata_scopes_defaults_and_subpackages() {
    let policies = dir(
        "scopes",
        &[
            (
                "parent.rego",
                "# METADATA\n# scope: subpackages\n# custom:\n#   id: PARENT\n#   severity: low\npackage org\n\nwarn[m] { m := \"parent\" }\n",
            ),
            (
                "child.rego",
                "# METADATA\n# title: Child\n# custom:\n#   id: CHILD\npackage org.child\n\nimport rego.v1\n\n# METADATA\n# custom:\n#   id: DEF\ndefault warn_x := false\n\nwarn_x := \"x\" if input.x\n\nviolation contains \"child\" if true\n",
            ),
        ],
    );
    let set = load(
        &[policies.clone(), policies.join("child.rego")],
        &["org.child"],
    );
    assert!(set.problems.is_empty(), "{:?}", set.problems);
    // The child's own block wins over the parent's subpackages block; the block before
    // `default` describes the rule; the file given twice loads once.
    assert_eq!(ids(&set), ["CHILD", "DEF"]);
    assert_eq!(set.find_rule("CHILD").unwrap().title, "Child");
    assert_eq!(
        set.find_rule("CHILD").unwrap().severity,
        lockgate_model::Severity::Low,
        "severity comes from the enclosing package's subpackages block"
    );
    assert_eq!(
        judge(&set, r#"{"x": true}"#),
        [("CHILD".into(), "child".into()), ("DEF".into(), "x".into())]
    );
    assert!(
        judge(&set, r#"{}"#).iter().all(|(id, _)| id != "DEF"),
        "a false default is no violation"
    );
}

#[test]
fn only_conftest_rule_names_are_evaluated() {
    let policies = dir(
        "names",
        &[(
            "main.rego",
            "package main\n\ndeny_[m] { m := \"underscore\" }\n\ndeny__x[m] { m := \"double\" }\n\ndenylist[m] { m := \"list\" }\n\nwarn_a_b1[m] { m := \"ok\" }\n",
        )],
    );
    let set = load(&[policies], &["main"]);
    assert_eq!(ids(&set), ["main.warn_a_b1"]);
}

#[test]
fn linked_policy_directories_are_followed_and_loops_end() {
    let shared = dir(
        "shared",
        &[("main.rego", "package main\n\ndeny[m] { m := \"shared\" }\n")],
    );
    let root = dir("linked", &[("README.md", "policies\n")]);
    std::os::unix::fs::symlink(&shared, root.join("shared")).unwrap();
    std::os::unix::fs::symlink(&root, root.join("loop")).unwrap();
    let set = load(&[root], &["main"]);
    assert_eq!(ids(&set), ["main.deny"]);
    assert_eq!(judge(&set, "{}"), [("main.deny".into(), "shared".into())]);
}
