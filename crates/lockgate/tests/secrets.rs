//! End-to-end tests of secret detection through the `lockgate` binary: files of every
//! kind, stdin, Kubernetes Secret data, git history, staged changes and the pre-commit
//! hook, noise control, waivers and baselines, hostile files, and redaction in every
//! output format.
//!
//! The credentials are generated at run time (random-looking, deterministic), so this
//! file holds none itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

mod support;

use support::{json, lockgate, scratch};

/// `len` characters from `alphabet`, the same for the same seed.
fn random(seed: u64, len: usize, alphabet: &str) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chars[(state % chars.len() as u64) as usize]
        })
        .collect()
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const BASE32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn github_token(seed: u64) -> String {
    format!("ghp_{}", random(seed, 36, ALNUM))
}

fn aws_key_id(seed: u64) -> String {
    format!("AKIA{}", random(seed, 16, BASE32))
}

/// (rule, path, line) of every finding.
fn places(report: &Value) -> Vec<(String, String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["location"]["path"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn rule_of(report: &Value, name: &str) -> String {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_name"] == name)
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no finding of {name}: {report}"))
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.org")
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.org")
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?} failed");
}

fn git_repo(name: &str) -> PathBuf {
    let dir = scratch(name);
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["config", "commit.gpgsign", "false"]);
    dir
}

