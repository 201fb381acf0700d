//! Images built here byte by byte (real tar headers, gzip and zstd layers, OCI layout and
//! docker-save files as those tools write them) opened through the public API: the same
//! tree from every source, whiteouts applied, the cache reused, and every kind of hostile
//! image refused with a message that names the fault. The same code is run on images
//! built by umoci and skopeo in the engine's integration tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};

use lockgate_image::tar_stream::testing::{Item, archive};
use lockgate_image::{Cache, Digest, ImageError, OpenOptions, SizeLimits, TreeLimits, open};

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("lockgate-image-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn options(cache: &Path) -> OpenOptions {
    OpenOptions {
        platform: None,
        cache: Cache::new(cache).unwrap(),
        size_limits: SizeLimits::default(),
        tree_limits: TreeLimits::default(),
        registry: Default::default(),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

fn base_layer() -> Vec<u8> {
    archive(&[
        Item::dir("bin"),
        Item::file("bin/busybox", b"\x7fELF busybox"),
        Item::symlink("bin/sh", "busybox"),
        Item::dir("etc"),
        Item::file("etc/os-release", b"ID=debian\nVERSION_ID=\"9\"\n"),
        Item::file("etc/deleted-later", b"gone"),
        Item::dir("var/cache/apt"),
        Item::file("var/cache/apt/pkgcache.bin", b"cache"),
        Item::file("usr/bin/passwd", b"\x7fELF").mode(0o4755),
    ])
}

fn upper_layer() -> Vec<u8> {
    archive(&[
        Item::file("etc/.wh.deleted-later", b""),
        Item::file("var/cache/apt/.wh..wh..opq", b""),
        Item::file("var/cache/apt/new", b"new"),
        Item::file("app/config.txt", b"token = ghp_example"),
    ])
}

/// The config for `layers` (uncompressed tars), with a root user and port 22.
fn config(layers: &[Vec<u8>]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| Digest::of(l).to_string()).collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["PATH=/bin"], "ExposedPorts": {"22/tcp": {}}},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "ADD rootfs /"}, {"created_by": "RUN update"}]
    }))
    .unwrap()
}

/// Writes an OCI layout with `blobs` (compressed layers) and returns its directory.
fn oci_layout(dir: &Path, layers: &[Vec<u8>], blobs: &[Vec<u8>], media: &str) -> PathBuf {
    let layout = dir.join("oci");
    std::fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    let put = |bytes: &[u8]| {
        let digest = Digest::of(bytes);
        std::fs::write(layout.join("blobs/sha256").join(digest.hex()), bytes).unwrap();
        serde_json::json!({"digest": digest.to_string(), "size": bytes.len()})
    };
    let config = config(layers);
    let mut config_descriptor = put(&config);
    config_descriptor["mediaType"] = "application/vnd.oci.image.config.v1+json".into();
    let layer_descriptors: Vec<_> = blobs
        .iter()
        .map(|blob| {
            let mut d = put(blob);
            d["mediaType"] = media.into();
            d
        })
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config_descriptor,
        "layers": layer_descriptors,
    }))
    .unwrap();
    let mut manifest_descriptor = put(&manifest);
    manifest_descriptor["mediaType"] = "application/vnd.oci.image.manifest.v1+json".into();
    manifest_descriptor["annotations"] =
        serde_json::json!({"org.opencontainers.image.ref.name": "1.0"});
    std::fs::write(
        layout.join("index.json"),
        serde_json::to_vec(
            &serde_json::json!({"schemaVersion": 2, "manifests": [manifest_descriptor]}),
        )
        .unwrap(),
    )
    .unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        br#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    layout
}

/// Writes a docker-save archive (the pre-25 format: `<id>/layer.tar`, `<hex>.json`).
fn docker_archive(dir: &Path, layers: &[Vec<u8>]) -> PathBuf {
    let config = config(layers);
    let config_name = format!("{}.json", Digest::of(&config).hex());
    let layer_names: Vec<String> = (0..layers.len())
        .map(|i| format!("layer{i}/layer.tar"))
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": config_name,
        "RepoTags": ["example/app:1.0"],
        "Layers": layer_names,
    }]))
    .unwrap();
    let mut items = vec![
        Item::file("manifest.json", &manifest),
        Item::file(&config_name, &config),
    ];
    for (name, layer) in layer_names.iter().zip(layers) {
        items.push(Item::file(name, layer));
    }
    let path = dir.join("image.tar");
    std::fs::write(&path, archive(&items)).unwrap();
    path
}

