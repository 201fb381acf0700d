//! Image rules against their fixtures (`fixtures/image/<ID>/{bad,good}-*.json`: an image
//! config, the files of the tree, the os-release facts and the date), and the registry's
//! promises for them: unique IDs, kebab-case names, the fixed doc sections, mappings.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::PathBuf;

use lockgate_rules::{
    Context, ImageFile, ImageFileKind, ImageSink, ImageTarget, ImageView, OsRelease, Settings,
    image_rules,
};
use lockgate_syntax::{Limits, parse_stream};

const DOC_SECTIONS: &[&str] = &[
    "## What it checks",
    "## Why it matters",
    "## Example",
    "## Fix",
    "## References",
];

struct Fixture {
    config_text: String,
    files: Vec<ImageFile>,
    os: Option<OsRelease>,
    today: String,
}

fn load(path: &std::path::Path) -> Fixture {
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let files = value["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| {
            let kind = match file["type"].as_str().unwrap() {
                "file" => ImageFileKind::File,
                "dir" => ImageFileKind::Directory,
                "symlink" => ImageFileKind::Symlink(file["target"].as_str().unwrap().into()),
                _ => ImageFileKind::Special,
            };
            ImageFile {
                path: file["path"].as_str().unwrap().into(),
                kind,
                mode: u32::from_str_radix(file["mode"].as_str().unwrap(), 8).unwrap(),
                size: 0,
            }
        })
        .collect();
    let os = value.get("os").map(|os| OsRelease {
        id: os["id"].as_str().unwrap().into(),
        version_id: os["version_id"].as_str().unwrap().into(),
        pretty_name: os["pretty_name"].as_str().unwrap().into(),
        path: os["path"].as_str().unwrap().into(),
    });
    Fixture {
        config_text: serde_json::to_string_pretty(&value["config"]).unwrap(),
        files,
        os,
        today: value["today"].as_str().unwrap().into(),
    }
}

fn run(fixture: &Fixture) -> ImageSink {
    let stream = parse_stream(&fixture.config_text, Limits::default());
    assert!(stream.error.is_none());
    let config = &stream.documents[0];
    let view = ImageView {
        config,
        files: &fixture.files,
        os: fixture.os.as_ref(),
        today: &fixture.today,
    };
    let settings = Settings::default();
    let context = Context {
        settings: &settings,
        dockerignore: None,
    };
    let mut sink = ImageSink::new();
    for rule in image_rules() {
        (rule.check)(&context, &view, &mut sink);
    }
    sink
}

#[test]
fn every_image_rule_fires_on_its_bad_fixtures_and_not_on_its_good_ones() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/image");
    let mut problems = Vec::new();
    let mut cases = 0;
    for rule in image_rules() {
        let dir = root.join(rule.meta.id);
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: no fixtures in {}: {e}", rule.meta.id, dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        let (mut bad, mut good) = (0, 0);
        for path in names {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let sink = run(&load(&path));
            let fired: Vec<_> = sink
                .hits()
                .iter()
                .filter(|h| h.rule.id == rule.meta.id)
                .collect();
            cases += 1;
            if name.starts_with("bad-") {
                bad += 1;
                if fired.is_empty() {
                    problems.push(format!("{}: did not fire on {name}", rule.meta.id));
                }
            } else {
                good += 1;
                if !fired.is_empty() {
                    problems.push(format!(
                        "{}: fired on {name}: {:?}",
                        rule.meta.id, fired[0].message
                    ));
                }
            }
        }
        if bad < 2 || good < 2 {
            problems.push(format!(
                "{}: needs at least two bad and two good fixtures",
                rule.meta.id
            ));
        }
    }
    println!("image rule fixtures: {cases} cases");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn image_findings_point_at_the_key_or_the_file() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/image");
    let sink = run(&load(&root.join("IMAGE-002/bad-1-tcp.json")));
    let hit = sink
        .hits()
        .iter()
        .find(|h| h.rule.id == "IMAGE-002")
        .unwrap();
    let ImageTarget::Config(span) = hit.target else {
        panic!("{:?}", hit.target)
    };
    let fixture = load(&root.join("IMAGE-002/bad-1-tcp.json"));
    let line = fixture
        .config_text
        .lines()
        .nth(span.line as usize - 1)
        .unwrap();
    assert!(line.contains("\"22/tcp\""), "{line}");

    let sink = run(&load(&root.join("IMAGE-003/bad-1-setuid.json")));
    let hit = sink
        .hits()
        .iter()
        .find(|h| h.rule.id == "IMAGE-003")
        .unwrap();
    assert_eq!(hit.target, ImageTarget::File("/usr/bin/passwd".into()));
}

#[test]
fn image_rules_have_stable_ids_names_docs_and_mappings() {
    let mut ids = HashSet::new();
    for rule in image_rules() {
        let meta = rule.meta;
        assert!(
            meta.id.starts_with("IMAGE-") && ids.insert(meta.id),
            "{}",
            meta.id
        );
        assert!(
            meta.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{}",
            meta.name
        );
        for section in DOC_SECTIONS {
            assert!(meta.docs.contains(section), "{}: no {section}", meta.id);
        }
        assert!(
            !meta.frameworks.is_empty(),
            "{}: no framework mapping",
            meta.id
        );
        assert!(!meta.fix.is_empty());
    }
    assert!(lockgate_rules::find_rule("IMAGE-001").is_some());
    assert!(lockgate_rules::find_rule("image-os-end-of-life").is_some());
}
