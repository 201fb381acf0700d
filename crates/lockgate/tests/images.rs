//! `lockgate image` and `lockgate verify` against real components: images built by umoci
//! from real root filesystems (busybox-static, tini-static), written as OCI layouts (gzip
//! and zstd) and docker archives by skopeo, and served by Debian's docker-registry on
//! loopback: plain HTTP, HTTP with htpasswd basic auth, HTTP with bearer tokens from a
//! token service (JWTs signed by a test CA), and HTTPS with a private CA and basic auth. Signatures are made by openssl over the simple-signing payload and pushed
//! in cosign's layout. `scripts/testimage/up.sh` builds and serves all of it (its
//! packages are installed by `scripts/test`); a missing tool fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use serde_json::Value;
use support::{json, lockgate, scratch};

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// Builds the images and starts the registries once per test binary; returns env.json.
fn env() -> &'static Value {
    static ENV: OnceLock<Value> = OnceLock::new();
    ENV.get_or_init(|| {
        let out = repo().join("target/testimage");
        let status = std::process::Command::new("bash")
            .arg(repo().join("scripts/testimage/up.sh"))
            .arg(&out)
            .status()
            .expect("cannot run scripts/testimage/up.sh");
        assert!(
            status.success(),
            "scripts/testimage/up.sh failed: the image tests need docker-registry, umoci, skopeo and the other packages in scripts/testimage/packages.txt (scripts/test installs them)"
        );
        serde_json::from_str(&std::fs::read_to_string(out.join("env.json")).unwrap()).unwrap()
    })
}

/// A fresh directory no other test (they run in parallel) uses.
fn unique(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    scratch(&format!("{name}-{}", NEXT.fetch_add(1, Ordering::Relaxed)))
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_string()
}

/// Runs `lockgate image` with a per-test cache and JSON output.
fn image(cache: &Path, args: &[&str]) -> Output {
    let mut all = vec![
        "image",
        "--cache-dir",
        cache.to_str().unwrap(),
        "--format",
        "json",
    ];
    all.extend_from_slice(args);
    lockgate(&unique("image-cwd"), &all)
}

/// What a report says, without where the image came from: (rule, path in the image,
/// line, message).
fn verdicts(report: &Value) -> Vec<(String, String, u64, String)> {
    let mut out: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = text(&f["location"]["path"]);
            let inner = path
                .split_once('!')
                .map(|(_, p)| p.to_string())
                .unwrap_or_default();
            (
                text(&f["rule_id"]),
                inner,
                f["location"]["line"].as_u64().unwrap(),
                text(&f["message"]),
            )
        })
        .collect();
    out.sort();
    out
}

fn registry(name: &str) -> (String, &'static Value) {
    let entry = &env()["registries"][name];
    (text(&entry["url"]), entry)
}