fn listing(image: &lockgate_image::Image) -> Vec<String> {
    image
        .tree
        .iter()
        .map(|(path, node)| format!("{path} {:o} {}", node.mode, node.size))
        .collect()
}

#[test]
fn the_same_image_from_a_layout_and_an_archive_gives_the_same_tree() {
    let dir = temp_dir("same");
    let layers = vec![base_layer(), upper_layer()];
    let gz: Vec<Vec<u8>> = layers.iter().map(|l| gzip(l)).collect();
    let layout = oci_layout(
        &dir,
        &layers,
        &gz,
        "application/vnd.oci.image.layer.v1.tar+gzip",
    );
    let archive = docker_archive(&dir, &layers);

    let from_layout = open(
        layout.to_str().unwrap(),
        &options(&dir.join("cache1")),
        &mut |_| {},
    )
    .unwrap();
    let from_archive = open(
        archive.to_str().unwrap(),
        &options(&dir.join("cache2")),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(listing(&from_layout), listing(&from_archive));
    assert_eq!(from_layout.source, lockgate_image::SourceKind::OciLayout);
    assert_eq!(
        from_archive.source,
        lockgate_image::SourceKind::DockerArchive
    );
    assert_eq!(from_archive.names, ["example/app:1.0"]);
    assert!(from_layout.manifest_digest.is_some());

    let tree = &from_layout.tree;
    assert!(
        tree.get("etc/deleted-later").is_none(),
        "whiteout not applied"
    );
    assert!(
        tree.get("var/cache/apt/pkgcache.bin").is_none(),
        "opaque dir not applied"
    );
    assert_eq!(
        tree.read("var/cache/apt/new", 100).unwrap().unwrap(),
        b"new"
    );
    assert_eq!(
        tree.read("/bin/sh", 100).unwrap().unwrap(),
        b"\x7fELF busybox"
    );
    assert!(tree.get("usr/bin/passwd").unwrap().is_setuid());
    assert_eq!(
        from_layout
            .config
            .config
            .exposed_ports
            .as_ref()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn selects_by_tag_and_reuses_the_cache() {
    let dir = temp_dir("cache");
    let layers = vec![base_layer(), upper_layer()];
    let zst: Vec<Vec<u8>> = layers.iter().map(|l| zstd(l)).collect();
    let layout = oci_layout(
        &dir,
        &layers,
        &zst,
        "application/vnd.oci.image.layer.v1.tar+zstd",
    );
    let reference = format!("{}:1.0", layout.display());
    let options = options(&dir.join("cache"));
    let first = open(&reference, &options, &mut |_| {}).unwrap();
    assert!(first.layers.iter().all(|l| !l.cached));
    let mut events = Vec::new();
    let second = open(&reference, &options, &mut |e| events.push(e)).unwrap();
    assert!(second.layers.iter().all(|l| l.cached));
    assert_eq!(listing(&first), listing(&second));
    assert_eq!(
        second.tree.read("app/config.txt", 100).unwrap().unwrap(),
        b"token = ghp_example"
    );
    assert_eq!(events.len(), 3, "{events:?}");

    // A cached layer cut short (as a crash before the data reached the disk can leave
    // it) is noticed and read again from its blob.
    let cached = dir
        .join("cache/layers")
        .join(format!("{}.tar", Digest::of(&layers[1]).hex()));
    let bytes = std::fs::read(&cached).unwrap();
    std::fs::write(&cached, &bytes[..bytes.len() - 1024]).unwrap();
    let third = open(&reference, &options, &mut |_| {}).unwrap();
    assert!(third.layers[0].cached && !third.layers[1].cached);
    assert_eq!(listing(&first), listing(&third));
    std::fs::write(&cached, b"").unwrap();
    let fourth = open(&reference, &options, &mut |_| {}).unwrap();
    assert!(!fourth.layers[1].cached);
    assert_eq!(listing(&first), listing(&fourth));

    let error = open(&format!("{}:2.0", layout.display()), &options, &mut |_| {}).unwrap_err();
    assert!(matches!(error, ImageError::Usage(_)), "{error}");
}

fn refused(
    layers: Vec<Vec<u8>>,
    blobs: Vec<Vec<u8>>,
    limits: Option<SizeLimits>,
    name: &str,
) -> String {
    let dir = temp_dir(name);
    let layout = oci_layout(
        &dir,
        &layers,
        &blobs,
        "application/vnd.oci.image.layer.v1.tar+gzip",
    );
    let mut options = options(&dir.join("cache"));
    if let Some(limits) = limits {
        options.size_limits = limits;
    }
    let error = open(layout.to_str().unwrap(), &options, &mut |_| {}).unwrap_err();
    assert!(matches!(error, ImageError::Refused(_)), "{name}: {error:?}");
    // Nothing half-written stays in the cache.
    let leftovers: Vec<_> = std::fs::read_dir(dir.join("cache/tmp")).unwrap().collect();
    assert!(
        leftovers.is_empty(),
        "{name}: temporary files left: {leftovers:?}"
    );
    let cached: Vec<_> = std::fs::read_dir(dir.join("cache/layers"))
        .unwrap()
        .collect();
    assert!(cached.is_empty(), "{name}: a refused layer was cached");
    error.to_string()
}

#[test]
fn hostile_images_are_refused() {
    // Path traversal in a layer entry.
    let evil = archive(&[Item::file("../../../../tmp/lockgate-escape", b"x")]);
    let message = refused(vec![evil.clone()], vec![gzip(&evil)], None, "traversal");
    assert!(
        message.contains("path traversal") && message.contains("layer 1 of 1"),
        "{message}"
    );
    assert!(!Path::new("/tmp/lockgate-escape").exists());

    // A symlink out of the root.
    let link = archive(&[Item::symlink("etc/evil", "../../../../root")]);
    let message = refused(vec![link.clone()], vec![gzip(&link)], None, "symlink");
    assert!(message.contains("outside the image root"), "{message}");

    // A hard link to a file the image does not hold.
    let hard = archive(&[Item::hardlink("etc/shadow", "/etc/shadow")]);
    let message = refused(vec![hard.clone()], vec![gzip(&hard)], None, "hardlink");
    assert!(message.contains("hard link"), "{message}");

    // A blob whose content does not match its digest: the manifest names the digest of
    // the good blob; the bytes on disk are altered.
    let good = base_layer();
    let blob = gzip(&good);
    let dir = temp_dir("mismatch");
    let layout = oci_layout(
        &dir,
        std::slice::from_ref(&good),
        std::slice::from_ref(&blob),
        "application/vnd.oci.image.layer.v1.tar+gzip",
    );
    let blob_path = layout.join("blobs/sha256").join(Digest::of(&blob).hex());
    let mut altered = blob.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 0xff;
    std::fs::write(&blob_path, &altered).unwrap();
    let error = open(
        layout.to_str().unwrap(),
        &options(&dir.join("cache")),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(error, ImageError::Refused(_)), "{error:?}");

    // A truncated blob.
    std::fs::write(&blob_path, &blob[..blob.len() - 10]).unwrap();
    let error = open(
        layout.to_str().unwrap(),
        &options(&dir.join("cache")),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("truncated") || error.to_string().contains("end"),
        "{error}"
    );

    // An uncompressed layer that does not match the config's diff ID.
    let message = refused(
        vec![upper_layer()],
        vec![gzip(&base_layer())],
        None,
        "diffid",
    );
    assert!(
        message.contains("uncompressed") && message.contains("digest"),
        "{message}"
    );
}

#[test]
fn decompression_bombs_and_oversized_images_are_refused() {
    // 80 MiB of zeros in one file compresses about a thousand times.
    let zeros = vec![0u8; 80 << 20];
    let bomb = archive(&[Item::file("zeros", &zeros)]);
    let message = refused(vec![bomb.clone()], vec![gzip(&bomb)], None, "bomb");
    assert!(message.contains("decompression bomb"), "{message}");

    let small = base_layer();
    let message = refused(
        vec![small.clone()],
        vec![gzip(&small)],
        Some(SizeLimits {
            max_image_bytes: 4096,
            max_ratio: 200,
        }),
        "oversized",
    );
    assert!(message.contains("size limit"), "{message}");
}

#[test]
fn a_path_that_is_no_image_gets_a_clear_error() {
    let dir = temp_dir("noimage");
    let error = open(
        dir.to_str().unwrap(),
        &options(&dir.join("cache")),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("neither an OCI image layout"),
        "{error}"
    );
    let file = dir.join("notes.txt");
    std::fs::write(&file, "hello").unwrap();
    let error = open(
        file.to_str().unwrap(),
        &options(&dir.join("cache")),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("not a readable image archive"),
        "{error}"
    );
    let error = open(
        "Not A Reference!",
        &options(&dir.join("cache")),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("no file or directory"),
        "{error}"
    );
}
