//! `lockgate sbom`: real inventories (`../shared/vulndata/inventories`: npm, PyPI,
//! crates.io, Go, Maven, RubyGems lockfiles, a Debian minbase dpkg status, Alpine apk
//! databases) written as CycloneDX 1.6 and SPDX 2.3, each validated against the official
//! JSON schema in `../shared/schemas`, and an image's package database read through its
//! file tree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::{lockgate, scratch};

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared")
}

fn inventories() -> PathBuf {
    let dir = shared().join("vulndata/inventories");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    dir
}

fn schema(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(shared().join("schemas").join(path)).unwrap())
        .unwrap()
}

fn sbom(name: &str, args: &[&str]) -> Value {
    let dir = scratch(name);
    let output_path = dir.join("out.json");
    let mut all = vec!["sbom", "-o", output_path.to_str().unwrap()];
    all.extend_from_slice(args);
    let output = lockgate(&dir, &all);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(output_path).unwrap()).unwrap()
}

fn assert_valid(document: &Value, validator: &jsonschema::Validator) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .take(20)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid:\n{}", errors.join("\n"));
}

/// Serves the schemas CycloneDX's references name (`spdx.schema.json`,
/// `jsf-0.82.schema.json`) from `../shared/schemas/cyclonedx`: tests never fetch.
struct LocalCycloneDxSchemas;

impl jsonschema::Retrieve for LocalCycloneDxSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        Ok(schema(&format!("cyclonedx/{name}")))
    }
}

#[test]
fn cyclonedx_of_real_inventories_is_valid_and_complete() {
    let document = sbom("cdx", &[inventories().to_str().unwrap()]);
    let validator = jsonschema::options()
        .with_retriever(LocalCycloneDxSchemas)
        .build(&schema("cyclonedx/bom-1.6.schema.json"))
        .unwrap();
    assert_valid(&document, &validator);
    let components = document["components"].as_array().unwrap();
    assert!(components.len() > 2000, "{}", components.len());
    // follow-redirects 1.14.8 in axios's lockfile, with the line it is declared at.
    let follow = components
        .iter()
        .find(|c| c["purl"] == "pkg:npm/follow-redirects@1.14.8")
        .expect("follow-redirects 1.14.8");
    let occurrences = follow["evidence"]["occurrences"].as_array().unwrap();
    assert!(occurrences.iter().any(|o| {
        o["location"]
            .as_str()
            .unwrap()
            .ends_with("axios-v0.26.0/package-lock.json")
            && o["line"].as_u64().is_some()
    }));
    for ecosystem in [
        "npm",
        "PyPI",
        "crates.io",
        "Go",
        "RubyGems",
        "Debian",
        "Alpine",
        "Maven",
    ] {
        assert!(
            components.iter().any(|c| c["properties"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "lockgate:ecosystem" && p["value"] == ecosystem)),
            "no {ecosystem} component"
        );
    }
    // Debian binary packages carry their source package (advisories are filed under it).
    let libc = components
        .iter()
        .find(|c| c["name"] == "libc6")
        .expect("libc6");
    assert!(
        libc["properties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "lockgate:source-package" && p["value"] == "glibc")
    );
}

#[test]
fn spdx_of_real_inventories_is_valid() {
    let document = sbom(
        "spdx",
        &["--format", "spdx", inventories().to_str().unwrap()],
    );
    let validator = jsonschema::validator_for(&schema("spdx/spdx-schema.json")).unwrap();
    assert_valid(&document, &validator);
    let packages = document["packages"].as_array().unwrap();
    assert!(packages.len() > 2000);
    let relationships = document["relationships"].as_array().unwrap();
    assert_eq!(relationships.len(), packages.len());
    assert!(packages.iter().any(|p| {
        p["externalRefs"][0]["referenceLocator"]
            .as_str()
            .is_some_and(|purl| purl.starts_with("pkg:cargo/"))
    }));
}

#[test]
fn an_image_package_database_is_read_through_its_file_tree() {
    use lockgate_image::Digest;
    use lockgate_image::tar_stream::testing::{Item, archive};
    let status =
        std::fs::read(inventories().join("debian-bookworm-minbase/var/lib/dpkg/status")).unwrap();
    let layer = archive(&[
        Item::dir("var/lib/dpkg"),
        Item::file("var/lib/dpkg/status", &status),
        // A lockfile of an application in the image, read from the image, not the host.
        Item::file(
            "app/Cargo.lock",
            b"version = 3\n\n[[package]]\nname = \"smallvec\"\nversion = \"0.6.9\"\n",
        ),
    ]);
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [Digest::of(&layer).to_string()]},
    }))
    .unwrap();
    let config_name = format!("{}.json", Digest::of(&config).hex());
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": config_name, "RepoTags": ["test/debian:12"], "Layers": ["l/layer.tar"],
    }]))
    .unwrap();
    let dir = scratch("sbom-image");
    let path = dir.join("image.tar");
    std::fs::write(
        &path,
        archive(&[
            Item::file("manifest.json", &manifest),
            Item::file(&config_name, &config),
            Item::file("l/layer.tar", &layer),
        ]),
    )
    .unwrap();
    let cache = dir.join("cache");
    let document = sbom(
        "image-out",
        &[
            "--image",
            "--cache-dir",
            cache.to_str().unwrap(),
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(document["metadata"]["component"]["type"], "container");
    let components = document["components"].as_array().unwrap();
    let debian = components
        .iter()
        .filter(|c| {
            c["purl"]
                .as_str()
                .is_some_and(|p| p.starts_with("pkg:deb/debian/"))
        })
        .count();
    assert_eq!(debian, 88);
    let smallvec = components
        .iter()
        .find(|c| c["purl"] == "pkg:cargo/smallvec@0.6.9")
        .expect("the image's Cargo.lock");
    assert_eq!(
        smallvec["evidence"]["occurrences"][0]["location"],
        "/app/Cargo.lock"
    );
}