#[test]
fn the_insecure_image_gives_the_same_findings_from_every_source() {
    let env = env();
    let cache = unique("same-cache");
    let layout = format!("{}:insecure", text(&env["oci_layout"]));
    let reference = verdicts(&json(&image(&cache, &[&layout])));
    assert!(!reference.is_empty());

    let zstd = format!("{}:insecure", text(&env["zstd_layout"]));
    let archive = text(&env["docker_archives"]["insecure"]["path"]);
    let (plain, _) = registry("plain");
    let (auth, _) = registry("auth");
    let (token, _) = registry("token");
    let (tls, tls_entry) = registry("tls");
    let docker_config = text(&env["docker_config"]);
    let ca = text(&tls_entry["ca_file"]);
    let sources: Vec<Vec<String>> = vec![
        vec![zstd],
        vec![archive],
        vec![format!("{plain}/lockgate-test/insecure:1")],
        vec![
            format!("{auth}/lockgate-test/insecure:1"),
            "--registry-auth-file".into(),
            docker_config.clone(),
        ],
        // Bearer tokens from a token service, as most hosted registries do it.
        vec![
            format!("{token}/lockgate-test/insecure:1"),
            "--registry-auth-file".into(),
            docker_config.clone(),
        ],
        vec![
            format!("{tls}/lockgate-test/insecure:1"),
            "--registry-auth-file".into(),
            docker_config,
            "--ca-file".into(),
            ca,
        ],
    ];
    for args in sources {
        // A fresh cache each time, so every source is really read.
        let cache = unique("same-cache-each");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = image(&cache, &args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(verdicts(&json(&output)), reference, "{args:?}");
    }
}

#[test]
fn the_insecure_image_findings_match_what_was_built_into_it() {
    let env = env();
    let facts = &env["facts"]["insecure"];
    let cache = unique("facts-cache");
    let layout = format!("{}:insecure", text(&env["oci_layout"]));
    let output = image(&cache, &[&layout]);
    assert_eq!(output.status.code(), Some(1));
    let found = verdicts(&json(&output));
    let has = |rule: &str, path: &str| found.iter().any(|(r, p, _, _)| r == rule && p == path);
    assert!(has("IMAGE-001", "config.json"), "{found:#?}");
    assert!(has("IMAGE-002", "config.json"));
    for file in facts["setuid_files"]
        .as_array()
        .unwrap()
        .iter()
        .chain(facts["setgid_files"].as_array().unwrap())
    {
        assert!(has("IMAGE-003", &text(&file["path"])), "{file}: {found:#?}");
    }
    assert!(
        found
            .iter()
            .any(|(r, _, _, m)| r == "IMAGE-004" && m.contains("shell"))
    );
    assert!(has("IMAGE-005", &text(&facts["os_release"]["path"])));
    // Secrets: in a file, in the config's env, in a history command.
    let secret_file = text(&facts["secret_file"]);
    assert!(
        found
            .iter()
            .filter(|(r, p, _, _)| r.starts_with("SEC-") && *p == secret_file)
            .count()
            >= 2
    );
    let config_secrets: Vec<_> = found
        .iter()
        .filter(|(r, p, _, _)| r.starts_with("SEC-") && p == "config.json")
        .collect();
    assert!(config_secrets.len() >= 2, "{config_secrets:#?}");
    // Whiteouts and opaque directories: what was deleted is not reported as present.
    let all_paths: Vec<&str> = found.iter().map(|(_, p, _, _)| p.as_str()).collect();
    assert!(!all_paths.contains(&text(&facts["deleted_file"]).as_str()));
    for hidden in facts["opaque_hidden"].as_array().unwrap() {
        assert!(!all_paths.contains(&text(hidden).as_str()));
    }
}

#[test]
fn no_output_format_prints_an_image_secret_in_clear() {
    let env = env();
    let secrets: Vec<String> = env["facts"]["insecure"]["secrets"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|v| v.as_str())
        .filter(|v| v.len() >= 16)
        .map(str::to_string)
        .collect();
    assert!(secrets.len() >= 3, "{secrets:?}");
    let cache = unique("redact-cache");
    let layout = format!("{}:insecure", text(&env["oci_layout"]));
    for format in ["table", "json", "sarif", "junit", "markdown"] {
        let output = lockgate(
            &unique("redact-cwd"),
            &[
                "image",
                "--cache-dir",
                cache.to_str().unwrap(),
                "--format",
                format,
                &layout,
            ],
        );
        let shown = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(shown.contains("SEC-"), "{format}: no secret finding");
        for secret in &secrets {
            assert!(
                !shown.contains(secret.as_str()),
                "{format} prints a secret in clear"
            );
        }
    }
}

#[test]
fn the_hardened_image_passes_and_the_cache_is_reused() {
    let env = env();
    let cache = unique("hardened-cache");
    let layout = format!("{}:hardened", text(&env["oci_layout"]));
    let first = image(&cache, &[&layout]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    let report = json(&first);
    assert!(verdicts(&report).is_empty(), "{:#?}", verdicts(&report));
    let second = image(&cache, &[&layout]);
    let notes = String::from_utf8_lossy(&second.stdout).to_string();
    assert!(notes.contains("1 layer(s) (1 from cache)"), "{notes}");
}

#[test]
fn registries_refuse_without_credentials_or_trust() {
    let cache = unique("refuse-cache");
    let (auth, _) = registry("auth");
    let output = image(&cache, &[&format!("{auth}/lockgate-test/insecure:1")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("refused") && stderr.contains("credentials"),
        "{stderr}"
    );

    let (token, _) = registry("token");
    let output = image(&cache, &[&format!("{token}/lockgate-test/insecure:1")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("token service") && stderr.contains("401"),
        "{stderr}"
    );

    let (tls, _) = registry("tls");
    let output = image(
        &cache,
        &[
            &format!("{tls}/lockgate-test/insecure:1"),
            "--registry-auth-file",
            &text(&env()["docker_config"]),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("UnknownIssuer") || stderr.contains("certificate"),
        "{stderr}"
    );

    let (plain, _) = registry("plain");
    let output = image(&cache, &[&format!("{plain}/lockgate-test/no-such-image:1")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not found"));
}

#[test]
fn verify_passes_only_for_a_valid_signature_of_this_image() {
    let env = env();
    let (plain, _) = registry("plain");
    let key = text(&env["cosign"]["public_key"]);
    let wrong = text(&env["cosign"]["wrong_public_key"]);
    let verify = |image: &str, key: &str| {
        lockgate(
            &unique("verify-cwd"),
            &[
                "verify",
                &format!("{plain}/lockgate-test/{image}:1"),
                "--key",
                key,
            ],
        )
    };
    let good = verify("insecure", &key);
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(String::from_utf8_lossy(&good.stdout).contains("verified"));
    for (image, key, why) in [
        ("insecure", wrong.as_str(), "does not verify"),
        ("hardened", key.as_str(), "does not verify"),
        ("replayed", key.as_str(), "another image"),
        ("unsigned", key.as_str(), "not signed"),
    ] {
        let output = verify(image, key);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{image}: {stderr}");
        assert!(
            stderr.contains("FAILED") && stderr.contains(why),
            "{image}: {stderr}"
        );
    }
}

/// A docker archive of `layers` (tars built here with real headers).
fn archive_of(dir: &Path, layers: &[Vec<u8>]) -> PathBuf {
    use lockgate_image::Digest;
    use lockgate_image::tar_stream::testing::{Item, archive};
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {"User": "1000"},
        "rootfs": {"type": "layers", "diff_ids": layers.iter().map(|l| Digest::of(l).to_string()).collect::<Vec<_>>()},
    }))
    .unwrap();
    let config_name = format!("{}.json", Digest::of(&config).hex());
    let names: Vec<String> = (0..layers.len())
        .map(|i| format!("l{i}/layer.tar"))
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": config_name, "RepoTags": ["test/app:1"], "Layers": names,
    }]))
    .unwrap();
    let mut items = vec![
        Item::file("manifest.json", &manifest),
        Item::file(&config_name, &config),
    ];
    for (name, layer) in names.iter().zip(layers) {
        items.push(Item::file(name, layer));
    }
    let path = dir.join("image.tar");
    std::fs::write(&path, archive(&items)).unwrap();
    path
}

