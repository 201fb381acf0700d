//! A container image as a scan input. The image is opened by `lockgate-image` (from a
//! layout, an archive or a registry); its config becomes a source of its own,
//! `image://REF!config.json` (the config pretty-printed, so findings point at a line of
//! it), every file of the squashed tree is `image://REF!/path`, and a file that a later
//! layer removed or replaced is `image://REF!/path@layerN` (N the layer that still holds
//! it). The image rules run on
//! the config and the file list, and the secrets scanner searches the config (env values,
//! history commands, labels) and every text file of the image.

use std::sync::Arc;

use lockgate_image::{Image, NodeKind, OpenOptions, Progress as ImageProgress};
use lockgate_model::{Notice, NoticeLevel, Span};
use lockgate_rules::{
    Context, ImageFile, ImageFileKind, ImageRule, ImageSink, ImageTarget, ImageView, OsRelease,
};
use lockgate_syntax::{Limits, parse_stream};
use rayon::prelude::*;

use crate::analyze::{Analyzer, Outcome, is_binary};
use crate::scan::{Progress, ProgressEvent, ScanError};
use crate::secrets;

/// An image to scan and how to open it.
#[derive(Debug, Clone)]
pub struct ImageInput {
    /// What the user named: a layout directory, an archive, or a registry reference.
    pub reference: String,
    pub open: OpenOptions,
}

/// The source name of the image's config document.
pub fn config_source(reference: &str) -> String {
    format!("image://{reference}!config.json")
}

/// The source name of a file in the image.
pub fn file_source(reference: &str, path: &str) -> String {
    format!("image://{reference}!{path}")
}

/// The source name of a file a later layer removed or replaced, as the layer that added
/// it (1-based) still holds it: `image://REF!/path@layer2`.
pub fn hidden_file_source(reference: &str, path: &str, layer: usize) -> String {
    format!("image://{reference}!{path}@layer{}", layer + 1)
}

