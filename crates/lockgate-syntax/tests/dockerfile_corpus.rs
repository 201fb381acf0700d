//! Conformance: every Dockerfile of the trivy-checks corpus (read in place from
//! `../shared/corpora/dockerfile/trivy-checks`) parses without a problem, except the
//! files that Docker itself would refuse, listed below with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use lockgate_syntax::dockerfile::{Keyword, parse};

/// Files Docker refuses to build, and the one problem each must produce.
const MALFORMED: &[(&str, &str)] = &[(
    // Two stages named `build`: BuildKit cannot tell which one `build` means.
    "same_alias_in_different_froms/bad-1.Dockerfile",
    "duplicate stage name 'build', stage names should be unique",
)];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/dockerfile/trivy-checks")
}

fn corpus_files() -> Vec<(String, PathBuf)> {
    let root = corpus_dir();
    let mut files = Vec::new();
    for case in std::fs::read_dir(&root)
        .expect("corpus directory")
        .flatten()
    {
        if !case.path().is_dir() {
            continue;
        }
        for file in std::fs::read_dir(case.path()).unwrap().flatten() {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "Dockerfile") {
                let relative = path.strip_prefix(&root).unwrap();
                files.push((relative.to_string_lossy().replace('\\', "/"), path));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_corpus_dockerfile_parses_without_problems_unless_malformed() {
    let files = corpus_files();
    assert!(
        files.len() >= 45,
        "corpus went missing: {} files",
        files.len()
    );
    let mut malformed_seen = 0;
    for (name, path) in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let dockerfile = parse(&text);
        let messages: Vec<&str> = dockerfile
            .problems
            .iter()
            .map(|p| p.message.as_str())
            .collect();
        match MALFORMED.iter().find(|(file, _)| file == name) {
            Some((_, expected)) => {
                malformed_seen += 1;
                assert_eq!(messages, [*expected], "{name}");
            }
            None => assert!(messages.is_empty(), "{name}: {:#?}", dockerfile.problems),
        }
        // Every corpus file builds at least one stage, and every instruction has a
        // real position.
        assert!(!dockerfile.stages.is_empty(), "{name}");
        for instruction in &dockerfile.instructions {
            assert!(
                instruction.span.line >= 1 && instruction.span.column >= 1,
                "{name}"
            );
            assert_ne!(instruction.kind, Keyword::Unknown, "{name}");
        }
    }
    assert_eq!(malformed_seen, MALFORMED.len());
}

#[test]
fn corpus_details_rules_depend_on() {
    let read = |name: &str| std::fs::read_to_string(corpus_dir().join(name)).unwrap();

    let latest = parse(&read("latest_tag/bad-1.Dockerfile"));
    assert_eq!(latest.stages[0].image_resolved, "debian:latest");
    let image = &latest.stages[0].image.span;
    assert_eq!((image.line, image.column, image.end_column), (1, 6, 19));

    let heredoc = parse(&read("update_instruction_alone/good-2.Dockerfile"));
    let run = &heredoc.instructions[1];
    assert_eq!(
        run.heredocs[0].body,
        "apt-get update\napt-get install --no-install-recommends -y gettext\n"
    );

    let copy = parse(&read(
        "copy_with_more_than_two_arguments_not_ending_with_slash/bad-1.Dockerfile",
    ));
    let words: Vec<&str> = copy.instructions[2]
        .words()
        .iter()
        .map(|w| w.text.as_str())
        .collect();
    assert_eq!(words, ["package.json", "yarn.lock", "myapp"]);

    let alias = parse(&read(
        "copy_from_references_current_from_alias/bad-1.Dockerfile",
    ));
    assert_eq!(alias.stages[0].name.as_deref(), Some("dep"));
    assert_eq!(
        alias.instructions[1]
            .flag("from")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .text,
        "dep"
    );
}