#[test]
fn secrets_are_found_in_every_kind_of_text_file_and_hostile_files_are_handled() {
    let dir = scratch("files");
    let token = github_token(1);
    let key_id = aws_key_id(2);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join(".env"), format!("GITHUB_TOKEN={token}\n")).unwrap();
    std::fs::write(
        dir.join("src/main.py"),
        format!("import os\n\nAWS_KEY = \"{key_id}\"\n"),
    )
    .unwrap();
    // A secret in the middle of a 2 MB minified line.
    let filler = "x".repeat(1024 * 1024);
    std::fs::write(
        dir.join("bundle.js"),
        format!(
            "var a=\"{filler}\";var t=\"{}\";var b=\"{filler}\";",
            github_token(3)
        ),
    )
    .unwrap();
    // Not UTF-8: a Latin-1 byte before the secret.
    let mut latin1 = b"caf\xe9 token=".to_vec();
    latin1.extend_from_slice(github_token(4).as_bytes());
    std::fs::write(dir.join("notes.txt"), latin1).unwrap();
    // Binary (NUL) and archive files are skipped and counted, even holding a secret.
    let mut binary = b"\x00\x01\x02".to_vec();
    binary.extend_from_slice(github_token(5).as_bytes());
    std::fs::write(dir.join("image.bin"), binary).unwrap();
    std::fs::write(dir.join("vendor.zip"), github_token(6)).unwrap();
    // A symlink loop must not hang the walk.
    #[cfg(unix)]
    std::os::unix::fs::symlink(&dir, dir.join("src/loop")).unwrap();
    // Lock files are allowed by default.
    std::fs::write(
        dir.join("Cargo.lock"),
        format!("checksum = \"{}\"\n", github_token(7)),
    )
    .unwrap();

    let output = lockgate(&dir, &["scan", ".", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let found = places(&report);
    let github = rule_of(&report, "github-personal-access-token");
    for (path, line) in [
        (".env", 1),
        ("src/main.py", 3),
        ("bundle.js", 1),
        ("notes.txt", 1),
    ] {
        assert!(
            found.iter().any(|(_, p, l)| p == path && *l == line),
            "no finding at {path}:{line}: {found:?}"
        );
    }
    assert!(found.iter().any(|(r, p, _)| *r == github && p == ".env"));
    assert!(
        !found
            .iter()
            .any(|(_, p, _)| p == "image.bin" || p == "vendor.zip" || p == "Cargo.lock")
    );
    assert_eq!(report["stats"]["skipped_binary"], 1);
    assert_eq!(report["stats"]["skipped_archives"], 1);
    assert!(report["stats"]["bytes"].as_u64().unwrap() > 2 * 1024 * 1024);
    // The minified line's finding points at the secret's own column.
    let bundle = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"]["path"] == "bundle.js")
        .unwrap();
    assert_eq!(bundle["location"]["column"], 7 + 1024 * 1024 + 9 + 1);

    // `--scanners manifests` turns the secrets scanner off.
    let output = lockgate(
        &dir,
        &["scan", ".", "--scanners", "manifests", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(places(&json(&output)).is_empty());
}

#[test]
fn standard_input_is_searched() {
    let dir = scratch("stdin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lockgate"))
        .current_dir(&dir)
        .args(["scan", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "echo ok\nexport TOKEN={}", github_token(8)).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(places(&json(&output))[0].1, "stdin");
    assert_eq!(places(&json(&output))[0].2, 2);
}

#[test]
fn kubernetes_secret_data_is_decoded_and_reported_on_its_key() {
    let dir = scratch("kube");
    let encoded = encode_base64(format!("{}\n", aws_key_id(9)).as_bytes());
    std::fs::write(
        dir.join("secret.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: shop\ntype: Opaque\ndata:\n  aws-key: {encoded}\n"
        ),
    )
    .unwrap();
    let output = lockgate(&dir, &["scan", ".", "--format", "json"]);
    let report = json(&output);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_name"] == "aws-access-key-id")
        .unwrap_or_else(|| panic!("decoded key not found: {report}"));
    assert_eq!(finding["location"]["line"], 8);
    assert_eq!(finding["location"]["column"], 12);
    assert_eq!(finding["object"]["kind"], "Secret");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains("`aws-key`") && message.contains("base64-decoded"),
        "{message}"
    );
}

fn encode_base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn noise_control_inline_allow_allowed_paths_user_rules_and_disabled_rules() {
    let dir = scratch("noise");
    std::fs::create_dir_all(dir.join("testdata")).unwrap();
    std::fs::write(
        dir.join("a.txt"),
        format!(
            "t1 = \"{}\"  # lockgate:allow test fixture\nt2 = \"{}\"\ninternal = \"acme_{}\"\n",
            github_token(10),
            github_token(11),
            random(12, 32, "abcdef0123456789")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("testdata/fixture.txt"),
        format!("t = {}\n", github_token(13)),
    )
    .unwrap();
    std::fs::write(
        dir.join("lockgate.toml"),
        r#"
[secrets]
allow-paths = ["testdata/**"]

[[secrets.rules]]
id = "ACME-001"
name = "acme-internal-token"
title = "ACME internal token"
provider = "acme"
severity = "high"
description = "acme_ followed by 32 hex characters."
keywords = ["acme_"]
regex = '''\bacme_[0-9a-f]{32}\b'''
tp = ["acme_0123456789abcdef0123456789abcdef"]
fp = ["acme_short"]
"#,
    )
    .unwrap();
    let report = json(&lockgate(&dir, &["scan", ".", "--format", "json"]));
    let found = places(&report);
    assert!(
        found
            .iter()
            .any(|(r, p, l)| r == "ACME-001" && p == "a.txt" && *l == 3),
        "{found:?}"
    );
    assert!(found.iter().any(|(_, p, l)| p == "a.txt" && *l == 2));
    assert!(
        !found.iter().any(|(_, p, l)| p == "a.txt" && *l == 1),
        "lockgate:allow ignored"
    );
    assert!(
        !found.iter().any(|(_, p, _)| p.starts_with("testdata")),
        "allow-paths ignored"
    );
    assert_eq!(
        report["rules"]["ACME-001"]["title"],
        "ACME internal token found"
    );

    // Disabling a rule by name in [rules] turns it off.
    let github = rule_of(&report, "github-personal-access-token");
    let config = std::fs::read_to_string(dir.join("lockgate.toml")).unwrap();
    std::fs::write(
        dir.join("lockgate.toml"),
        format!("[rules]\ndisable = [\"github-personal-access-token\"]\n{config}"),
    )
    .unwrap();
    let report = json(&lockgate(&dir, &["scan", ".", "--format", "json"]));
    assert!(!places(&report).iter().any(|(r, _, _)| *r == github));

    // A broken user rule is a configuration error naming the rule.
    std::fs::write(
        dir.join("lockgate.toml"),
        "[[secrets.rules]]\nid = \"X-1\"\nname = \"x\"\ntitle = \"X\"\nprovider = \"x\"\nseverity = \"high\"\ndescription = \"d\"\nkeywords = [\"x\"]\nregex = \"(unclosed\"\n",
    )
    .unwrap();
    let output = lockgate(&dir, &["scan", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("X-1") && stderr.contains("regex"),
        "{stderr}"
    );
}

#[test]
fn waivers_and_baselines_apply_to_secrets_without_holding_them() {
    let dir = scratch("baseline");
    let token = github_token(14);
    std::fs::write(dir.join("a.env"), format!("TOKEN={token}\n")).unwrap();
    let output = lockgate(&dir, &["baseline", "write", ".", "-o", "base.json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let baseline = std::fs::read_to_string(dir.join("base.json")).unwrap();
    assert!(!baseline.contains(&token) && !baseline.contains(&token[4..20]));
    // The secret moves down two lines: still the known finding.
    std::fs::write(dir.join("a.env"), format!("# a\n# b\nTOKEN={token}\n")).unwrap();
    let output = lockgate(
        &dir,
        &["scan", ".", "--baseline", "base.json", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["gate"]["baseline"], 1);
    // A second, different token of the same rule is new.
    std::fs::write(
        dir.join("a.env"),
        format!("# a\n# b\nTOKEN={token}\nOTHER={}\n", github_token(15)),
    )
    .unwrap();
    let output = lockgate(
        &dir,
        &["scan", ".", "--baseline", "base.json", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["gate"]["failing"], 1);
}

#[test]
fn git_history_reports_the_commit_that_added_a_secret() {
    let dir = git_repo("history");
    std::fs::write(dir.join("app.cfg"), "name = demo\n").unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "first"]);
    std::fs::write(
        dir.join("app.cfg"),
        format!("name = demo\naws_key = {}\n", aws_key_id(16)),
    )
    .unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "add the key"]);
    std::fs::remove_file(dir.join("app.cfg")).unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "remove the key"]);

    // The work tree is clean; the history is not.
    let output = lockgate(&dir, &["scan", "--format", "json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let output = lockgate(&dir, &["scan", "--git", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let finding = &report["findings"][0];
    assert_eq!(finding["rule_name"], "aws-access-key-id");
    assert_eq!(finding["location"]["path"], "app.cfg");
    assert_eq!(finding["location"]["line"], 2);
    assert_eq!(finding["commit"]["author"], "Ada Lovelace");
    assert_eq!(finding["commit"]["summary"], "add the key");
    assert_eq!(finding["commit"]["sha"].as_str().unwrap().len(), 40);
    assert_eq!(report["stats"]["commits"], 3);

    // A range that leaves out the commit finds nothing; the path form works too.
    let output = lockgate(&dir, &["scan", "--git", "HEAD~1..HEAD", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["stats"]["commits"], 1);
    let parent = dir.parent().unwrap();
    let name = dir.file_name().unwrap().to_str().unwrap();
    let output = lockgate(parent, &["scan", "--git", name, "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));

    // Not a repository: a clear error.
    let plain = scratch("not-a-repo");
    let output = lockgate(&plain, &["scan", "--git"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not inside a git repository"));
}

#[test]
fn staged_changes_and_the_pre_commit_hook_stop_a_secret() {
    let dir = git_repo("staged");
    std::fs::write(dir.join("README"), "hello\n").unwrap();
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "init"]);
    std::fs::write(
        dir.join("config.yml"),
        format!("token: {}\n", github_token(17)),
    )
    .unwrap();
    std::fs::write(
        dir.join("unstaged.txt"),
        format!("token: {}\n", github_token(18)),
    )
    .unwrap();
    git(&dir, &["add", "config.yml"]);
    let output = lockgate(&dir, &["scan", "--staged", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let found = places(&json(&output));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].1.as_str(), found[0].2), ("config.yml", 1));

    let output = lockgate(&dir, &["hook", "install"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let commit = Command::new("git")
        .current_dir(&dir)
        .args(["commit", "-qm", "leak"])
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.org")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.org")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!commit.status.success(), "the hook let a secret through");
    // git shows a hook's output on stderr.
    let shown = String::from_utf8_lossy(&commit.stdout).into_owned()
        + &String::from_utf8_lossy(&commit.stderr);
    assert!(shown.contains("github-personal-access-token"), "{shown}");
    // Once the secret is gone the commit goes through.
    std::fs::write(dir.join("config.yml"), "token: ${GITHUB_TOKEN}\n").unwrap();
    git(&dir, &["add", "config.yml"]);
    git(&dir, &["commit", "-qm", "clean"]);
    // An existing foreign hook is not overwritten without --force.
    std::fs::write(dir.join(".git/hooks/pre-commit"), "#!/bin/sh\nexit 0\n").unwrap();
    assert_eq!(lockgate(&dir, &["hook", "install"]).status.code(), Some(2));
    assert!(
        lockgate(&dir, &["hook", "install", "--force"])
            .status
            .success()
    );
}

#[test]
fn detected_secrets_never_appear_in_any_output() {
    let dir = scratch("redaction");
    let token = github_token(19);
    let key_id = aws_key_id(20);
    let pem_body = random(21, 64, ALNUM);
    std::fs::write(
        dir.join("app.env"),
        format!("GITHUB_TOKEN={token}\nAWS={key_id} and {token}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("key.pem"),
        format!("-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n{pem_body}\n-----END RSA PRIVATE KEY-----\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("pod.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: s, namespace: a}}\nstringData:\n  token: {token}\n"
        ),
    )
    .unwrap();
    for format in ["table", "json", "sarif", "junit", "markdown"] {
        let output = lockgate(
            &dir,
            &["scan", ".", "--format", format, "--color", "always"],
        );
        assert_eq!(output.status.code(), Some(1));
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(
            text.contains("ghp_…(40 chars)"),
            "{format}: no redacted form\n{text}"
        );
        for secret in [&token[4..], &key_id[4..], &pem_body[..16]] {
            assert!(
                !text.contains(secret),
                "{format} output shows a secret:\n{text}"
            );
        }
    }
}