/// Opens the image and analyses it: one outcome for the config, one per file with
/// findings, and a summary notice.
pub(crate) fn analyze_image(
    analyzer: &Analyzer<'_>,
    image_rules: &[&'static ImageRule],
    input: &ImageInput,
    today: &str,
    progress: Option<&Progress>,
    packages: Option<&mut lockgate_sbom::PackageSet>,
) -> Result<Vec<Outcome>, ScanError> {
    let mut layers_total = 0;
    let image = lockgate_image::open(&input.reference, &input.open, &mut |event| {
        let Some(progress) = progress else { return };
        match event {
            ImageProgress::Resolved { layers } => layers_total = layers,
            ImageProgress::Layer { index, .. } => progress(ProgressEvent::ImageLayers {
                done: index + 1,
                total: layers_total,
            }),
        }
    })
    .map_err(|e| {
        let message = e.to_string();
        if message.contains(&input.reference) {
            ScanError(message)
        } else {
            ScanError(format!("image {}: {message}", input.reference))
        }
    })?;

    if let Some(packages) = packages {
        // Matched with the scanned paths' packages; findings point into the image.
        let mut found = crate::packages::catalog_tree(&image.tree);
        for package in &mut found.packages {
            package.found_at.path =
                Arc::from(file_source(&input.reference, &package.found_at.path));
        }
        packages.extend(found);
    }
    let config_path: Arc<str> = Arc::from(config_source(&input.reference));
    let config_text = pretty_config(&image);
    let parsed = parse_stream(&config_text, Limits::default());
    let config_node = parsed.documents.into_iter().next().ok_or_else(|| {
        ScanError(format!(
            "image {}: the config could not be read back: {:?}",
            input.reference, parsed.error
        ))
    })?;
    let os = os_release(&image);
    let context = Context {
        settings: &analyzer.effective.settings,
        dockerignore: None,
    };
    let mut sink = ImageSink::new();
    {
        // The rules read the file list as a slice: it lives only while they run, so the
        // secrets search below does not hold a second copy of the tree.
        let files = image_files(&image);
        let view = ImageView {
            config: &config_node,
            files: &files,
            os: os.as_ref(),
            today,
        };
        for rule in image_rules {
            (rule.check)(&context, &view, &mut sink);
        }
    }

    let mut config_outcome = Outcome {
        path: Arc::clone(&config_path),
        text: Some(Arc::from(config_text.as_str())),
        documents: 1,
        ..Outcome::default()
    };
    let mut by_file: std::collections::BTreeMap<String, Vec<lockgate_model::Finding>> =
        Default::default();
    for hit in sink.into_hits() {
        match hit.target {
            ImageTarget::Config(span) => config_outcome.findings.push(analyzer.finding(
                hit.rule,
                &config_path,
                span,
                None,
                hit.message,
            )),
            ImageTarget::File(path) => {
                let source: Arc<str> = Arc::from(file_source(&input.reference, &path));
                by_file.entry(path).or_default().push(analyzer.finding(
                    hit.rule,
                    &source,
                    // The file as a whole: SARIF and code frames count from line 1.
                    Span::point(1, 1),
                    None,
                    hit.message,
                ));
            }
        }
    }
    if let Some(scanner) = analyzer.secrets {
        config_outcome.bytes = config_text.len() as u64;
        config_outcome.findings.extend(secrets::text_findings(
            analyzer,
            scanner,
            &config_path,
            config_text.as_bytes(),
        ));
    }

    let mut outcomes = vec![config_outcome];
    if let Some(scanner) = analyzer.secrets {
        let searched = search_files(analyzer, scanner, &image, &input.reference);
        // Files with findings are outcomes of their own; the summary stands for the rest.
        let others = searched
            .files
            .saturating_sub(searched.with_findings.len() + 1);
        for mut outcome in searched.with_findings {
            let path = outcome
                .path
                .split_once('!')
                .map(|(_, p)| p.to_string())
                .unwrap_or_default();
            if let Some(findings) = by_file.remove(&path) {
                outcome.findings.extend(findings);
            }
            outcomes.push(outcome);
        }
        // The files without findings, as one outcome: their count and bytes only.
        outcomes.push(Outcome {
            path: Arc::from(file_source(&input.reference, "/")),
            bytes: searched.bytes,
            skipped_binary: searched.binary,
            skipped_archives: searched.archives,
            other_files: others,
            ..Outcome::default()
        });
    }
    for (path, findings) in by_file {
        outcomes.push(Outcome {
            path: Arc::from(file_source(&input.reference, &path)),
            findings,
            ..Outcome::default()
        });
    }
    if let Some(first) = outcomes.first_mut() {
        first.notices.push(Notice {
            level: NoticeLevel::Info,
            message: summary(&image, os.as_ref()),
            path: None,
        });
    }
    Ok(outcomes)
}

/// What the secrets search over an image's files found: outcomes only for files with
/// findings or notices (an image holds tens of thousands of files), totals for the rest.
#[derive(Default)]
struct Searched {
    with_findings: Vec<Outcome>,
    files: usize,
    bytes: u64,
    binary: usize,
    archives: usize,
    /// The worker's read buffer, reused from file to file (see [`Searched::keep_buffer`]).
    buffer: Vec<u8>,
}

impl Searched {
    /// Keeps a read buffer for the next file, unless a large file grew it: most files
    /// are small, and a worker need not hold megabytes for the rest of the search.
    fn keep_buffer(&mut self, buffer: Vec<u8>) {
        const KEPT: usize = 1 << 20;
        if buffer.capacity() <= KEPT {
            self.buffer = buffer;
        }
    }

    fn merge(mut self, other: Searched) -> Searched {
        self.with_findings.extend(other.with_findings);
        self.files += other.files;
        self.bytes += other.bytes;
        self.binary += other.binary;
        self.archives += other.archives;
        self
    }
}

/// Searches every regular file of the image for secrets, in parallel. A file's first
/// 8 KiB tell a binary (skipped) from text before the rest is read.
fn search_files(
    analyzer: &Analyzer<'_>,
    scanner: &lockgate_secrets::Scanner,
    image: &Image,
    reference: &str,
) -> Searched {
    // Files of the final tree, then files a later layer removed or replaced: those are
    // still in the layer that added them, for anyone who pulls the image. Walked by
    // index, so no list of the image's files is built.
    let tree = &image.tree;
    (0..tree.len())
        .into_par_iter()
        .map(|index| (tree.entry(index), false))
        .chain(
            (0..tree.hidden_len())
                .into_par_iter()
                .map(|index| (tree.hidden_file(index), true)),
        )
        .fold(Searched::default, |mut searched, (entry, hidden)| {
            if let Some((path, node)) = entry
                && (hidden || (node.is_file() && node.size > 0))
            {
                search_file(
                    analyzer,
                    scanner,
                    tree,
                    reference,
                    path,
                    node,
                    hidden,
                    &mut searched,
                );
            }
            searched
        })
        .reduce(Searched::default, Searched::merge)
}

/// Searches one file of the image (`hidden`: one a later layer removed or replaced) and
/// adds what it found to `searched`.
#[allow(clippy::too_many_arguments)]
fn search_file(
    analyzer: &Analyzer<'_>,
    scanner: &lockgate_secrets::Scanner,
    tree: &lockgate_image::FileTree,
    reference: &str,
    path: &str,
    node: &lockgate_image::Node,
    hidden: bool,
    searched: &mut Searched,
) {
    const BINARY_PROBE: u64 = 8192;
    let shown = format!("/{path}");
    if scanner.is_allowed_path(&shown) || node.size > analyzer.effective.max_file_size {
        return;
    }
    searched.files += 1;
    if secrets::is_archive(std::path::Path::new(&shown)) {
        searched.archives += 1;
        return;
    }
    let source = || -> Arc<str> {
        if hidden {
            Arc::from(hidden_file_source(reference, &shown, node.layer))
        } else {
            Arc::from(file_source(reference, &shown))
        }
    };
    let mut buffer = std::mem::take(&mut searched.buffer);
    let read = tree
        .read_node_into(node, BINARY_PROBE, &mut buffer)
        .and_then(|()| {
            if is_binary(&buffer) {
                Ok(false)
            } else if node.size > BINARY_PROBE {
                tree.read_node_into(node, node.size, &mut buffer)
                    .map(|()| true)
            } else {
                Ok(true)
            }
        });
    match read {
        Ok(true) => {}
        Ok(false) => {
            searched.binary += 1;
            searched.keep_buffer(buffer);
            return;
        }
        Err(error) => {
            let source = source();
            searched.with_findings.push(Outcome {
                notices: vec![Notice {
                    level: NoticeLevel::Warning,
                    message: format!("cannot read the file from the image cache: {error}"),
                    path: Some(source.to_string()),
                }],
                path: source,
                ..Outcome::default()
            });
            searched.keep_buffer(buffer);
            return;
        }
    }
    let bytes = buffer.as_slice();
    searched.bytes += bytes.len() as u64;
    let source = source();
    let findings = if hidden {
        let context = format!(
            " (a later layer removed this file, but layer {} still holds it)",
            node.layer + 1
        );
        scanner
            .scan(Some(&source), bytes)
            .iter()
            .map(|hit| {
                let secret = &bytes[hit.range.clone()];
                secrets::hit_finding(analyzer, &source, hit, secret, hit.span, None, &context)
            })
            .collect()
    } else {
        secrets::text_findings(analyzer, scanner, &source, bytes)
    };
    if !findings.is_empty() {
        searched.with_findings.push(Outcome {
            path: source,
            text: Some(Arc::from(String::from_utf8_lossy(bytes).as_ref())),
            findings,
            ..Outcome::default()
        });
    }
    searched.keep_buffer(buffer);
}

/// The config as lockgate shows it: the image's own config JSON, pretty-printed (keys
/// sorted), so every key has a line to point at and every field, known or not, is searched
/// for secrets.
fn pretty_config(image: &Image) -> String {
    let mut text = serde_json::from_slice::<serde_json::Value>(&image.config_bytes)
        .and_then(|value| serde_json::to_string_pretty(&value))
        .unwrap_or_else(|_| String::from_utf8_lossy(&image.config_bytes).into_owned());
    text.push('\n');
    text
}

fn image_files(image: &Image) -> Vec<ImageFile> {
    image
        .tree
        .iter()
        .map(|(path, node)| ImageFile {
            path: format!("/{path}"),
            kind: match &node.kind {
                NodeKind::File => ImageFileKind::File,
                NodeKind::Directory => ImageFileKind::Directory,
                NodeKind::Symlink => ImageFileKind::Symlink(
                    image
                        .tree
                        .symlink_target(node)
                        .unwrap_or_default()
                        .to_string(),
                ),
                NodeKind::Special => ImageFileKind::Special,
            },
            mode: node.mode,
            size: node.size,
        })
        .collect()
}

/// `/etc/os-release`, else `/usr/lib/os-release` (its usual target).
fn os_release(image: &Image) -> Option<OsRelease> {
    for path in ["etc/os-release", "usr/lib/os-release"] {
        let Ok(Some(bytes)) = image.tree.read(path, 64 * 1024) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut release = OsRelease {
            path: format!(
                "/{}",
                image.tree.resolve(path).unwrap_or_else(|| path.into())
            ),
            ..OsRelease::default()
        };
        for line in text.lines() {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value
                .trim()
                .trim_matches(|c| c == '"' || c == '\'')
                .to_string();
            match key.trim() {
                "ID" => release.id = value,
                "VERSION_ID" => release.version_id = value,
                "PRETTY_NAME" => release.pretty_name = value,
                _ => {}
            }
        }
        if !release.id.is_empty() {
            return Some(release);
        }
    }
    None
}

fn summary(image: &Image, os: Option<&OsRelease>) -> String {
    let digest = image
        .pin_digest
        .as_ref()
        .or(image.manifest_digest.as_ref())
        .map_or_else(
            || format!("config {}", image.config_digest.short()),
            |d| d.to_string(),
        );
    let os = os.map_or_else(
        || "no os-release".to_string(),
        |os| {
            if os.pretty_name.is_empty() {
                format!("{} {}", os.id, os.version_id)
            } else {
                os.pretty_name.clone()
            }
        },
    );
    let cached = image.layers.iter().filter(|l| l.cached).count();
    format!(
        "image {} from {} ({digest}): {} layer(s) ({cached} from cache), {} files, {os}",
        image.reference,
        image.source.label(),
        image.layers.len(),
        image.tree.len(),
    )
}