fn hostile_archive(dir: &Path, layer: &[u8]) -> PathBuf {
    archive_of(dir, &[layer.to_vec()])
}

#[test]
fn a_secret_in_a_file_a_later_layer_removed_is_still_reported() {
    use lockgate_image::tar_stream::testing::{Item, archive};
    // Built at run time so no credential-shaped string sits in the repository.
    let token = format!("glpat-{}", "Zq7vB2kXn9RmT4wYp1Ls");
    let content = format!("deploy_token = {token}\n");
    let lower = archive(&[Item::file("app/old-credentials.txt", content.as_bytes())]);
    let upper = archive(&[Item::file("app/.wh.old-credentials.txt", b"")]);
    let dir = unique("hidden");
    let path = archive_of(&dir, &[lower, upper]);
    let output = image(&unique("hidden-cache"), &[path.to_str().unwrap()]);
    let report = json(&output);
    let hidden: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| text(&f["location"]["path"]).ends_with("!/app/old-credentials.txt@layer1"))
        .collect();
    assert_eq!(hidden.len(), 1, "{report:#}");
    assert!(text(&hidden[0]["message"]).contains("layer 1 still holds it"));
    assert!(!String::from_utf8_lossy(&output.stdout).contains(&token));
}

#[test]
fn hostile_images_are_refused_with_the_layer_and_entry_named() {
    use lockgate_image::tar_stream::testing::{Item, archive};
    let dir = unique("hostile");
    let target = std::env::temp_dir().join(format!("lockgate-escape-{}", std::process::id()));
    let escape = format!("../../../../../../..{}", target.display());
    for (layer, expected) in [
        (archive(&[Item::file(&escape, b"pwned")]), "path traversal"),
        (
            archive(&[Item::symlink("etc/passwd", "../../../../etc/shadow")]),
            "outside the image root",
        ),
        (
            archive(&[Item::hardlink("etc/shadow", "/etc/shadow")]),
            "hard link",
        ),
    ] {
        let path = hostile_archive(&dir, &layer);
        let cache = unique("hostile-cache");
        let output = image(&cache, &[path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(expected) && stderr.contains("layer 1 of 1"),
            "{stderr}"
        );
        assert!(
            !target.exists(),
            "a layer entry was written outside the cache"
        );
        let cached = std::fs::read_dir(cache.join("layers")).unwrap().count();
        assert_eq!(cached, 0, "a refused layer stayed in the cache");
    }
    // A truncated archive.
    let layer = archive(&[Item::file("etc/hostname", b"box")]);
    let path = hostile_archive(&dir, &layer);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 1500]).unwrap();
    let output = image(&unique("hostile-cache"), &[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error:"));
}
