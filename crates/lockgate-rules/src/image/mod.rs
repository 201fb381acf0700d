//! Container image rules, one file per rule. A rule reads an [`ImageView`]: the image
//! config as a spanned JSON document, the files of the squashed file tree (path, type,
//! mode, size) and the facts the engine read from it (`os-release`); it reports hits at a
//! key of the config or at a file of the image into an [`ImageSink`].

use std::sync::LazyLock;

use lockgate_model::{RuleMeta, Span};
use lockgate_syntax::Node;

use crate::Context;

mod common;
mod os_end_of_life;
mod os_eol_table;
mod root_user;
mod setuid_files;
mod ssh_port_exposed;
mod tools_present;

pub use os_eol_table::end_of_life;

/// A file of the image, as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    /// Absolute path in the image (`/usr/bin/passwd`).
    pub path: String,
    pub kind: ImageFileKind,
    /// Permission bits with setuid, setgid and sticky.
    pub mode: u32,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageFileKind {
    File,
    Directory,
    Symlink(String),
    Special,
}

/// The image's `/etc/os-release` (or `/usr/lib/os-release`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OsRelease {
    /// `ID` (`debian`, `ubuntu`, `alpine`, …).
    pub id: String,
    /// `VERSION_ID` (`12`, `22.04`, `3.19.1`).
    pub version_id: String,
    pub pretty_name: String,
    /// Where it was read.
    pub path: String,
}

/// What image rules read.
#[derive(Debug)]
pub struct ImageView<'a> {
    /// The image config file, parsed with spans from the text findings quote.
    pub config: &'a Node,
    /// Every entry of the file tree, sorted by path.
    pub files: &'a [ImageFile],
    pub os: Option<&'a OsRelease>,
    /// Today's date, `YYYY-MM-DD`, for end-of-life dates.
    pub today: &'a str,
}

/// Where an image finding points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageTarget {
    /// A key or value of the config document.
    Config(Span),
    /// A file of the image (its absolute path).
    File(String),
}

#[derive(Debug, Clone)]
pub struct ImageHit {
    pub rule: &'static RuleMeta,
    pub target: ImageTarget,
    pub message: String,
}

/// Collects hits from image checks.
#[derive(Debug, Default)]
pub struct ImageSink {
    hits: Vec<ImageHit>,
}

impl ImageSink {
    pub fn new() -> Self {
        ImageSink::default()
    }

    pub fn report(
        &mut self,
        rule: &'static RuleMeta,
        target: ImageTarget,
        message: impl Into<String>,
    ) {
        self.hits.push(ImageHit {
            rule,
            target,
            message: message.into(),
        });
    }

    pub fn hits(&self) -> &[ImageHit] {
        &self.hits
    }

    pub fn into_hits(self) -> Vec<ImageHit> {
        self.hits
    }
}

/// A built-in image rule: its metadata and its check.
#[derive(Clone, Copy)]
pub struct ImageRule {
    pub meta: &'static RuleMeta,
    pub check: fn(&Context<'_>, &ImageView<'_>, &mut ImageSink),
}

impl std::fmt::Debug for ImageRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageRule")
            .field("id", &self.meta.id)
            .finish()
    }
}

static ALL: LazyLock<Vec<ImageRule>> = LazyLock::new(|| {
    let mut rules = vec![
        ImageRule {
            meta: &root_user::META,
            check: root_user::check,
        },
        ImageRule {
            meta: &ssh_port_exposed::META,
            check: ssh_port_exposed::check,
        },
        ImageRule {
            meta: &setuid_files::META,
            check: setuid_files::check,
        },
        ImageRule {
            meta: &tools_present::META,
            check: tools_present::check,
        },
        ImageRule {
            meta: &os_end_of_life::META,
            check: os_end_of_life::check,
        },
    ];
    rules.sort_by_key(|r| r.meta.id);
    rules
});

/// Every built-in image rule, in ID order.
pub fn image_rules() -> &'static [ImageRule] {
    &ALL
}
