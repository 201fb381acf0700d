//! lockgate's built-in rules. One file per rule holds its metadata (stable ID, kebab-case
//! name, severity, framework mappings), its documentation and its check; the registry
//! lists them all, and a registry test fails when one lacks docs, fixtures or mappings.
//!
//! Rules do no I/O: they read a [`lockgate_kube::KubeObject`] (or its pod spec view), a
//! parsed Dockerfile, or an [`ImageView`] of a container image, and the [`Settings`], and
//! report hits into a [`Sink`] (an [`ImageSink`] for images). The engine turns hits into
//! findings.

mod context;
mod docker;
pub mod engine_rules;
mod image;
mod kube;
pub mod package_rules;
mod registry;
mod settings;
mod text;

pub use context::{Context, Hit, Sink};
pub use docker::{DockerRule, docker_rules};
pub use image::{
    ImageFile, ImageFileKind, ImageHit, ImageRule, ImageSink, ImageTarget, ImageView, OsRelease,
    end_of_life, image_rules,
};
pub use registry::{Check, Rule, all_rules, find_rule, rules};
pub use settings::Settings;

/// Rules whose findings point at a line holding a credential value (a literal env
/// password, a ConfigMap credential, Secret data, a Dockerfile ENV or ARG named like a
/// secret). Outputs that quote source lines mask these lines.
pub static SECRET_VALUE_RULES: &[&str] = &["KUBE-040", "KUBE-041", "KUBE-042", "DOCKER-017"];
